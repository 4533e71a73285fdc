"""Counter-based randomness, bit-identical to cpp/include/stemglue/random.h.

Every draw is a pure function of (seed, stream, index): SplitMix64's output function applied to
a per-stream key plus (index + 1) times the golden gamma.
"""

from __future__ import annotations

import numpy as np

GOLDEN_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_STREAM_GAMMA = np.uint64(0xD1B54A32D192ED03)
_MIX_1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX_2 = np.uint64(0x94D049BB133111EB)


def mix64(z: np.ndarray) -> np.ndarray:
    """SplitMix64's bijective output mixer on uint64 arrays (arithmetic wraps mod 2^64)."""
    z = np.asarray(z, dtype=np.uint64)
    z = (z ^ (z >> np.uint64(30))) * _MIX_1
    z = (z ^ (z >> np.uint64(27))) * _MIX_2
    return z ^ (z >> np.uint64(31))


def stream_key(seed: int, stream: int) -> int:
    """Starting state of one stream of one seed."""
    seed_array = np.array([seed], dtype=np.uint64)
    stream_array = np.array([stream], dtype=np.uint64)
    return int(mix64(mix64(seed_array + GOLDEN_GAMMA) ^ (stream_array * _STREAM_GAMMA + GOLDEN_GAMMA))[0])


def track_seed(seed: int, track_id: int) -> int:
    """The seed of what one track owns: the session seed and the track id mixed."""
    track = mix64(np.array([track_id], dtype=np.uint64) + GOLDEN_GAMMA)
    return int(mix64(np.array([seed], dtype=np.uint64) ^ track)[0])


def random_u64(key: int, indices: np.ndarray) -> np.ndarray:
    """The 64-bit draws at the given indices of a stream."""
    indices = np.asarray(indices, dtype=np.uint64)
    return mix64(np.uint64(key) + (indices + np.uint64(1)) * GOLDEN_GAMMA)


def random_uniform(key: int, indices: np.ndarray) -> np.ndarray:
    """Uniform doubles in [0, 1) with 53 random bits."""
    return (random_u64(key, indices) >> np.uint64(11)).astype(np.float64) * 2.0**-53


def random_gaussian(key: int, indices: np.ndarray) -> np.ndarray:
    """Standard normal by Box-Muller from draws 2 i and 2 i + 1."""
    indices = np.asarray(indices, dtype=np.uint64)
    u1 = ((random_u64(key, 2 * indices) >> np.uint64(11)).astype(np.float64) + 0.5) * 2.0**-53
    u2 = (random_u64(key, 2 * indices + np.uint64(1)) >> np.uint64(11)).astype(np.float64) * 2.0**-53
    return np.sqrt(-2.0 * np.log(u1)) * np.cos(6.283185307179586 * u2)
