"""The analysis as a report people can read: one self-contained HTML file (plots embedded as PNG,
readable offline), made with matplotlib. Per stem: waveform and spectrogram (before and after
with --compare), onset offsets against the grid, the floor's spectrum; across stems: GCC-PHAT
curves; on top: the summary table with the human ranges and what is outside them."""

from __future__ import annotations

import base64
import html
import io
import threading
from pathlib import Path

import numpy as np
import scipy.signal
from matplotlib.figure import Figure  # figures without pyplot's global state

from stemglue.analysis.floor import WINDOW_MS
from stemglue.analysis.multitrack import COMPARED, HUMAN_RANGES, MIN_ONSETS, TABLE_COLUMNS, StemAudio, outside
from stemglue.audio_io import atomic_output

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.92em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: right; }
th:first-child, td:first-child { text-align: left; }
td.out { background: #ffe3c2; } td.na { color: #999; }
img { max-width: 100%; } .flags { color: #a24b00; } h2 { margin-top: 2em; border-bottom: 1px solid #ddd; }
"""


def _png(figure: Figure, alt: str) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")  # Agg, matplotlib's file canvas
    encoded = base64.b64encode(buffer.getvalue()).decode()
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{encoded}">'


def _mono(audio: np.ndarray) -> np.ndarray:
    return np.atleast_2d(audio).astype(np.float64).mean(axis=0)


def _waveform_and_spectrogram(name: str, shown: list[tuple[str, np.ndarray, int]]) -> str:
    """Waveform over spectrogram for each (label, audio, rate): before and after side by side."""
    figure = Figure(figsize=(6.5 * len(shown), 4.6))
    axes = figure.subplots(2, len(shown), squeeze=False)
    for column, (label, audio, rate) in enumerate(shown):
        mono = _mono(audio)
        step = max(1, len(mono) // 2000)  # min/max per pixel column, as a DAW draws it
        usable = len(mono) // step * step
        blocks = mono[:usable].reshape(-1, step) if usable else np.zeros((1, 1))
        times = np.arange(len(blocks)) * step / rate
        axes[0, column].fill_between(times, blocks.min(axis=1), blocks.max(axis=1), linewidth=0, color="#3b6ea5")
        axes[0, column].set(title=f"{name} {label}".strip(), xlabel="s", ylim=(-1, 1))
        if len(mono) >= 1024:
            # at most ~1000 columns, drawn as an image: a 3-minute stem's full spectrogram would be
            # millions of cells
            frequencies, _, power = scipy.signal.spectrogram(mono, rate, nperseg=1024, noverlap=512)
            power = power[:, :: int(np.ceil(power.shape[1] / 1000))]
            axes[1, column].imshow(
                10 * np.log10(power + 1e-14),
                origin="lower",
                aspect="auto",
                extent=(0, len(mono) / rate, 0, frequencies[-1] / 1000),
                vmin=-140,
                vmax=-20,
                cmap="magma",
                interpolation="nearest",
            )
        axes[1, column].set(xlabel="s", ylabel="kHz")
    figure.tight_layout()
    what = "before and after" if len(shown) > 1 else ""
    return _png(figure, f"{name}: waveform and spectrogram {what}".strip())


def _offsets(name: str, offsets_ms: np.ndarray | None) -> str:
    if offsets_ms is None or len(offsets_ms) < MIN_ONSETS:
        return f"<p>No onset offsets: fewer than {MIN_ONSETS} onsets, or no grid.</p>"
    figure = Figure(figsize=(11, 2.8))
    histogram, series = figure.subplots(1, 2)
    histogram.hist(offsets_ms, bins=40, color="#3b6ea5")
    histogram.set(title=f"{name}: offsets from the grid", xlabel="ms (late +)")
    series.plot(offsets_ms, ".", markersize=3, color="#3b6ea5")
    series.axhline(0, color="#999", linewidth=0.8)
    series.set(title="in order", xlabel="onset", ylabel="ms")
    figure.tight_layout()
    return _png(figure, f"{name}: onset offsets from the grid")


def _floor_spectrum(name: str, audio: np.ndarray, rate: int) -> str:
    """The average spectrum of the quietest tenth of the 50 ms windows: what the gaps hold."""
    mono = _mono(audio)
    size = int(WINDOW_MS * 1e-3 * rate)
    if len(mono) < 2 * size:
        return "<p>Too short for a floor spectrum.</p>"
    windows = mono[: len(mono) // size * size].reshape(-1, size)
    power = np.mean(windows**2, axis=1)
    quiet = windows[power <= np.percentile(power, 10)]
    spectrum = np.mean(np.abs(np.fft.rfft(quiet * np.hanning(size), axis=1)) ** 2, axis=0)
    frequencies = np.fft.rfftfreq(size, 1 / rate)
    figure = Figure(figsize=(5.5, 2.8))
    axis = figure.subplots()
    axis.semilogx(frequencies[1:], 10 * np.log10(spectrum[1:] / (np.sum(np.hanning(size) ** 2) * rate / 2) + 1e-30))
    axis.set(title=f"{name}: floor spectrum (quietest tenth)", xlabel="Hz", ylabel="dB/Hz", ylim=(-200, -40))
    figure.tight_layout()
    return _png(figure, f"{name}: floor spectrum")


def _bleed_curves(curves: dict) -> str:
    if not curves:
        return "<p>No pairs.</p>"
    count = len(curves)
    columns = min(3, count)
    rows = int(np.ceil(count / columns))
    figure = Figure(figsize=(4 * columns, 2.4 * rows))
    axes = figure.subplots(rows, columns, squeeze=False)
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
        for _, key, form in TABLE_COLUMNS:
            value = stem[key]
            if value is None:
                reason = html.escape(stem["reasons"].get(key, ""))
                cells.append(f'<td class="na" title="{reason}">n/a</td>')
                continue
            cells.append(f'<td class="{"out" if outside(key, value) else ""}">{form.format(value)}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    header = "<tr><th>stem</th>" + "".join(f"<th>{title}</th>" for title, _, _ in TABLE_COLUMNS) + "</tr>"
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


class Report:
    """The report, drawn as the analysis reads each stem (analyze(..., each_stem=report.draw)), so
    no stem is held longer than its turn; `before` stems (--compare) are read beside theirs."""

    def __init__(self, before: list[StemAudio] | None = None, title: str = "StemGlue analysis") -> None:
        self.before = {stem.name: stem for stem in before or []}
        self.title = title
        self.drawn: dict[str, str] = {}
        # matplotlib's text layout (fonts, pyparsing) is not thread-safe: one stem draws at a time,
        # while the others' analyses go on
        self._drawing = threading.Lock()

    def draw(self, stem: StemAudio, audio: np.ndarray) -> None:
        shown = [("", audio, stem.sample_rate)]
        if stem.name in self.before:
            other = self.before[stem.name]
            shown = [("before", other.load(), other.sample_rate), ("after", audio, stem.sample_rate)]
        with self._drawing:
            self.drawn[stem.name] = _waveform_and_spectrogram(stem.name, shown) + _floor_spectrum(
                stem.name, audio, stem.sample_rate
            )

    def write(self, result: dict, details: dict, path: Path, *, overwrite: bool = False) -> None:
        """The page for `result` and `details` (from the analysis that drew the stems), atomically."""
        sections = [
            f"<h1>{html.escape(self.title)}</h1>",
            _summary(result),
            "<h2>Bleed: GCC-PHAT between every pair</h2>",
        ]
        sections.append(_bleed_curves(details["bleed_curves"]))
        for name in result["stems"]:  # in the analysis's order (the stems were drawn as they finished)
            sections += [f"<h2>{html.escape(name)}</h2>", self.drawn[name], _offsets(name, details["offsets_ms"][name])]
        document = (
            f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(self.title)}</title>'
            f"<style>{STYLE}</style></head><body>{''.join(sections)}</body></html>\n"
        )
        with atomic_output(path, overwrite=overwrite) as temporary:
            temporary.write_text(document, encoding="utf-8")
