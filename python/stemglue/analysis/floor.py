"""The noise floor a stem holds in its gaps: what a recording always has and a generated stem often
lacks (digital silence between the notes)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.fft

from stemglue.analysis.weighting import a_weighting

#: Windows the level is read in: short enough to fit between notes, long enough (2400 samples at
#: 48 kHz) that white noise's level in one scatters by about 0.1 dB.
WINDOW_MS = 50.0
#: Gap windows: those within this much of the quietest tenth's level.
GAP_SPAN_DB = 3.0
#: Gaps lie at least this far under the loudest window; a stem whose quietest tenth is closer (a
#: held pad, steady noise) has no gaps to read a floor in.
MIN_GAP_DEPTH_DB = 20.0
#: Gap windows A-weighted at most (an even selection of them): enough for 0.1 dB on noise.
MAX_WEIGHTED_WINDOWS = 200
#: Below this a window holds nothing a converter could have recorded: digital silence.
DIGITAL_SILENCE_DBFS = -140.0


@dataclass(frozen=True)
class NoiseFloor:
    """A stem's floor: flat and A-weighted RMS in its gaps (None where it has no gaps to read)."""

    dbfs: float | None
    dba: float | None
    digital_silence: bool  # its quietest stretches are (near) exact zeros
    gap_seconds: float
    reason: str | None = None  # why dbfs is None


def _window_powers(mono: np.ndarray, size: int) -> np.ndarray:
    count = len(mono) // size
    return np.mean(mono[: count * size].reshape(count, size) ** 2, axis=1)


def _a_weighted_powers(channel: np.ndarray, starts: np.ndarray, size: int, sample_rate: float) -> np.ndarray:
    """The A-weighted mean power of the windows at `starts`: each filtered (in frequency) with a
    window of context either side, so the weighting's low-frequency memory has settled, and only
    its middle kept. Only the gaps are weighted: a 3-minute stem needs a few hundred short FFTs."""
    padded = np.pad(channel, (size, size))
    pieces = np.stack([padded[start : start + 3 * size] for start in starts])  # padded index = start - size
    weighting = a_weighting(np.fft.rfftfreq(3 * size, 1 / sample_rate))
    weighted = scipy.fft.irfft(scipy.fft.rfft(pieces, axis=1) * weighting, 3 * size, axis=1)
    return np.mean(weighted[:, size : 2 * size] ** 2, axis=1)


def noise_floor(audio: np.ndarray, sample_rate: float) -> NoiseFloor:
    """The RMS level (dBFS; A-weighted: dBFS(A), a full-scale 1 kHz sine at -3) of the stem's gaps.

    The level is read in 50 ms windows (the mean of the channels' powers); the gaps are the windows
    within 3 dB of the quietest tenth's level, and the floor is their mean power, so a steady floor
    reads at its level rather than at the low tail of its window-to-window scatter. A stem whose
    quietest tenth is digital silence (below -140 dBFS) is flagged and its floor is that silence."""
    samples = np.atleast_2d(np.asarray(audio, dtype=np.float64))
    size = max(1, int(round(WINDOW_MS * 1e-3 * sample_rate)))
    if samples.shape[1] < 2 * size:
        return NoiseFloor(None, None, False, 0.0, f"shorter than two {WINDOW_MS:g} ms windows")
    powers = np.mean([_window_powers(channel, size) for channel in samples], axis=0)
    levels_db = 10 * np.log10(powers + 1e-300)
    quietest = float(np.percentile(levels_db, 10))
    gaps = levels_db <= quietest + GAP_SPAN_DB
    gap_seconds = float(np.count_nonzero(gaps) * size / sample_rate)
    flat = float(np.mean(powers[gaps]))
    if flat == 0.0:
        return NoiseFloor(None, None, True, gap_seconds, "digital silence: the gaps hold exact zeros")
    if quietest > float(np.max(levels_db)) - MIN_GAP_DEPTH_DB:
        return NoiseFloor(
            None, None, False, 0.0, f"no gaps: the quietest windows are within {MIN_GAP_DEPTH_DB:g} dB of the loudest"
        )
    gap_windows = np.flatnonzero(gaps)
    starts = gap_windows[:: int(np.ceil(len(gap_windows) / MAX_WEIGHTED_WINDOWS))] * size  # evenly spread
    a_weighted = float(np.mean([_a_weighted_powers(channel, starts, size, sample_rate) for channel in samples]))
    return NoiseFloor(
        dbfs=float(10 * np.log10(flat)),
        dba=float(10 * np.log10(a_weighted + 1e-300)),
        digital_silence=bool(quietest < DIGITAL_SILENCE_DBFS),
        gap_seconds=gap_seconds,
    )
