"""Loudness as meters read it: ITU-R BS.1770-4 integrated loudness (LUFS), EBU Tech 3342 loudness
range (LU) and true peak (dBTP, 4x oversampled)."""

from __future__ import annotations

import numpy as np
import scipy.ndimage
import scipy.signal

ABSOLUTE_GATE_LUFS = -70.0
MIN_RANGE_BLOCKS = 20
#: The oversampling factor of a true-peak reading (BS.1770-4 Annex 2).
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


def k_weighted_power(audio: np.ndarray, sample_rate: float) -> np.ndarray:
    """The K-weighted power per sample, summed over the channels (front channels weigh 1)."""
    weighted = scipy.signal.sosfilt(k_weighting(sample_rate), np.atleast_2d(np.asarray(audio, np.float64)), axis=1)
    return np.sum(weighted**2, axis=0)


def _block_loudness(power: np.ndarray, sample_rate: float, block_s: float, hop_s: float) -> np.ndarray:
    """Loudness (LUFS, -0.691 + 10 log10 of the mean K-weighted power) of each block_s window,
    hop_s apart."""
    size, hop = int(round(block_s * sample_rate)), int(round(hop_s * sample_rate))
    if len(power) < size:
        return np.zeros(0)
    running = np.concatenate([[0.0], np.cumsum(power)])
    starts = np.arange(0, len(power) - size + 1, hop)
    mean_square = (running[starts + size] - running[starts]) / size
    return -0.691 + 10 * np.log10(np.maximum(mean_square, 1e-300))


def integrated_loudness_lufs(audio: np.ndarray, sample_rate: float, power: np.ndarray | None = None) -> float | None:
    """BS.1770-4 integrated loudness: 400 ms blocks (75 % overlap) gated at -70 LUFS, then at
    10 LU below the mean of those. None when nothing passes the gates (silence, or under 400 ms).
    `power`: k_weighted_power(audio), when already taken."""
    power = k_weighted_power(audio, sample_rate) if power is None else power
    blocks = _block_loudness(power, sample_rate, 0.4, 0.1)
    blocks = blocks[blocks > ABSOLUTE_GATE_LUFS]
    if len(blocks) == 0:
        return None
    relative_gate = 10 * np.log10(np.mean(10 ** (blocks / 10))) - 10.0
    blocks = blocks[blocks > relative_gate]
    return float(10 * np.log10(np.mean(10 ** (blocks / 10))))


def loudness_range_lu(audio: np.ndarray, sample_rate: float, power: np.ndarray | None = None) -> float | None:
    """EBU Tech 3342 loudness range: the spread (10th to 95th percentile) of 3 s short-term
    loudness every 100 ms, gated at -70 LUFS and 20 LU below their mean. None when fewer than 20
    windows pass the absolute gate (under 5 s of sound): a range needs a spread to read."""
    power = k_weighted_power(audio, sample_rate) if power is None else power
    blocks = _block_loudness(power, sample_rate, 3.0, 0.1)
    blocks = blocks[blocks > ABSOLUTE_GATE_LUFS]
    if len(blocks) < MIN_RANGE_BLOCKS:
        return None
    blocks = blocks[blocks > 10 * np.log10(np.mean(10 ** (blocks / 10))) - 20.0]
    return float(np.percentile(blocks, 95) - np.percentile(blocks, 10))


def true_peak_dbtp(audio: np.ndarray, sample_rate: float) -> float | None:
    """The highest absolute value of the 4x oversampled signal (BS.1770-4 Annex 2), in dBTP. Between
    samples a band-limited signal rises at most a few dB over its sample peak, so only the stretches
    around samples within 6 dB of it are oversampled. None for silence."""
    samples = np.atleast_2d(np.asarray(audio, np.float64))
    sample_peak = float(np.max(np.abs(samples), initial=0.0))
    if sample_peak == 0.0:
        return None
    peak = sample_peak
    # resample_poly's own interpolator (Kaiser, beta 5), in float32: twice as fast, and 0.01 dB
    # needs nowhere near its resolution
    filter32 = scipy.signal.firwin(20 * TRUE_PEAK_OVERSAMPLE + 1, 1 / TRUE_PEAK_OVERSAMPLE, window=("kaiser", 5.0))
    filter32 = filter32.astype(np.float32)
    for channel in samples:
        # the loud samples with 32 samples of context either side, joined into one signal: a join
        # lies between samples under half the peak, where the interpolation cannot reach the peak
        keep = scipy.ndimage.maximum_filter1d((np.abs(channel) >= 0.5 * sample_peak).view(np.uint8), 65) > 0
        upsampled = scipy.signal.resample_poly(
            channel[keep].astype(np.float32), TRUE_PEAK_OVERSAMPLE, 1, window=filter32
        )
        peak = max(peak, float(np.max(np.abs(upsampled), initial=0.0)))
    return float(20 * np.log10(peak))
