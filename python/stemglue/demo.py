"""A built-in, generated multitrack: the clean, grid-perfect kind of material StemGlue is for.

Five stems at 120 BPM: kick, snare, hi-hat, bass and keys, every hit on the grid at the same
level, no noise floor, no room. Deterministic for a given seed; nothing is downloaded.
"""

from __future__ import annotations

import numpy as np
import scipy.signal

BPM = 120.0


def _envelope(num_samples: int, sample_rate: float, decay_s: float) -> np.ndarray:
    return np.exp(-np.arange(num_samples) / (decay_s * sample_rate))


def _place(track: np.ndarray, sound: np.ndarray, start: int) -> None:
    end = min(len(track), start + len(sound))
    if start < end:
        track[start:end] += sound[: end - start]


def demo_stems(sample_rate: float = 48000.0, seconds: float = 8.0, seed: int = 0) -> dict[str, np.ndarray]:
    """Mono stems (float64, peak about -6 dBFS) by name."""
    rng = np.random.default_rng(seed)
    n = int(round(seconds * sample_rate))
    beat = int(round(60.0 / BPM * sample_rate))
    sixteenth = beat // 4
    t = np.arange(n) / sample_rate
    stems = {name: np.zeros(n) for name in ("kick", "snare", "hihat", "bass", "keys")}

    hit = np.arange(int(0.4 * sample_rate)) / sample_rate
    kick = np.sin(2 * np.pi * (45 * hit + (120 - 45) * 0.04 * (1 - np.exp(-hit / 0.04)))) * _envelope(
        len(hit), sample_rate, 0.12
    )
    noise = rng.standard_normal(int(0.25 * sample_rate))
    snare = (0.6 * noise + np.sin(2 * np.pi * 190 * hit[: len(noise)])) * _envelope(len(noise), sample_rate, 0.06)
    hat_sos = scipy.signal.butter(4, min(7000.0, 0.4 * sample_rate), "highpass", fs=sample_rate, output="sos")
    hat = scipy.signal.sosfilt(hat_sos, rng.standard_normal(int(0.05 * sample_rate))) * _envelope(
        int(0.05 * sample_rate), sample_rate, 0.012
    )
    for start in range(0, n, beat):
        _place(stems["kick"], kick, start)
        if (start // beat) % 2 == 1:
            _place(stems["snare"], snare, start)
    for start in range(0, n, sixteenth):
        _place(stems["hihat"], hat, start)

    bar = 4 * beat
    roots = [55.0, 55.0 * 2 ** (3 / 12), 55.0 * 2 ** (-2 / 12), 55.0 * 2 ** (5 / 12)]
    lowpass = scipy.signal.butter(2, 900, fs=sample_rate, output="sos")
    for index, start in enumerate(range(0, n, bar)):
        root = roots[index % len(roots)]
        length = min(bar, n - start)
        phase = root * t[:length]
        bass = 2 * (phase - np.floor(phase + 0.5))
        stems["bass"][start : start + length] = scipy.signal.sosfilt(lowpass, bass) * _envelope(
            length, sample_rate, 2.0
        )
        chord = sum(np.sin(2 * np.pi * 4 * root * ratio * t[:length]) for ratio in (1.0, 2 ** (4 / 12), 2 ** (7 / 12)))
        stems["keys"][start : start + length] = chord / 3 * np.minimum(1.0, t[:length] / 0.01)

    for name, stem in stems.items():
        stems[name] = stem * (0.5 / max(np.abs(stem).max(), 1e-12))
    return stems


def demo_mix(sample_rate: float = 48000.0, seconds: float = 8.0, seed: int = 0) -> np.ndarray:
    """The stems panned into a stereo mix, (2, samples), peak -3 dBFS."""
    pans = {"kick": 0.0, "snare": 0.1, "hihat": 0.5, "bass": 0.0, "keys": -0.4}
    stems = demo_stems(sample_rate, seconds, seed)
    mix = np.zeros((2, len(next(iter(stems.values())))))
    for name, stem in stems.items():
        angle = (pans[name] + 1) * np.pi / 4
        mix[0] += np.cos(angle) * stem
        mix[1] += np.sin(angle) * stem
    return mix * (10 ** (-3 / 20) / np.abs(mix).max())
