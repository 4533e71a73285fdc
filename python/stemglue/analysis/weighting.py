"""Frequency weightings; mirror of cpp/include/stemglue/weighting.h."""

from __future__ import annotations

import numpy as np
import scipy.signal


def a_weighting(frequency_hz: np.ndarray) -> np.ndarray:
    """IEC 61672 A-weighting as a linear magnitude (1 at 1 kHz)."""
    f2 = np.asarray(frequency_hz, dtype=np.float64) ** 2
    c1, c2, c3, c4 = 20.598997**2, 107.65265**2, 737.86223**2, 12194.217**2
    r = c4 * f2 * f2 / ((f2 + c1) * np.sqrt((f2 + c2) * (f2 + c3)) * (f2 + c4))
    return r * 1.2589254117941673


def flutter_weighting(frequency_hz: np.ndarray) -> np.ndarray:
    """Flutter-meter weighting (after IEC 60386): 1 at 4 Hz, ~6 dB/octave slopes, extra drop below 0.5 Hz."""
    f = np.asarray(frequency_hz, dtype=np.float64)

    def highpass(f, fc):
        return f / np.sqrt(f * f + fc * fc)

    def lowpass(f, fc):
        return fc / np.sqrt(f * f + fc * fc)

    peak = highpass(4.0, 4.0) * lowpass(4.0, 4.0) * highpass(4.0, 0.5)
    return highpass(f, 4.0) * lowpass(f, 4.0) * highpass(f, 0.5) / peak


def flutter_weighting_filter(sample_rate: float) -> np.ndarray:
    """The flutter weighting as second-order sections (bilinear, for a signal at sample_rate)."""
    w1, w0 = 2 * np.pi * 4.0, 2 * np.pi * 0.5
    # s/(s+w1) * w1/(s+w1) * s/(s+w0), scaled to 1 at 4 Hz
    numerator = np.polymul([w1, 0.0], [1.0, 0.0])
    denominator = np.polymul(np.polymul([1.0, w1], [1.0, w1]), [1.0, w0])
    z, p, k = scipy.signal.tf2zpk(numerator, denominator)
    z, p, k = scipy.signal.bilinear_zpk(z, p, k, sample_rate)
    sos = scipy.signal.zpk2sos(z, p, k)
    _, response = scipy.signal.sosfreqz(sos, worN=[4.0], fs=sample_rate)
    sos[0, :3] /= abs(response[0])
    return sos


def a_weighted_rms_dbfs(signal: np.ndarray, sample_rate: float) -> float:
    """A-weighted RMS level of a signal, in dBFS (a full-scale sine at 1 kHz reads -3 dBFS)."""
    signal = np.asarray(signal, dtype=np.float64)
    spectrum = np.fft.rfft(signal)
    weighted = np.fft.irfft(spectrum * a_weighting(np.fft.rfftfreq(len(signal), 1 / sample_rate)), len(signal))
    return float(10 * np.log10(np.mean(weighted**2) + 1e-300))
