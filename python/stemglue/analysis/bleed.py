"""Evidence of bleed between two stems: a delayed copy of one in the other shows as a peak of their
phase-transform weighted cross-correlation (GCC-PHAT, Knapp & Carter 1976) at the copy's delay.
Stems that never met show none away from zero lag."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.fft

#: Lags bleed between microphones shows: 0.3 ms (10 cm further from the source) to 20 ms (7 m).
BLEED_LAGS_MS = (0.3, 20.0)
#: Frames per correlation segment: the longest lag fits 8 times over at 48 kHz.
SEGMENT_FRAMES = 1 << 14
#: Segments averaged at most (spread over the whole stem): 128 Hann segments hold 44 s of a
#: 48 kHz stem, plenty to tell a copy from a coincidence, and keep pairs of long stems cheap.
MAX_SEGMENTS = 128
#: Shorter stems hold too few cycles of anything to tell a copy from a coincidence.
MIN_SECONDS = 0.5


@dataclass(frozen=True)
class BleedEvidence:
    """The strongest GCC-PHAT peak (a local maximum) within the bleed lags: `lag_ms` > 0 when b holds
    a late copy of a."""

    lag_ms: float
    strength: float  # the peak's height: about the share of coherent (copied) spectrum, 0..1
    curve_lags_ms: np.ndarray
    curve: np.ndarray


def segment_stride(frames: int) -> int:
    """Segment starts this far apart cover `frames` with at most MAX_SEGMENTS (half-overlapping
    where fewer would do)."""
    segment = SEGMENT_FRAMES
    return max(segment // 2, int(np.ceil(max(frames - segment, 0) / max(MAX_SEGMENTS - 1, 1))))


def segment_spectra(mono: np.ndarray, stride: int) -> np.ndarray:
    """The zero-padded spectra (complex64, one row per segment) of the Hann segments starting at
    0, stride, 2 stride ... that fit in the signal: what every pair with this stem reuses."""
    segment, size = SEGMENT_FRAMES, 2 * SEGMENT_FRAMES  # zero padding: linear correlation
    window = np.hanning(segment).astype(np.float32)
    starts = range(0, max(len(mono) - segment, 0) + 1, stride) if len(mono) >= segment else [0]
    pieces = np.stack([np.pad(mono[s : s + segment], (0, max(0, s + segment - len(mono)))) for s in starts])
    return scipy.fft.rfft(pieces.astype(np.float32) * window, size, axis=1).astype(np.complex64)


def gcc_phat(spectra_a: np.ndarray, spectra_b: np.ndarray, max_lag: int) -> np.ndarray:
    """GCC-PHAT over lags -max_lag..max_lag (b against a: a peak at +k when b holds a copy of a k
    samples late) from two stems' segment spectra at the same starts: the cross-spectra are summed
    and then whitened, so a copy present throughout stands out however coloured it is."""
    count = min(len(spectra_a), len(spectra_b))
    cross = np.sum(np.conj(spectra_a[:count]) * spectra_b[:count], axis=0, dtype=np.complex128)
    magnitude = np.abs(cross)
    whitened = np.where(magnitude > 1e-12 * magnitude.max(initial=0.0), cross / np.maximum(magnitude, 1e-300), 0.0)
    correlation = scipy.fft.irfft(whitened, 2 * SEGMENT_FRAMES)
    return np.concatenate([correlation[-max_lag:], correlation[: max_lag + 1]])


def _parabolic(left: float, centre: float, right: float) -> float:
    curvature = left - 2 * centre + right
    return 0.0 if curvature >= 0 else 0.5 * (left - right) / curvature


def bleed_evidence(a: np.ndarray, b: np.ndarray, sample_rate: float) -> BleedEvidence | None:
    """The bleed GCC-PHAT shows between a and b (mono or channel-averaged), either way round, at
    0.3-20 ms, with the lag refined between samples; None when either is silent or shorter than
    MIN_SECONDS."""
    a = np.atleast_2d(np.asarray(a, np.float64)).mean(axis=0)
    b = np.atleast_2d(np.asarray(b, np.float64)).mean(axis=0)
    if min(len(a), len(b)) < MIN_SECONDS * sample_rate or not np.any(a) or not np.any(b):
        return None
    stride = segment_stride(max(len(a), len(b)))
    return evidence_from_spectra(segment_spectra(a, stride), segment_spectra(b, stride), sample_rate)


def evidence_from_spectra(spectra_a: np.ndarray, spectra_b: np.ndarray, sample_rate: float) -> BleedEvidence:
    """bleed_evidence from segment spectra already taken (segment_spectra, one stride for both)."""
    max_lag = int(np.ceil(BLEED_LAGS_MS[1] * 1e-3 * sample_rate)) + 1
    curve = gcc_phat(spectra_a, spectra_b, max_lag)
    lags = np.arange(-max_lag, max_lag + 1)
    lags_ms = lags / sample_rate * 1000
    inside = (np.abs(lags_ms) >= BLEED_LAGS_MS[0]) & (np.abs(lags_ms) <= BLEED_LAGS_MS[1])
    # Only peaks: at the window's edge the largest value can be the flank of a peak at zero lag
    # (stems playing the same notes in phase: a tryout's synthetic pair read as bleed at 0.31 ms).
    peaks = np.zeros_like(inside)
    peaks[1:-1] = (curve[1:-1] >= curve[:-2]) & (curve[1:-1] > curve[2:])
    candidates = np.flatnonzero(inside & peaks)
    if len(candidates) == 0:  # no peak there at all: no evidence, at the window's largest value
        peak = int(np.flatnonzero(inside)[np.argmax(curve[inside])])
        return BleedEvidence(float(lags[peak] / sample_rate * 1000), 0.0, lags_ms, curve)
    peak = int(candidates[np.argmax(curve[candidates])])
    fraction = _parabolic(*curve[peak - 1 : peak + 2]) if 0 < peak < len(curve) - 1 else 0.0
    return BleedEvidence(
        lag_ms=float((lags[peak] + fraction) / sample_rate * 1000),
        strength=float(curve[peak]),
        curve_lags_ms=lags_ms,
        curve=curve,
    )
