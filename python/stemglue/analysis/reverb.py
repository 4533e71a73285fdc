"""Reverb measurements: Schroeder decay, third-octave T30 (ISO 3382-1), normalised echo density
(Abel & Huang, AES 2006), and spectral lines in a tail."""

from __future__ import annotations

import numpy as np
import scipy.signal
import scipy.special

THIRD_OCTAVE_CENTRES_HZ = tuple(1000.0 * 2.0 ** (k / 3) for k in range(-9, 10))  # 125 Hz .. 8 kHz


def energy_decay_db(impulse_response: np.ndarray) -> np.ndarray:
    """Schroeder backward integration of h^2, in dB re its start."""
    energy = np.cumsum(np.asarray(impulse_response, dtype=np.float64)[::-1] ** 2)[::-1]
    return 10 * np.log10(energy / energy[0] + 1e-300)


def decay_time_s(impulse_response: np.ndarray, sample_rate: float, start_db: float = -5.0, end_db: float = -35.0) -> float:
    """T30 (default): the line fitted to the decay curve between start_db and end_db, extended to -60 dB."""
    curve = energy_decay_db(impulse_response)
    span = (curve <= start_db) & (curve >= end_db)
    if span.sum() < 10:
        raise ValueError("the decay does not span the fit range")
    t = np.nonzero(span)[0] / sample_rate
    slope = np.polyfit(t, curve[span], 1)[0]
    return float(-60.0 / slope)


def band_decay_times_s(impulse_response: np.ndarray, sample_rate: float, centres_hz=THIRD_OCTAVE_CENTRES_HZ) -> dict[float, float]:
    """T30 per third-octave band. Each band is filtered on the time-reversed response, so the
    filter's own ringing lands before the decay and does not lengthen short decays."""
    times = {}
    for centre in centres_hz:
        band = scipy.signal.butter(3, [centre * 2 ** (-1 / 6), centre * 2 ** (1 / 6)], "bandpass", fs=sample_rate, output="sos")
        filtered = scipy.signal.sosfilt(band, np.asarray(impulse_response, dtype=np.float64)[::-1])[::-1]
        times[centre] = decay_time_s(filtered, sample_rate)
    return times


def normalized_echo_density(impulse_response: np.ndarray, sample_rate: float, window_ms: float = 20.0) -> np.ndarray:
    """Abel & Huang's NED per sample: the share of samples outside one standard deviation in a
    sliding window, over the share for Gaussian noise (erfc(1/sqrt 2)); 1 means fully diffuse."""
    h = np.asarray(impulse_response, dtype=np.float64)
    window = int(window_ms * 1e-3 * sample_rate) | 1
    weights = np.hanning(window + 2)[1:-1]
    weights /= weights.sum()
    local_std = np.sqrt(np.convolve(h**2, weights, mode="same"))
    outside = (np.abs(h) > local_std).astype(np.float64)
    return np.convolve(outside, weights, mode="same") / scipy.special.erfc(1 / np.sqrt(2))


def spectral_line_excess_db(tail: np.ndarray, sample_rate: float, low_hz: float = 100.0, high_hz: float = 10000.0) -> float:
    """How far the strongest spectral line of a reverb tail stands above the median of its
    third-octave band (Welch PSD, 8192-point segments); a metallic tail shows lines."""
    frequencies, psd = scipy.signal.welch(np.asarray(tail, dtype=np.float64), sample_rate, nperseg=8192)
    excess = -np.inf
    centre = low_hz
    while centre <= high_hz:
        band = (frequencies >= centre * 2 ** (-1 / 6)) & (frequencies < centre * 2 ** (1 / 6))
        if band.sum() > 4:
            excess = max(excess, 10 * np.log10(psd[band].max() / np.median(psd[band])))
        centre *= 2 ** (1 / 3)
    return float(excess)
