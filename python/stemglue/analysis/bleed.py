"""Evidence of bleed between two stems: a delayed copy of one in the other shows as a peak of their
phase-transform weighted cross-correlation (GCC-PHAT, Knapp & Carter 1976) at the copy's delay.
Stems that never met show none away from zero lag."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Lags a microphone a metre or more from another source can show: 0.3 ms (10 cm) to 20 ms (7 m).
BLEED_LAGS_MS = (0.3, 20.0)
#: Frames per correlation segment: the lags fit many times over, and averaging segments tames the
#: PHAT weighting's noise in bands where a stem holds nothing.
SEGMENT_FRAMES = 1 << 15


@dataclass(frozen=True)
class BleedEvidence:
    """The strongest GCC-PHAT peak within the bleed lags: `lag_ms` > 0 when b holds a late copy of a."""

    lag_ms: float
    strength: float  # the peak's height: about the share of coherent (copied) spectrum, 0..1
    curve_lags_ms: np.ndarray
    curve: np.ndarray


def gcc_phat(a: np.ndarray, b: np.ndarray, max_lag: int, segment: int = SEGMENT_FRAMES) -> np.ndarray:
    """GCC-PHAT of two mono signals over lags -max_lag..max_lag (b against a: a peak at +k when b
    holds a copy of a k samples late). The cross-spectra of 50 %-overlapping Hann segments are
    summed and then whitened, so a copy present throughout stands out however coloured it is."""
    length = min(len(a), len(b))
    segment = min(segment, 1 << int(np.ceil(np.log2(max(length, 2)))))
    size = 2 * segment  # zero padding: linear, not circular, correlation
    window = np.hanning(segment)
    cross = np.zeros(size // 2 + 1, complex)
    for start in range(0, max(1, length - segment + 1), segment // 2):
        x, y = a[start : start + segment], b[start : start + segment]
        x, y = np.pad(x, (0, segment - len(x))) * window, np.pad(y, (0, segment - len(y))) * window
        cross += np.conj(np.fft.rfft(x, size)) * np.fft.rfft(y, size)
    magnitude = np.abs(cross)
    whitened = np.where(magnitude > 1e-12 * magnitude.max(initial=0.0), cross / np.maximum(magnitude, 1e-300), 0.0)
    correlation = np.fft.irfft(whitened, size)
    return np.concatenate([correlation[-max_lag:], correlation[: max_lag + 1]])


def _parabolic(left: float, centre: float, right: float) -> float:
    curvature = left - 2 * centre + right
    return 0.0 if curvature >= 0 else 0.5 * (left - right) / curvature


def bleed_evidence(a: np.ndarray, b: np.ndarray, sample_rate: float) -> BleedEvidence | None:
    """The bleed GCC-PHAT shows between a and b (mono or channel-averaged), either way round, at
    0.3-20 ms, with the lag refined between samples; None when either is silent."""
    a = np.atleast_2d(np.asarray(a, np.float64)).mean(axis=0)
    b = np.atleast_2d(np.asarray(b, np.float64)).mean(axis=0)
    if not np.any(a) or not np.any(b):
        return None
    max_lag = int(np.ceil(BLEED_LAGS_MS[1] * 1e-3 * sample_rate)) + 1
    curve = gcc_phat(a, b, max_lag)
    lags = np.arange(-max_lag, max_lag + 1)
    lags_ms = lags / sample_rate * 1000
    inside = (np.abs(lags_ms) >= BLEED_LAGS_MS[0]) & (np.abs(lags_ms) <= BLEED_LAGS_MS[1])
    peak = int(np.flatnonzero(inside)[np.argmax(curve[inside])])
    fraction = _parabolic(*curve[peak - 1 : peak + 2]) if 0 < peak < len(curve) - 1 else 0.0
    return BleedEvidence(
        lag_ms=float((lags[peak] + fraction) / sample_rate * 1000),
        strength=float(curve[peak]),
        curve_lags_ms=lags_ms,
        curve=curve,
    )
