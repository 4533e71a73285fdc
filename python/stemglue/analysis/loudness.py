"""Loudness as meters read it: ITU-R BS.1770-4 integrated loudness (LUFS), EBU Tech 3342 loudness
range (LU) and true peak (dBTP, 4x oversampled)."""

from __future__ import annotations

import numpy as np
import scipy.signal

ABSOLUTE_GATE_LUFS = -70.0
#: Above this rate a signal is already oversampled enough for a true-peak reading.
TRUE_PEAK_OVERSAMPLE = 4


def k_weighting(sample_rate: float) -> np.ndarray:
    """BS.1770's K filter as second-order sections: a +4 dB shelf above about 1.7 kHz (the head)
    and a high-pass at 38 Hz (RLB), from the analogue prototypes fitted to the standard's 48 kHz
    coefficients (which they reproduce to 1e-8; libebur128 designs the same way), so any rate."""
    shelf_k = np.tan(np.pi * 1681.974450955533 / sample_rate)
    shelf_q, gain = 0.7071752369554196, 10 ** (3.999843853973347 / 20)
    band = gain**0.4996667741545416
    shelf_a0 = 1 + shelf_k / shelf_q + shelf_k**2
    shelf = [
        (gain + band * shelf_k / shelf_q + shelf_k**2) / shelf_a0,
        2 * (shelf_k**2 - gain) / shelf_a0,
        (gain - band * shelf_k / shelf_q + shelf_k**2) / shelf_a0,
        1.0,
        2 * (shelf_k**2 - 1) / shelf_a0,
        (1 - shelf_k / shelf_q + shelf_k**2) / shelf_a0,
    ]
    pass_k, pass_q = np.tan(np.pi * 38.13547087602444 / sample_rate), 0.5003270373238773
    pass_a0 = 1 + pass_k / pass_q + pass_k**2
    high_pass = [1.0, -2.0, 1.0, 1.0, 2 * (pass_k**2 - 1) / pass_a0, (1 - pass_k / pass_q + pass_k**2) / pass_a0]
    return np.array([shelf, high_pass])


def _block_loudness(audio: np.ndarray, sample_rate: float, block_s: float, hop_s: float) -> np.ndarray:
    """Loudness (LUFS) of each block_s window, hop_s apart: K-weighted mean square summed over
    channels (front channels weigh 1), -0.691 + 10 log10."""
    weighted = scipy.signal.sosfilt(k_weighting(sample_rate), np.atleast_2d(np.asarray(audio, np.float64)), axis=1)
    power = np.sum(weighted**2, axis=0)
    size, hop = int(round(block_s * sample_rate)), int(round(hop_s * sample_rate))
    if len(power) < size:
        return np.zeros(0)
    running = np.concatenate([[0.0], np.cumsum(power)])
    starts = np.arange(0, len(power) - size + 1, hop)
    mean_square = (running[starts + size] - running[starts]) / size
    return -0.691 + 10 * np.log10(np.maximum(mean_square, 1e-300))


def integrated_loudness_lufs(audio: np.ndarray, sample_rate: float) -> float | None:
    """BS.1770-4 integrated loudness: 400 ms blocks (75 % overlap) gated at -70 LUFS, then at
    10 LU below the mean of those. None when nothing passes the gates (silence, or under 400 ms)."""
    blocks = _block_loudness(audio, sample_rate, 0.4, 0.1)
    blocks = blocks[blocks > ABSOLUTE_GATE_LUFS]
    if len(blocks) == 0:
        return None
    relative_gate = 10 * np.log10(np.mean(10 ** (blocks / 10))) - 10.0
    blocks = blocks[blocks > relative_gate]
    return float(10 * np.log10(np.mean(10 ** (blocks / 10))))


def loudness_range_lu(audio: np.ndarray, sample_rate: float) -> float | None:
    """EBU Tech 3342 loudness range: the spread (10th to 95th percentile) of 3 s short-term
    loudness every 100 ms, gated at -70 LUFS and 20 LU below their mean. None under 3 s or silent."""
    blocks = _block_loudness(audio, sample_rate, 3.0, 0.1)
    blocks = blocks[blocks > ABSOLUTE_GATE_LUFS]
    if len(blocks) == 0:
        return None
    blocks = blocks[blocks > 10 * np.log10(np.mean(10 ** (blocks / 10))) - 20.0]
    return float(np.percentile(blocks, 95) - np.percentile(blocks, 10))


def true_peak_dbtp(audio: np.ndarray, sample_rate: float) -> float | None:
    """The highest absolute value of the 4x oversampled signal (BS.1770-4 Annex 2), in dBTP; read in
    overlapping pieces so a long stem needs little memory. None for silence."""
    samples = np.atleast_2d(np.asarray(audio, np.float64))
    piece, margin, peak = 1 << 18, 64, 0.0
    for start in range(0, samples.shape[1], piece):
        first, last = max(0, start - margin), min(samples.shape[1], start + piece + margin)
        upsampled = scipy.signal.resample_poly(samples[:, first:last], TRUE_PEAK_OVERSAMPLE, 1, axis=1)
        keep = slice(
            (start - first) * TRUE_PEAK_OVERSAMPLE,
            (min(start + piece, samples.shape[1]) - first) * TRUE_PEAK_OVERSAMPLE,
        )
        peak = max(peak, float(np.max(np.abs(upsampled[:, keep]), initial=0.0)))
    return float(20 * np.log10(peak)) if peak > 0 else None
