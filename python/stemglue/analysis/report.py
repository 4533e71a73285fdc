"""The analysis as a report people can read: one self-contained HTML file (plots embedded as PNG,
readable offline), made with matplotlib. Per stem: waveform and spectrogram (before and after
with --compare), onset offsets against the grid, the floor's spectrum; across stems: GCC-PHAT
curves; on top: the summary table with the human ranges and what is outside them."""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: no display, no GUI toolkit
import matplotlib.pyplot as plt  # noqa: E402 - after choosing the backend
import numpy as np  # noqa: E402
import scipy.signal  # noqa: E402

from stemglue.analysis.floor import WINDOW_MS  # noqa: E402
from stemglue.analysis.multitrack import COMPARED, HUMAN_RANGES, MIN_ONSETS, StemAudio  # noqa: E402
from stemglue.audio_io import atomic_output  # noqa: E402

COLUMNS = [
    ("floor dBFS", "noise_floor_dbfs", "{:.1f}"),
    ("floor dBA", "noise_floor_dba", "{:.1f}"),
    ("onsets", "onsets", "{}"),
    ("onset SD ms", "onset_sd_ms", "{:.2f}"),
    ("mean ms", "onset_mean_ms", "{:+.2f}"),
    ("lag-1", "onset_lag1", "{:.2f}"),
    ("hit SD dB", "hit_level_sd_db", "{:.2f}"),
    ("LUFS", "lufs", "{:.1f}"),
    ("LRA LU", "lra_lu", "{:.1f}"),
    ("dBTP", "true_peak_dbtp", "{:.1f}"),
]
STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.92em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: right; }
th:first-child, td:first-child { text-align: left; }
td.out { background: #ffe3c2; } td.na { color: #999; }
img { max-width: 100%; } .flags { color: #a24b00; } h2 { margin-top: 2em; border-bottom: 1px solid #ddd; }
"""


def _png(figure, alt: str) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    plt.close(figure)
    encoded = base64.b64encode(buffer.getvalue()).decode()
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{encoded}">'


def _mono(stem: StemAudio) -> np.ndarray:
    return np.atleast_2d(stem.audio).astype(np.float64).mean(axis=0)


def _waveform_and_spectrogram(stem: StemAudio, before: StemAudio | None) -> str:
    shown = [("before", before), ("after", stem)] if before is not None else [("", stem)]
    figure, axes = plt.subplots(2, len(shown), figsize=(6.5 * len(shown), 4.6), squeeze=False)
    for column, (label, audio) in enumerate(shown):
        mono, rate = _mono(audio), audio.sample_rate
        step = max(1, len(mono) // 2000)  # min/max per pixel column, as a DAW draws it
        usable = len(mono) // step * step
        blocks = mono[:usable].reshape(-1, step) if usable else np.zeros((1, 1))
        times = np.arange(len(blocks)) * step / rate
        axes[0, column].fill_between(times, blocks.min(axis=1), blocks.max(axis=1), linewidth=0, color="#3b6ea5")
        axes[0, column].set(title=f"{audio.name} {label}".strip(), xlabel="s", ylim=(-1, 1))
        if len(mono) >= 1024:
            frequencies, seconds, power = scipy.signal.spectrogram(mono, rate, nperseg=1024, noverlap=512)
            axes[1, column].pcolormesh(
                seconds,
                frequencies / 1000,
                10 * np.log10(power + 1e-14),
                shading="auto",
                vmin=-140,
                vmax=-20,
                cmap="magma",
            )
        axes[1, column].set(xlabel="s", ylabel="kHz")
    figure.tight_layout()
    what = "before and after" if before is not None else ""
    return _png(figure, f"{stem.name}: waveform and spectrogram {what}".strip())


def _offsets(name: str, offsets_ms: np.ndarray | None) -> str:
    if offsets_ms is None or len(offsets_ms) < MIN_ONSETS:
        return f"<p>No onset offsets: fewer than {MIN_ONSETS} onsets, or no grid.</p>"
    figure, (histogram, series) = plt.subplots(1, 2, figsize=(11, 2.8))
    histogram.hist(offsets_ms, bins=40, color="#3b6ea5")
    histogram.set(title=f"{name}: offsets from the grid", xlabel="ms (late +)")
    series.plot(offsets_ms, ".", markersize=3, color="#3b6ea5")
    series.axhline(0, color="#999", linewidth=0.8)
    series.set(title="in order", xlabel="onset", ylabel="ms")
    figure.tight_layout()
    return _png(figure, f"{name}: onset offsets from the grid")


def _floor_spectrum(stem: StemAudio) -> str:
    """The average spectrum of the quietest tenth of the 50 ms windows: what the gaps hold."""
    mono, rate = _mono(stem), stem.sample_rate
    size = int(WINDOW_MS * 1e-3 * rate)
    if len(mono) < 2 * size:
        return "<p>Too short for a floor spectrum.</p>"
    windows = mono[: len(mono) // size * size].reshape(-1, size)
    power = np.mean(windows**2, axis=1)
    quiet = windows[power <= np.percentile(power, 10)]
    spectrum = np.mean(np.abs(np.fft.rfft(quiet * np.hanning(size), axis=1)) ** 2, axis=0)
    frequencies = np.fft.rfftfreq(size, 1 / rate)
    figure, axis = plt.subplots(figsize=(5.5, 2.8))
    axis.semilogx(frequencies[1:], 10 * np.log10(spectrum[1:] / (np.sum(np.hanning(size) ** 2) * rate / 2) + 1e-30))
    axis.set(title=f"{stem.name}: floor spectrum (quietest tenth)", xlabel="Hz", ylabel="dB/Hz", ylim=(-200, -40))
    figure.tight_layout()
    return _png(figure, f"{stem.name}: floor spectrum")


def _bleed_curves(curves: dict) -> str:
    if not curves:
        return "<p>No pairs.</p>"
    count = len(curves)
    columns = min(3, count)
    rows = int(np.ceil(count / columns))
    figure, axes = plt.subplots(rows, columns, figsize=(4 * columns, 2.4 * rows), squeeze=False)
    for axis, ((a, b), (lags_ms, curve)) in zip(axes.flat, curves.items(), strict=False):
        axis.plot(lags_ms, curve, linewidth=0.7, color="#3b6ea5")
        axis.set(
            title=f"{a} / {b}",
            xlabel="lag ms (+: {b} late)".format(b=b),
            ylim=(min(-0.05, curve.min()), max(0.2, curve.max())),
        )
    for axis in list(axes.flat)[count:]:
        axis.axis("off")
    figure.tight_layout()
    return _png(figure, "GCC-PHAT curves of every pair")


def _summary(result: dict) -> str:
    rows = []
    for name, stem in result["stems"].items():
        cells = [f"<td>{html.escape(name)}</td>"]
        for _, key, form in COLUMNS:
            value = stem[key]
            if value is None:
                reason = html.escape(stem["reasons"].get(key, ""))
                cells.append(f'<td class="na" title="{reason}">n/a</td>')
                continue
            low, high, _ = HUMAN_RANGES.get(key, (-np.inf, np.inf, ""))
            outside = isinstance(value, float) and not low <= value <= high
            cells.append(f'<td class="{"out" if outside else ""}">{form.format(value)}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    header = "<tr><th>stem</th>" + "".join(f"<th>{title}</th>" for title, _, _ in COLUMNS) + "</tr>"
    ranges = ", ".join(f"{key} {low:g}..{high:g} ({module})" for key, (low, high, module) in HUMAN_RANGES.items())
    pairs = "".join(
        f"<tr><td>{html.escape(p['a'])} / {html.escape(p['b'])}</td><td>{'yes' if p['bleed_found'] else 'no'}</td>"
        f"<td>{'n/a' if p['bleed_lag_ms'] is None else format(p['bleed_lag_ms'], '+.2f')}</td>"
        f"<td>{'n/a' if p['bleed_strength'] is None else format(p['bleed_strength'], '.3f')}</td>"
        f"<td>{'n/a' if p['onset_coincidence'] is None else format(100 * p['onset_coincidence'], '.0f') + ' %'}</td></tr>"
        for p in result["pairs"]
    )
    flags = "".join(
        f"<li>{html.escape(name)}: {html.escape(flag)}</li>"
        for name, stem in result["stems"].items()
        for flag in stem["flags"]
    )
    tempo = result["tempo"]
    tempo_text = f"{tempo['bpm']:g} bpm ({tempo['source']})" if tempo["bpm"] else f"n/a ({tempo.get('reason', '')})"
    text = f"<p>Tempo: {html.escape(tempo_text)}. Shaded: outside the range recordings of people show ({html.escape(ranges)}).</p>"
    text += f"<table>{header}{''.join(rows)}</table>"
    if flags:
        text += f'<ul class="flags">{flags}</ul>'
    if pairs:
        text += "<table><tr><th>pair</th><th>bleed</th><th>lag ms</th><th>strength</th><th>onsets together</th></tr>"
        text += pairs + "</table>"
    if "compare" in result:
        header = "<tr><th>stem</th>" + "".join(f"<th>{key}</th>" for key in COMPARED) + "</tr>"
        body = "".join(
            "<tr><td>"
            + html.escape(name)
            + "</td>"
            + "".join(f"<td>{'n/a' if v is None else format(v, '+.2f')}</td>" for v in change.values())
            + "</tr>"
            for name, change in result["compare"]["deltas"].items()
        )
        text += f"<h2>Change from before (after - before)</h2><table>{header}{body}</table>"
    return text


def write_report(
    result: dict,
    details: dict,
    stems: list[StemAudio],
    path: Path,
    *,
    before: list[StemAudio] | None = None,
    overwrite: bool = False,
    title: str = "StemGlue analysis",
) -> None:
    """Write the report for `result` and `details` (analyze(stems, details=details)) to path,
    atomically."""
    before_by_name = {stem.name: stem for stem in before or []}
    sections = [f"<h1>{html.escape(title)}</h1>", _summary(result), "<h2>Bleed: GCC-PHAT between every pair</h2>"]
    sections.append(_bleed_curves(details["bleed_curves"]))
    for stem in stems:
        sections += [
            f"<h2>{html.escape(stem.name)}</h2>",
            _waveform_and_spectrogram(stem, before_by_name.get(stem.name)),
            _offsets(stem.name, details["offsets_ms"].get(stem.name)),
            _floor_spectrum(stem),
        ]
    document = (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f"<style>{STYLE}</style></head><body>{''.join(sections)}</body></html>\n"
    )
    with atomic_output(path, overwrite=overwrite) as temporary:
        temporary.write_text(document, encoding="utf-8")
