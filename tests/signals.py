"""Test signals. Every signal is float32-representable so native (float32) and reference
(float64) processors see identical input."""

from __future__ import annotations

import numpy as np
from stemglue.demo import demo_mix


def to_dbfs(value: float) -> float:
    return float(20 * np.log10(max(abs(value), 1e-300)))


def max_error_dbfs(a: np.ndarray, b: np.ndarray) -> float:
    assert a.shape == b.shape, (a.shape, b.shape)
    return to_dbfs(np.max(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64)), initial=0.0))


def parity_error_db(native: np.ndarray, reference: np.ndarray) -> float:
    """Max abs error of the float32 core against the float64 reference, in dB relative to full
    scale, or to the reference's peak where that exceeds full scale (a +24 dB trim must not turn
    float32 rounding, ~-144 dB relative, into a failure)."""
    scale = max(1.0, float(np.max(np.abs(reference), initial=0.0)))
    return max_error_dbfs(native, reference) - to_dbfs(scale)


def noise(channels: int, num_samples: int, seed: int = 0, level: float = 0.3) -> np.ndarray:
    return (np.random.default_rng(seed).standard_normal((channels, num_samples)) * level).astype(np.float32)


def sines(
    channels: int, num_samples: int, sample_rate: float, frequency_hz: float = 997.0, amplitude: float = 0.7
) -> np.ndarray:
    t = np.arange(num_samples) / sample_rate
    rows = [amplitude * np.sin(2 * np.pi * frequency_hz * (1 + 0.5 * c) * t) for c in range(channels)]
    return np.array(rows, dtype=np.float32)


def impulses(channels: int, num_samples: int, spacing: int = 1000, amplitude: float = 0.9) -> np.ndarray:
    signal = np.zeros((channels, num_samples), dtype=np.float32)
    signal[:, 100::spacing] = amplitude
    return signal


def music(channels: int, num_samples: int, sample_rate: float) -> np.ndarray:
    mix = demo_mix(sample_rate, num_samples / sample_rate + 0.01)[:, :num_samples]
    return (mix[:channels] * 1.2).astype(np.float32)


def all_signals(channels: int, num_samples: int, sample_rate: float) -> dict[str, np.ndarray]:
    return {
        "noise": noise(channels, num_samples),
        "sines": sines(channels, num_samples, sample_rate),
        "impulses": impulses(channels, num_samples),
        "music": music(channels, num_samples, sample_rate),
    }
