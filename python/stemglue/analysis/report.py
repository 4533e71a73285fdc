"""The analysis as a report people can read: one self-contained HTML file (plots embedded as PNG,
readable offline), made with matplotlib. Per stem: waveform and spectrogram (before and after
with --compare), the floor's spectrum, the third-octave balance, onset offsets against the grid;
across stems: GCC-PHAT curves and energy-decay curves; on top: the tables of the terminal, with
the human ranges and what is outside them."""

from __future__ import annotations

import base64
import html
import io
import threading
from pathlib import Path

import matplotlib
import numpy as np
import scipy.signal
from matplotlib.figure import Figure  # figures without pyplot's global state

from stemglue.analysis.decay import Decays
from stemglue.analysis.floor import WINDOW_MS
from stemglue.analysis.multitrack import MIN_ONSETS, StemAudio, tempo_text
from stemglue.analysis.tables import Cell, Table, ranges_text, tables
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


def _html_table(table: Table) -> str:
    """A table of the analysis: shaded where a value is outside the human range, n/a with its reason
    as a tooltip."""

    def cell(value: Cell) -> str:
        if value.reason:
            return f'<td class="na" title="{html.escape(value.reason)}">n/a</td>'
        return f'<td class="{"out" if value.outside else ""}">{html.escape(value.text)}</td>'

    header = "".join(f"<th>{html.escape(title)}</th>" for title in [table.row_title, *table.columns])
    rows = "".join(f"<tr><td>{html.escape(name)}</td>{''.join(map(cell, cells))}</tr>" for name, cells in table.rows)
    return f"<h3>{html.escape(table.title)}</h3><table><tr>{header}</tr>{rows}</table>"


def _summary(result: dict) -> str:
    flags = "".join(
        f"<li>{html.escape(name)}: {html.escape(flag)}</li>"
        for name, stem in result["stems"].items()
        for flag in stem["flags"]
    )
    text = (
        f"<p>Tempo: {html.escape(tempo_text(result['tempo']))}. Shaded: outside the range recordings of people show "
        f"({html.escape(ranges_text())}). Hover over n/a for the reason.</p>"
    )
    text += "".join(_html_table(table) for table in tables(result))
    if flags:
        text += f'<ul class="flags">{flags}</ul>'
    return text


def _decay_curves(decays: dict[str, Decays]) -> str:
    """Each stem's free-decay (Schroeder) curves, the longest few, on one time axis."""
    drawn = {name: found for name, found in decays.items() if found.curves}
    if not drawn:
        return "<p>No stem has a free decay (a release or tail falling 25 dB).</p>"
    figure = Figure(figsize=(11, 3.2))
    axis = figure.subplots()
    colours = matplotlib.colormaps["tab10"]
    for index, (name, found) in enumerate(drawn.items()):
        for number, curve in enumerate(found.curves):
            times = np.arange(len(curve)) * found.curve_step_s
            axis.plot(times, curve, color=colours(index % 10), linewidth=0.8, label=name if number == 0 else None)
    axis.set(xlabel="s from the end of the sustain", ylabel="dB", ylim=(-60, 1), title="energy-decay curves")
    axis.legend(fontsize="small", ncols=2)
    figure.tight_layout()
    return _png(figure, "energy-decay curves of every stem's free decays")


def _balance(name: str, result: dict) -> str:
    """The stem's third-octave balance (re its whole power), before and after with --compare."""
    shown = [("", result["stems"][name]["spectral_bands_db"])]
    before = result.get("compare", {}).get("stems", {}).get(name)
    if before is not None:
        shown = [("before", before["spectral_bands_db"]), ("after", shown[0][1])]
    if not shown[-1][1]:
        return ""
    figure = Figure(figsize=(5.5, 2.8))
    axis = figure.subplots()
    for label, bands in shown:
        axis.plot(list(bands), list(bands.values()), marker=".", label=label or None)
    axis.set(title=f"{name}: third-octave balance", xlabel="Hz", ylabel="dB re whole")
    axis.tick_params(axis="x", labelrotation=90, labelsize="x-small")
    if before is not None:
        axis.legend(fontsize="small")
    figure.tight_layout()
    return _png(figure, f"{name}: third-octave balance")


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
        sections += ["<h2>Decay: how every stem dies away</h2>", _decay_curves(details["decays"])]
        for name in result["stems"]:  # in the analysis's order (the stems were drawn as they finished)
            sections += [
                f"<h2>{html.escape(name)}</h2>",
                self.drawn[name],
                _balance(name, result),
                _offsets(name, details["offsets_ms"][name]),
            ]
        document = (
            f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(self.title)}</title>'
            f"<style>{STYLE}</style></head><body>{''.join(sections)}</body></html>\n"
        )
        with atomic_output(path, overwrite=overwrite) as temporary:
            temporary.write_text(document, encoding="utf-8")
