"""The analysis as tables, the same in the terminal (rich) and in the report (HTML): the stems'
descriptors in three tables, the pairs, the shared decay and, with --compare, the changes."""

from __future__ import annotations

from dataclasses import dataclass

from stemglue.analysis.multitrack import COMPARED, HUMAN_RANGES, outside

#: The stem tables, each a title and its columns: title, key, format.
STEM_TABLES = {
    "performance": [
        ("onsets", "onsets", "{}"),
        ("onset SD ms", "onset_sd_ms", "{:.2f}"),
        ("mean ms", "onset_mean_ms", "{:+.2f}"),
        ("lag-1", "onset_lag1", "{:.2f}"),
        ("hit SD dB", "hit_level_sd_db", "{:.2f}"),
        ("pitch SD ct", "pitch_sd_cents", "{:.1f}"),
        ("vibrato Hz", "vibrato_hz", "{:.1f}"),
    ],
    "floor and loudness": [
        ("floor dBFS", "noise_floor_dbfs", "{:.1f}"),
        ("floor dBA", "noise_floor_dba", "{:.1f}"),
        ("LUFS", "lufs", "{:.1f}"),
        ("LRA LU", "lra_lu", "{:.1f}"),
        ("dBTP", "true_peak_dbtp", "{:.1f}"),
    ],
    "sound": [
        ("H2 dBc", "h2_dbc", "{:.1f}"),
        ("H3 dBc", "h3_dbc", "{:.1f}"),
        ("at dBFS", "harmonic_level_dbfs", "{:.1f}"),
        ("tilt dB/oct", "spectral_tilt_db_per_octave", "{:+.2f}"),
        ("centroid Hz", "spectral_centroid_hz", "{:.0f}"),
        ("T30 s", "decay_t30_s", "{:.2f}"),
        ("EDT s", "decay_edt_s", "{:.2f}"),
    ],
}


TITLES = {key: title for columns in STEM_TABLES.values() for title, key, _ in columns}


@dataclass(frozen=True)
class Cell:
    text: str
    outside: bool = False  # outside the range recordings of people show
    reason: str = ""  # why a value is n/a


@dataclass(frozen=True)
class Table:
    title: str
    row_title: str  # what the first column names: "stem", "pair"...
    columns: list[str]  # the other columns
    rows: list[tuple[str, list[Cell]]]


def _value(value: float | None, form: str, reason: str = "", key: str = "") -> Cell:
    if value is None:
        return Cell("n/a", reason=reason)
    return Cell(form.format(value), outside(key, value))


def tables(result: dict) -> list[Table]:
    """Every table of an analysis (analyze()'s result, with "compare" when there was one)."""
    stems = result["stems"]
    made = [
        Table(
            title,
            "stem",
            [name for name, _, _ in columns],
            [
                (name, [_value(stem[key], form, stem["reasons"].get(key, ""), key) for _, key, form in columns])
                for name, stem in stems.items()
            ],
        )
        for title, columns in STEM_TABLES.items()
    ]
    if result["pairs"]:
        made.append(
            Table(
                "pairs",
                "pair",
                ["bleed", "lag ms", "strength", "onsets together"],
                [
                    (
                        f"{pair['a']} / {pair['b']}",
                        [
                            Cell("yes" if pair["bleed_found"] else "no"),
                            _value(pair["bleed_lag_ms"], "{:+.2f}", pair["reasons"].get("bleed_lag_ms", "")),
                            _value(pair["bleed_strength"], "{:.3f}", pair["reasons"].get("bleed_strength", "")),
                            _value(
                                None if pair["onset_coincidence"] is None else 100 * pair["onset_coincidence"],
                                "{:.0f} %",
                                pair["reasons"].get("onset_coincidence", ""),
                            ),
                        ],
                    )
                    for pair in result["pairs"]
                ],
            )
        )
    shared = result["shared_decay"]
    made.append(
        Table(
            "shared decay (across stems)",
            "",
            ["median s", "spread %", "stems"],
            [
                (
                    label,
                    [
                        _value(shared[f"{name}_s"], "{:.2f}", shared["reasons"].get(f"{name}_s", "")),
                        _value(
                            shared[f"{name}_spread_percent"],
                            "{:.0f}",
                            shared["reasons"].get(f"{name}_spread_percent", ""),
                        ),
                        Cell(str(shared[f"{name}_stems"])),
                    ],
                )
                for label, name in (("T30", "t30"), ("EDT", "edt"))
            ],
        )
    )
    if "compare" in result:
        changes = result["compare"]["deltas"]
        made.append(
            Table(
                "change from before (after - before)",
                "",
                list(changes),
                [
                    (TITLES.get(key, key), [_value(change[key], "{:+.2f}") for change in changes.values()])
                    for key in COMPARED
                ],
            )
        )
    return made


def ranges_text() -> str:
    return ", ".join(f"{TITLES[key]} {low:g}..{high:g} ({module})" for key, (low, high, module) in HUMAN_RANGES.items())
