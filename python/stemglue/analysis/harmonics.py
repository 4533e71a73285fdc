"""The harmonic signature of a stem's sustained notes: the second and third harmonics against the
fundamental (dBc), what a tube stage or tape adds and a clean generated stem lacks. H2 and H3 grow
with level (a triode's H2 about 6 dB per doubling, H3 about 12), so the figure only means something
at a stated level: it is read on the stem's loudest notes (within LOUDEST_SPAN_DB of the loudest),
and that level is reported beside it. A before/after comparison so holds the notes fixed."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.signal

from stemglue.analysis.steadiness import EDGE_S, Note

#: Notes whose fundamental is within this of the loudest note's are read.
LOUDEST_SPAN_DB = 10.0
#: Each note is read in its middle, at most this long: long enough to resolve a 55 Hz fundamental
#: from its neighbours in a Blackman-Harris window, short enough to be one steady stretch.
MAX_READ_S = 1.0
#: Power is summed over this many bins either side of each harmonic's peak (the window's main lobe).
LOBE_BINS = 4
#: Below this a harmonic is not measured (the Blackman-Harris window's sidelobes lie at -92 dB): it
#: reads as this, so a clean sine's "before" is not -170 dBc and its change after a tube not +145 dB.
FLOOR_DBC = -100.0


@dataclass(frozen=True)
class HarmonicSignature:
    h2_dbc: float | None
    h3_dbc: float | None
    level_dbfs: float | None  # the fundamental's median level over the notes read (a full-scale sine: 0)
    notes: int


def _harmonic_powers(piece: np.ndarray, hz: float, sample_rate: float) -> np.ndarray | None:
    """The power of harmonics 1..3 of one note (each summed over its window's main lobe, at the
    strongest bin within 3 % of k x hz), or None where the third lies above 0.45 fs."""
    if 3 * hz * 1.03 > 0.45 * sample_rate:
        return None
    window = scipy.signal.windows.blackmanharris(len(piece))
    spectrum = np.abs(np.fft.rfft(piece * window)) ** 2 / (np.sum(window) ** 2 / 4)  # a sine's peak amplitude^2
    bin_hz = sample_rate / len(piece)
    powers = []
    for k in (1, 2, 3):
        low = int(np.floor(k * hz * 0.97 / bin_hz))
        high = int(np.ceil(k * hz * 1.03 / bin_hz)) + 1
        peak = low + int(np.argmax(spectrum[low:high]))
        # the window spreads one sine's power over its lobe; summing recovers it (the window's own
        # noise bandwidth divided out)
        lobe = spectrum[max(0, peak - LOBE_BINS) : peak + LOBE_BINS + 1]
        powers.append(np.sum(lobe) / (np.sum(window**2) * len(piece) / np.sum(window) ** 2))
    return np.array(powers)


def harmonic_signature(mono: np.ndarray, sample_rate: float, notes: list[Note]) -> HarmonicSignature:
    """Median H2 and H3 (dBc) over the loudest sustained notes, and the level they were read at."""
    edge = int(EDGE_S * sample_rate)
    readings = []
    for note in notes:
        start, stop = note.start + edge, note.stop - edge
        middle, length = (start + stop) // 2, min(stop - start, int(MAX_READ_S * sample_rate))
        if length < 8 * sample_rate / note.hz:  # too few cycles for the lobes to part
            continue
        powers = _harmonic_powers(mono[middle - length // 2 : middle - length // 2 + length], note.hz, sample_rate)
        if powers is not None and powers[0] > 0:
            readings.append(10 * np.log10(np.maximum(powers, 1e-30)))
    if not readings:
        return HarmonicSignature(None, None, None, 0)
    levels = np.array(readings)
    loud = levels[levels[:, 0] >= levels[:, 0].max() - LOUDEST_SPAN_DB]
    return HarmonicSignature(
        h2_dbc=float(max(FLOOR_DBC, np.median(loud[:, 1] - loud[:, 0]))),
        h3_dbc=float(max(FLOOR_DBC, np.median(loud[:, 2] - loud[:, 0]))),
        level_dbfs=float(np.median(loud[:, 0])),
        notes=len(loud),
    )
