"""Reverb measurements: Schroeder decay, third-octave T30 (ISO 3382-1), normalised echo density
(Abel & Huang, AES 2006), and spectral lines in a tail."""

from __future__ import annotations

import numpy as np
import scipy.signal
import scipy.special

THIRD_OCTAVE_CENTRES_HZ = tuple(1000.0 * 2.0 ** (k / 3) for k in range(-9, 10))  # 125 Hz .. 8 kHz


def energy_decay_db(impulse_response: np.ndarray) -> np.ndarray:
    """Schroeder backward integration of h^2, in dB re its start. Several responses (rows) are
    pooled: their energies add, as ISO 3382-1 averages source and receiver positions."""
    h = np.atleast_2d(np.asarray(impulse_response, dtype=np.float64))
    energy = np.cumsum(np.sum(h[:, ::-1] ** 2, axis=0))[::-1]
    return 10 * np.log10(energy / energy[0] + 1e-300)


def decay_time_s(
    impulse_response: np.ndarray, sample_rate: float, start_db: float = -5.0, end_db: float = -35.0
) -> float:
    """T30 (default): the line fitted to the decay curve between start_db and end_db, extended to
    -60 dB. Rows of a 2-D input are pooled (see energy_decay_db)."""
    curve = energy_decay_db(impulse_response)
    span = (curve <= start_db) & (curve >= end_db)
    if span.sum() < 10:
        raise ValueError("the decay does not span the fit range")
    t = np.nonzero(span)[0] / sample_rate
    slope = np.polyfit(t, curve[span], 1)[0]
    return float(-60.0 / slope)


def band_decay_times_s(
    impulse_response: np.ndarray, sample_rate: float, centres_hz=THIRD_OCTAVE_CENTRES_HZ
) -> dict[float, float]:
    """T30 per third-octave band; rows of a 2-D input are pooled. Each band is filtered on the
    time-reversed response, so the filter's own ringing lands before the decay and does not
    lengthen short decays.

    One response gives one position's decay, a random estimate of the room's whose scatter grows
    as 1 / sqrt(bandwidth x decay time) (Davy, Dunn & Dubout 1979): for short decays in narrow
    bands it is several per cent. Pool several positions to measure a design."""
    reversed_responses = np.atleast_2d(np.asarray(impulse_response, dtype=np.float64))[:, ::-1]
    times = {}
    for centre in centres_hz:
        band = scipy.signal.butter(
            3, [centre * 2 ** (-1 / 6), centre * 2 ** (1 / 6)], "bandpass", fs=sample_rate, output="sos"
        )
        times[centre] = decay_time_s(scipy.signal.sosfilt(band, reversed_responses, axis=-1)[:, ::-1], sample_rate)
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


def spectral_line_excess_db(
    tail: np.ndarray, sample_rate: float, low_hz: float = 100.0, high_hz: float = 10000.0
) -> float:
    """How far the strongest spectral line of a reverb tail stands above the median of its
    third-octave band (Welch PSD, 8192-point segments); a metallic tail shows lines. The decay
    is divided out first (RMS envelope over 50 ms), so every segment counts alike: the estimate
    is steadier, and a mode that outlasts the rest grows instead of hiding in the first segments
    (exponentially decaying Gaussian noise reads about 2.3 dB)."""
    x = np.asarray(tail, dtype=np.float64)
    window = np.hanning(int(0.05 * sample_rate) + 2)[1:-1]
    envelope = np.sqrt(np.convolve(x**2, window / window.sum(), mode="same"))
    flat = x / np.maximum(envelope, 1e-9 * envelope.max())
    frequencies, psd = scipy.signal.welch(flat, sample_rate, nperseg=8192)
    excess = -np.inf
    centre = low_hz
    while centre <= high_hz:
        band = (frequencies >= centre * 2 ** (-1 / 6)) & (frequencies < centre * 2 ** (1 / 6))
        if band.sum() > 4:
            excess = max(excess, 10 * np.log10(psd[band].max() / np.median(psd[band])))
        centre *= 2 ** (1 / 3)
    return float(excess)
