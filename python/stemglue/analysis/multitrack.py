"""What a multitrack is missing: the sterility descriptors of each stem and of each pair, beside
the ranges recordings of people show, as plain data (what `stemglue analyze --json` writes).

Per stem: the noise floor in its gaps, onset timing against the grid, per-hit level spread, pitch
steadiness and harmonic signature of sustained notes, loudness, loudness range, true peak,
spectral balance and the decay of its releases. Per pair: bleed evidence (GCC-PHAT) and how many
of their onsets coincide. Across stems: how alike they decay (one room or many). A value that does
not apply is None, with the reason in the stem's `reasons`."""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soxr

from stemglue.analysis.balance import spectral_balance
from stemglue.analysis.bleed import (
    MIN_SECONDS,
    BleedEvidence,
    evidence_from_spectra,
    segment_spectra,
    segment_stride,
)
from stemglue.analysis.decay import Decays, free_decays
from stemglue.analysis.floor import noise_floor
from stemglue.analysis.harmonics import harmonic_signature
from stemglue.analysis.loudness import (
    integrated_loudness_lufs,
    k_weighted_power,
    loudness_range_lu,
    true_peak_dbtp,
)
from stemglue.analysis.onsets import BEAT_DIVISIONS, Grid, detect_onsets, estimate_grid, given_grid, grid_offsets_ms
from stemglue.analysis.steadiness import decimated, pitch_steadiness, sustained_notes
from stemglue.analysis.timing import hit_peak_levels_db, timing_statistics
from stemglue.audio_io import read_audio, scan_audio

#: What recordings of people show (timing and level spreads of players, floors of recordings): a stem
#: outside a range is flagged with what StemGlue module would move it.
HUMAN_RANGES = {
    "noise_floor_dbfs": (-100.0, -60.0, "noise"),
    "onset_sd_ms": (2.0, 20.0, "humanize timing"),
    "onset_lag1": (0.2, 0.95, "humanize correlation"),
    "hit_level_sd_db": (0.5, 3.0, "humanize dynamics"),
}


def outside(key: str, value: object) -> bool:
    """Whether a descriptor's value lies outside the range recordings of people show."""
    if key not in HUMAN_RANGES or not isinstance(value, float):
        return False
    low, high, _ = HUMAN_RANGES[key]
    return not low <= value <= high


#: Onsets of two stems within this of each other coincide (machines: nearly all; players: few).
COINCIDENCE_MS = 1.0
#: A GCC-PHAT peak this many robust standard deviations above its curve is bleed.
BLEED_Z = 8.0
MIN_ONSETS = 8


@dataclass
class StemAudio:
    """A stem to analyse: its audio in memory, or (audio None) a file read when its turn comes, so
    a long multitrack is never held whole."""

    name: str
    path: Path | None
    audio: np.ndarray | None  # (channels, frames), or None: read from path
    sample_rate: int
    frames: int = 0  # known from the header when the audio is not in memory
    channels: int = 0  # the file's, from its header (0: not read from a file)
    # a mono file read as this many channels, as a session hears it beside stereo stems (copied
    # into each), so that its loudness compares with what the session made of it (0: as it is)
    upmix_to: int = 0

    def load(self) -> np.ndarray:
        audio = self.audio if self.audio is not None else read_audio(self.path)[0]
        if not np.all(np.isfinite(audio)):  # silence, as rendering reads them (one NaN broke the floor's search)
            audio = np.nan_to_num(audio, nan=0.0, posinf=0.0, neginf=0.0)
        if self.upmix_to > 1 and np.ndim(audio) == 2 and len(audio) == 1:
            return np.repeat(audio, self.upmix_to, axis=0)
        return audio

    @property
    def length(self) -> int:
        return np.atleast_2d(self.audio).shape[1] if self.audio is not None else self.frames


def _hit_level_sd_db(mono: np.ndarray, onsets: np.ndarray, sample_rate: float) -> float | None:
    """Per-hit peak level SD (dB), pooled within hit classes: hits of one spectral centroid third
    octave are one instrument's, so a kick and a hat do not count as a level spread."""
    if len(onsets) < MIN_ONSETS:
        return None
    window = int(0.030 * sample_rate)
    levels = hit_peak_levels_db(mono, onsets, window, oversample=4)
    centroids = []
    for position in onsets.astype(np.int64):
        piece = mono[position : position + window]
        spectrum = np.abs(np.fft.rfft(piece * np.hanning(len(piece)))) if len(piece) > 8 else np.zeros(1)
        frequencies = np.fft.rfftfreq(max(len(piece), 1), 1 / sample_rate)[: len(spectrum)]
        centroids.append(np.sum(frequencies * spectrum) / max(np.sum(spectrum), 1e-30))
    classes = np.round(3 * np.log2(np.maximum(centroids, 20.0)))
    deviations = [levels[classes == c] - levels[classes == c].mean() for c in np.unique(classes)]
    deviations = [d for d in deviations if len(d) >= 4]
    count = sum(len(d) for d in deviations)
    if count < MIN_ONSETS:
        return None
    return float(np.sqrt(sum(np.sum(d**2) for d in deviations) / (count - len(deviations))))


def _coincidence(a: np.ndarray, b: np.ndarray, tolerance: float) -> float | None:
    """Share of the onsets of both stems with a partner in the other within the tolerance."""
    if len(a) == 0 or len(b) == 0:
        return None

    def matched(x: np.ndarray, y: np.ndarray) -> int:
        index = np.searchsorted(y, x)
        left, right = y[np.clip(index - 1, 0, len(y) - 1)], y[np.clip(index, 0, len(y) - 1)]
        return int(np.count_nonzero(np.minimum(np.abs(x - left), np.abs(x - right)) <= tolerance))

    return (matched(a, b) + matched(b, a)) / (len(a) + len(b))


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None or not np.isfinite(value) else round(float(value), digits)


def _timing(onsets_s: np.ndarray, grid: Grid | None, reasons: dict[str, str]) -> dict[str, float | None]:
    """Offsets from the grid: SD, mean (a known grid's only), lag-1 and periodogram slope."""
    timing = {"onset_sd_ms": None, "onset_mean_ms": None, "onset_lag1": None, "onset_slope": None}
    if len(onsets_s) < MIN_ONSETS:
        reasons |= dict.fromkeys(timing, f"{len(onsets_s)} onsets; timing needs {MIN_ONSETS}")
        return timing
    if grid is None:
        reasons |= dict.fromkeys(timing, "no grid: give --tempo, or stems with enough onsets to find one")
        return timing
    statistics = timing_statistics(grid_offsets_ms(onsets_s, grid))
    if grid.estimated:
        reasons["onset_mean_ms"] = "the grid's phase is estimated from the onsets: give --tempo for the mean"
    if not np.isfinite(statistics.slope):
        reasons["onset_slope"] = "the periodogram slope needs 64 onsets"
    return {
        "onset_sd_ms": statistics.sd_ms,
        "onset_mean_ms": None if grid.estimated else statistics.mean_ms,
        "onset_lag1": statistics.lag1,
        "onset_slope": statistics.slope,
    }


@dataclass
class _Measured:
    """What one pass over a stem's audio gives: its values, onsets, bleed spectra and decays."""

    values: dict[str, object]
    reasons: dict[str, str]
    onsets_s: np.ndarray
    spectra: np.ndarray | None
    decays: Decays  # its curves, for the report


def _measure(stem: StemAudio, audio: np.ndarray, pair_rate: int, stride: int) -> _Measured:
    """Everything that needs the stem's audio: onsets, floor, hit levels, sustained notes (pitch
    steadiness, harmonics), loudness, true peak, spectral balance, free decays, and its segment
    spectra for the pairs (at the pairs' common rate)."""
    rate = stem.sample_rate
    mono = np.atleast_2d(audio).astype(np.float64).mean(axis=0)
    reasons: dict[str, str] = {}
    onsets = detect_onsets(audio, rate)
    floor = noise_floor(audio, rate)
    if floor.reason:
        reasons["noise_floor_dbfs"] = reasons["noise_floor_dba"] = floor.reason
    hit_sd = _hit_level_sd_db(mono, onsets, rate)
    if hit_sd is None:
        reasons["hit_level_sd_db"] = "fewer than 8 hits of one kind"
    power = k_weighted_power(audio, rate)
    lufs = integrated_loudness_lufs(audio, rate, power)
    if lufs is None:
        reasons["lufs"] = "silent, or shorter than a 400 ms block"
    lra = loudness_range_lu(audio, rate, power)
    if lra is None:
        reasons["lra_lu"] = "under 5 s of sound: too short for a range"
    peak = true_peak_dbtp(audio, rate)
    if peak is None:
        reasons["true_peak_dbtp"] = "digital silence"
    low = decimated(mono, rate)  # the 12 kHz copy notes are found and read on
    notes = sustained_notes(mono, rate, low)
    steadiness = pitch_steadiness(mono, rate, notes, low)
    if steadiness.cents_sd is None:
        reasons["pitch_sd_cents"] = "no sustained single notes (one pitch at a time, 200 ms or longer)"
    if steadiness.vibrato_hz is None:
        reasons["vibrato_hz"] = reasons["vibrato_cents"] = "no vibrato (2 cents or more at 4-9 Hz)"
    harmonics = harmonic_signature(mono, rate, notes)
    if harmonics.h2_dbc is None:
        reasons["h2_dbc"] = reasons["h3_dbc"] = reasons["harmonic_level_dbfs"] = (
            "no sustained single notes with a third harmonic under 0.45 fs"
        )
    balance = spectral_balance(mono, rate)
    if balance.tilt_db_per_octave is None:
        reasons["spectral_tilt_db_per_octave"] = reasons["spectral_centroid_hz"] = "silent, or too short for a spectrum"
    decays = free_decays(mono, rate, onsets, floor)
    if decays.edt_s is None:
        reasons["decay_edt_s"] = decays.edt_reason
    if decays.t30_s is None:
        reasons["decay_t30_s"] = decays.t30_reason
    at_pair_rate = mono if rate == pair_rate else soxr.resample(mono, rate, pair_rate, quality="VHQ")
    usable = len(at_pair_rate) >= MIN_SECONDS * pair_rate and np.any(at_pair_rate)
    values = {
        "file": None if stem.path is None else str(stem.path),
        "sample_rate": rate,
        "channels": int(np.atleast_2d(audio).shape[0]),
        "seconds": round(np.atleast_2d(audio).shape[1] / rate, 3),
        "noise_floor_dbfs": _round(floor.dbfs, 2),
        "noise_floor_dba": _round(floor.dba, 2),
        "digital_silence": floor.digital_silence,
        "onsets": int(len(onsets)),
        "hit_level_sd_db": _round(hit_sd, 3),
        "pitch_sd_cents": _round(steadiness.cents_sd, 2),
        "pitch_notes": steadiness.notes,
        "vibrato_hz": _round(steadiness.vibrato_hz, 2),
        "vibrato_cents": _round(steadiness.vibrato_cents, 2),
        "h2_dbc": _round(harmonics.h2_dbc, 2),
        "h3_dbc": _round(harmonics.h3_dbc, 2),
        "harmonic_level_dbfs": _round(harmonics.level_dbfs, 2),
        "harmonic_notes": harmonics.notes,
        "lufs": _round(lufs, 2),
        "lra_lu": _round(lra, 2),
        "true_peak_dbtp": _round(peak, 2),
        "spectral_tilt_db_per_octave": _round(balance.tilt_db_per_octave, 3),
        "spectral_centroid_hz": _round(balance.centroid_hz, 1),
        "spectral_bands_db": balance.bands_db,
        "decay_t30_s": _round(decays.t30_s, 4),
        "decay_edt_s": _round(decays.edt_s, 4),
        "decays": decays.count,
    }
    spectra = segment_spectra(at_pair_rate, stride) if usable else None
    return _Measured(values, reasons, onsets / rate, spectra, decays)


def _with_timing(measured: _Measured, grid: Grid | None) -> dict[str, object]:
    """A stem's entry: its values with the timing against the grid, flags outside human ranges."""
    reasons = dict(measured.reasons)
    timing = {key: _round(value, 3) for key, value in _timing(measured.onsets_s, grid, reasons).items()}
    values = measured.values | timing
    flags = ["digital silence in the gaps: noise"] if values["digital_silence"] else []
    for key, (low, high, module) in HUMAN_RANGES.items():
        if outside(key, values.get(key)):
            flags.append(f"{key} {values[key]:g} outside {low:g}..{high:g}: {module}")
    return {**values, "flags": flags, "reasons": reasons}


def analyze_pair(
    a: str, b: str, rate: int, spectra: dict, onsets_s: dict[str, np.ndarray]
) -> tuple[dict[str, object], BleedEvidence | None]:
    """A pair's entry, and its GCC-PHAT evidence (None when a stem is silent or too short)."""
    evidence = None
    if spectra[a] is not None and spectra[b] is not None:
        evidence = evidence_from_spectra(spectra[a], spectra[b], rate)
    found = False
    if evidence is not None:
        curve = evidence.curve
        spread = 1.4826 * np.median(np.abs(curve - np.median(curve)))
        found = bool(evidence.strength > np.median(curve) + BLEED_Z * max(spread, 1e-12))
    coincidence = _coincidence(onsets_s[a], onsets_s[b], COINCIDENCE_MS / 1000)
    reasons = {}
    if evidence is None:
        reasons["bleed_lag_ms"] = reasons["bleed_strength"] = f"a stem is silent or shorter than {MIN_SECONDS:g} s"
    if coincidence is None:
        reasons["onset_coincidence"] = "a stem has no onsets"
    return {
        "a": a,
        "b": b,
        "bleed_found": found,
        "bleed_lag_ms": _round(evidence.lag_ms, 3) if evidence else None,
        "bleed_strength": _round(evidence.strength, 4) if evidence else None,
        "onset_coincidence": _round(coincidence, 3),
        "reasons": reasons,
    }, evidence


def load_stems(paths: list[Path]) -> list[StemAudio]:
    """Every file read through once (an AudioFileError names the first that cannot be read), kept
    as its header only: each is read again when its turn comes."""
    stems = []
    for path in paths:
        scanned = scan_audio(path)
        stems.append(
            StemAudio(Path(path).stem, Path(path), None, scanned.sample_rate, scanned.frames, scanned.channels)
        )
    return stems


#: An estimated tempo is taken by octaves into this range (a grid cannot tell 60 from 120 bpm).
TEMPO_OCTAVE_BPM = (75, 150)


def tempo_text(tempo: dict[str, object]) -> str:
    """The tempo entry as the table and the report show it."""
    if not tempo["bpm"]:
        return f"n/a ({tempo.get('reason', '')})"
    grid = f"; the onsets timed against its {tempo['grid']}" if tempo.get("grid") else ""
    return f"{tempo['bpm']:g} bpm ({tempo['source']}{grid})"


def _grid(tempo_bpm: float | None, onsets_s: dict[str, np.ndarray]) -> tuple[Grid | None, dict[str, object]]:
    """The grid the onsets are timed against, and how it was found."""
    onsets = np.sort(np.concatenate([np.zeros(0), *onsets_s.values()]))
    if tempo_bpm:
        grid = given_grid(onsets, tempo_bpm)
        return grid, {"bpm": tempo_bpm, "source": "given", "grid": BEAT_DIVISIONS[grid.per_beat]}
    grid = estimate_grid(onsets)
    if grid is None:
        return None, {"bpm": None, "source": None, "reason": "too few onsets to find a grid"}
    # The grid that fits best is the coarsest the onsets share within 40-400 ms: most often eighths,
    # which read as sixteenths gave 120 bpm material as 60 (a tryout). Its tempo is taken by octaves
    # into TEMPO_OCTAVE_BPM (the grid itself, for the timing, is the one found).
    bpm = grid.tempo_bpm
    while bpm < TEMPO_OCTAVE_BPM[0]:
        bpm *= 2
    while bpm >= TEMPO_OCTAVE_BPM[1]:
        bpm /= 2
    source = f"estimated (the grid that fits the onsets best, its tempo taken into {TEMPO_OCTAVE_BPM[0]}-{TEMPO_OCTAVE_BPM[1]} bpm)"
    return grid, {"bpm": round(bpm, 3), "source": source}


def analyze(
    stems: list[StemAudio],
    tempo_bpm: float | None = None,
    progress: Callable[[float], None] | None = None,
    details: dict | None = None,
    each_stem: Callable[[StemAudio, np.ndarray], None] | None = None,
    grid: tuple[Grid | None, dict[str, object]] | None = None,
) -> dict[str, object]:
    """The descriptors of every stem and pair. With a tempo, the grid is its sixteenths (or triplets,
    or both: given_grid) from each file's start; without, one grid is estimated from all stems' onsets (one band, one tempo).
    `grid`: the grid and tempo entry another analysis found (its details["grid"]), to time these
    onsets against, so that a before and after are compared on one grid.

    Each stem is read (when not in memory), measured and let go, one per core (numpy and scipy's
    FFTs and filters release the GIL); `each_stem(stem, audio)` sees it meanwhile (the report draws
    it). `details`, when given, receives what plots need: each stem's onset offsets (ms, None
    without a grid), each pair's GCC-PHAT curve (lags in ms, values) and each stem's Decays (its
    decay curves)."""
    pair_rate = max(stem.sample_rate for stem in stems)
    stride = segment_stride(max(int(np.ceil(stem.length * pair_rate / stem.sample_rate)) for stem in stems))
    steps = len(stems) + len(stems) * (len(stems) - 1) // 2
    measured: dict[str, _Measured] = {}

    def measure(stem: StemAudio) -> _Measured:
        audio = stem.load()
        if each_stem is not None:
            each_stem(stem, audio)
        return _measure(stem, audio, pair_rate, stride)

    workers = ThreadPoolExecutor(max(1, min(len(stems), os.cpu_count() or 1)))
    try:
        for stem, result in zip(stems, workers.map(measure, stems), strict=True):
            measured[stem.name] = result
            if progress:
                progress(len(measured) / steps)
    finally:
        workers.shutdown(cancel_futures=True)  # an error or Ctrl-C does not wait for every stem
    onsets_s = {name: m.onsets_s for name, m in measured.items()}
    grid, tempo = grid if grid is not None else _grid(tempo_bpm, onsets_s)
    results = {name: _with_timing(m, grid) for name, m in measured.items()}
    spectra = {name: m.spectra for name, m in measured.items()}
    if details is not None:
        details["grid"] = (grid, tempo)
        details["offsets_ms"] = {
            name: grid_offsets_ms(times, grid) if grid is not None and len(times) else None
            for name, times in onsets_s.items()
        }
        details["bleed_curves"] = {}
        details["decays"] = {name: m.decays for name, m in measured.items()}
    pairs = []
    for i, a in enumerate(stems):
        for b in stems[i + 1 :]:
            entry, evidence = analyze_pair(a.name, b.name, pair_rate, spectra, onsets_s)
            pairs.append(entry)
            if details is not None and evidence is not None:
                details["bleed_curves"][(a.name, b.name)] = (evidence.curve_lags_ms, evidence.curve)
            if progress:
                progress((len(results) + len(pairs)) / steps)
    return {
        "tempo": tempo,
        "stems": results,
        "pairs": pairs,
        "shared_decay": shared_decay(results),
        "ranges": {k: v[:2] for k, v in HUMAN_RANGES.items()},
    }


def shared_decay(stems: dict[str, dict]) -> dict[str, object]:
    """How alike the stems decay: the median T30 and EDT over the stems that have one, and their
    spread ((max - min) / median, %). Stems in one room spread little; stems each with its own
    reverb, or none, spread wide."""
    shared: dict[str, object] = {"reasons": {}}
    for key, name in (("decay_t30_s", "t30"), ("decay_edt_s", "edt")):
        values = [stem[key] for stem in stems.values() if stem[key] is not None]
        median = float(np.median(values)) if values else None
        shared[f"{name}_s"] = _round(median, 4)
        shared[f"{name}_stems"] = len(values)
        spread = 100 * (max(values) - min(values)) / median if len(values) >= 2 and median > 0 else None
        shared[f"{name}_spread_percent"] = _round(spread, 1)
        if median is None:
            shared["reasons"][f"{name}_s"] = f"no stem has a {name.upper()}"
        if spread is None:
            shared["reasons"][f"{name}_spread_percent"] = f"fewer than two stems have a {name.upper()}"
    return shared


#: What --compare reports a change of, stem by stem.
COMPARED = (
    "noise_floor_dbfs",
    "noise_floor_dba",
    "onset_sd_ms",
    "onset_lag1",
    "hit_level_sd_db",
    "pitch_sd_cents",
    "h2_dbc",
    "h3_dbc",
    "lufs",
    "true_peak_dbtp",
    "spectral_tilt_db_per_octave",
    "decay_t30_s",
    "decay_edt_s",
)


def comparison(after: dict, before: dict) -> dict[str, object]:
    """What --compare adds to `after`'s result: `before`'s stems, pairs and shared decay, and the
    change of each descriptor."""
    return {
        "tempo": before["tempo"],
        "stems": before["stems"],
        "pairs": before["pairs"],
        "shared_decay": before["shared_decay"],
        "deltas": deltas(after, before),
    }


def deltas(after: dict, before: dict) -> dict[str, dict[str, float | None]]:
    """after - before for each descriptor of each stem both hold (by name); None where either is n/a."""
    changes = {}
    for name, stem in after["stems"].items():
        if name in before["stems"]:
            old = before["stems"][name]
            changes[name] = {
                key: None if stem[key] is None or old[key] is None else round(stem[key] - old[key], 3)
                for key in COMPARED
            }
    return changes
