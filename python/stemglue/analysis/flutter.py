"""A flutter meter after AES6 / IEC 60386: a 3150 Hz test tone, FM-demodulated through its analytic
signal, the speed deviation weighted (4 Hz peak) and read as 2 sigma over the measurement."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.signal

from stemglue.analysis.weighting import flutter_weighting_filter

TEST_TONE_HZ = 3150.0
DEVIATION_RATE_HZ = 1000.0  # the demodulated speed is analysed at this rate


@dataclass(frozen=True)
class FlutterReading:
    weighted_percent: float  # 2 sigma of the weighted speed deviation: what a flutter meter shows
    unweighted_rms_percent: float
    cents_sd: float  # standard deviation of the pitch, in cents
    mean_frequency_hz: float


def speed_deviation(tone: np.ndarray, sample_rate: float, tone_hz: float = TEST_TONE_HZ) -> np.ndarray:
    """Relative speed deviation (f / mean f - 1) of a recorded test tone, at DEVIATION_RATE_HZ."""
    tone = np.asarray(tone, dtype=np.float64)
    band = scipy.signal.butter(4, [0.6 * tone_hz, 1.4 * tone_hz], "bandpass", fs=sample_rate, output="sos")
    analytic = scipy.signal.hilbert(scipy.signal.sosfiltfilt(band, tone))
    frequency = np.diff(np.unwrap(np.angle(analytic))) * sample_rate / (2 * np.pi)
    smooth = scipy.signal.butter(4, 200.0, fs=sample_rate, output="sos")
    frequency = scipy.signal.sosfiltfilt(smooth, frequency)
    step = int(round(sample_rate / DEVIATION_RATE_HZ))
    frequency = frequency[::step]
    return frequency / np.mean(frequency) - 1.0


def flutter_meter(
    tone: np.ndarray, sample_rate: float, tone_hz: float = TEST_TONE_HZ, settle_s: float = 2.0
) -> FlutterReading:
    """Read a test tone (mono, at least settle_s + 5 s long) as a weighted flutter meter would."""
    deviation = speed_deviation(tone, sample_rate, tone_hz)
    settle = int(settle_s * DEVIATION_RATE_HZ)
    edge = int(0.1 * DEVIATION_RATE_HZ)  # the demodulator's filters ring at the very end
    weighted = scipy.signal.sosfilt(flutter_weighting_filter(DEVIATION_RATE_HZ), deviation)[settle:-edge]
    deviation = deviation[settle:-edge]
    if len(deviation) < 5 * DEVIATION_RATE_HZ:
        raise ValueError("a flutter reading needs at least 5 s of tone after settling")
    cents = 1200 * np.log2(1 + deviation)
    band = scipy.signal.butter(4, [0.6 * tone_hz, 1.4 * tone_hz], "bandpass", fs=sample_rate, output="sos")
    analytic = scipy.signal.hilbert(scipy.signal.sosfiltfilt(band, np.asarray(tone, dtype=np.float64)))
    mean_hz = float(np.mean(np.diff(np.unwrap(np.angle(analytic)))) * sample_rate / (2 * np.pi))
    return FlutterReading(
        weighted_percent=float(2 * np.std(weighted) * 100),
        unweighted_rms_percent=float(np.std(deviation) * 100),
        cents_sd=float(np.std(cents)),
        mean_frequency_hz=mean_hz,
    )
