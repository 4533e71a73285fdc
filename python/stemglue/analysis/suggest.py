"""StemGlue settings that would move a multitrack's descriptors into the ranges recordings show:
what `stemglue analyze --suggest` prints and writes as a session file."""

from __future__ import annotations

from dataclasses import dataclass, field

from stemglue.analysis.multitrack import HUMAN_RANGES
from stemglue.audio_io import NEARLY_SILENT_DBFS

#: The floor a suggestion gives a stem without one: tape hiss at -84 dBA, the Noise default.
SUGGESTED_HISS_DB = -84.0
#: Timing spread a suggestion aims at when a stem is machine-tight (a rock/pop player's 5-10 ms).
SUGGESTED_TIMING_MS = 6.0
SUGGESTED_DYNAMICS_DB = 1.0


@dataclass
class Suggestion:
    """Settings for every stem (`shared`), per stem (`by_stem`), the layout, and why."""

    layout: str = "band-room"
    shared: dict[str, float] = field(default_factory=dict)
    by_stem: dict[str, dict[str, float]] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)


def suggest(result: dict) -> Suggestion:
    """Rules from the descriptors (analysis.multitrack.analyze's result) to settings: a stem in
    digital silence gets a floor, a machine-tight one a player's timing, flat hits per-hit
    dynamics, and a multitrack whose stems never met the band room's bleed."""
    found = Suggestion()
    for name, stem in result["stems"].items():
        own: dict[str, float] = {}
        peak = stem["true_peak_dbtp"]
        if peak is None or peak < NEARLY_SILENT_DBFS:  # an "empty" stem: a session leaves it so
            found.reasons.append(f"{name}: nearly silent: left as it is (no floor added)")
            continue
        if stem["digital_silence"]:
            own |= {"noise_enabled": 1, "noise_hiss_db": SUGGESTED_HISS_DB}
            found.reasons.append(f"{name}: digital silence in its gaps -> noise on, hiss at {SUGGESTED_HISS_DB:g} dBA")
        sd = stem["onset_sd_ms"]
        if sd is not None and sd < HUMAN_RANGES["onset_sd_ms"][0]:
            own |= {"humanize_enabled": 1, "humanize_timing_ms": SUGGESTED_TIMING_MS, "humanize_correlation": 1}
            found.reasons.append(
                f"{name}: onsets {sd:.2f} ms from the grid (players: 2-20) -> humanize timing {SUGGESTED_TIMING_MS:g} ms"
            )
        spread = stem["hit_level_sd_db"]
        if spread is not None and spread < HUMAN_RANGES["hit_level_sd_db"][0]:
            own |= {"humanize_enabled": 1, "humanize_dynamics_db": SUGGESTED_DYNAMICS_DB}
            found.reasons.append(
                f"{name}: hits within {spread:.2f} dB of each other (players: 0.5-3) -> "
                f"humanize dynamics {SUGGESTED_DYNAMICS_DB:g} dB"
            )
        if own:
            found.by_stem[name] = own
    pairs = result["pairs"]
    if pairs and not any(pair["bleed_found"] for pair in pairs):
        found.shared["bleed_enabled"] = 1
        found.reasons.append("no pair shows bleed: the stems never met -> the band-room layout, bleed on")
    tempo = result.get("tempo", {})
    if tempo.get("source") == "given" and any("humanize_enabled" in own for own in found.by_stem.values()):
        found.shared["humanize_tempo_bpm"] = tempo["bpm"]
    return found
