"""Harmonic and aliasing measurements on coherent sines.

A coherent sine has a whole number of periods in the analysis window and a bin index coprime
with the window length, so with a rectangular window every harmonic lands on its own bin and
every alias (a harmonic folded at Nyquist) lands on some other bin: nothing leaks, and the two
separate exactly.
"""

from __future__ import annotations

import math

import numpy as np


def coherent_sine(
    frequency_hz: float, sample_rate: float, num_samples: int, amplitude: float = 1.0, window: int = 1 << 16
) -> tuple[np.ndarray, float]:
    """A sine of about frequency_hz that is exactly periodic in `window` samples; (signal, exact Hz)."""
    bin_index = round(frequency_hz * window / sample_rate)
    while math.gcd(bin_index, window) != 1:
        bin_index += 1
    exact_hz = bin_index * sample_rate / window
    phase = 2.0 * np.pi * bin_index * (np.arange(num_samples) % window) / window
    return amplitude * np.sin(phase), exact_hz


def _power_spectrum(window: np.ndarray) -> np.ndarray:
    return np.abs(np.fft.rfft(np.asarray(window, dtype=np.float64))) ** 2


def _harmonic_bin(fundamental_bin: int, harmonic: int, window: int) -> int | None:
    index = fundamental_bin * harmonic
    return index if index <= window // 2 else None


def harmonic_levels_dbc(
    window: np.ndarray, fundamental_hz: float, sample_rate: float, num_harmonics: int = 5
) -> np.ndarray:
    """Levels of H2..H(num_harmonics) relative to the fundamental (dBc) in one coherent window."""
    power = _power_spectrum(window)
    fundamental_bin = round(fundamental_hz * len(window) / sample_rate)
    levels = []
    for harmonic in range(2, num_harmonics + 1):
        index = _harmonic_bin(fundamental_bin, harmonic, len(window))
        levels.append(np.nan if index is None else 10 * np.log10(max(power[index] / power[fundamental_bin], 1e-30)))
    return np.array(levels)


def alias_snr_db(window: np.ndarray, fundamental_hz: float, sample_rate: float, band_hz: float = 16000.0) -> float:
    """In-band harmonic power over in-band non-harmonic power (aliases, noise), in dB; DC excluded."""
    power = _power_spectrum(window)
    n = len(window)
    fundamental_bin = round(fundamental_hz * n / sample_rate)
    band = np.arange(len(power)) * sample_rate / n < band_hz
    band[0] = False
    harmonic = np.zeros(len(power), dtype=bool)
    for h in range(1, n // (2 * fundamental_bin) + 1):
        harmonic[fundamental_bin * h] = True
    signal = power[band & harmonic].sum()
    residue = power[band & ~harmonic].sum()
    return float(10 * np.log10(signal / max(residue, 1e-300)))


def dc_level_dbfs(window: np.ndarray) -> float:
    """The mean of the window in dBFS."""
    return float(20 * np.log10(max(abs(np.mean(window)), 1e-15)))  # floor: -300 dBFS
