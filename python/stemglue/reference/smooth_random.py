"""Seekable smooth randomness, the reference for cpp/include/stemglue/smooth_random.h.

Unit-normal values at integer knots, keyed by (stream key, knot index), joined by a uniform cubic
B-spline and scaled to unit variance at every point. The value at any time u (in knot spacings) is
a pure function of the key and u: seekable, block-size independent, smooth (C2).
"""

from __future__ import annotations

import numpy as np

from stemglue.reference.random import random_gaussian

CONTROL_INTERVAL = 32  # samples of the timeline between control ticks
# What moves over seconds (Noise's levels and mains wander; Drift's tone and the wanders of its
# transport) is evaluated every WANDER_TICK_SAMPLES (5.3 ms at 48 kHz) and linear in between.
WANDER_TICK_SAMPLES = 8 * CONTROL_INTERVAL
SLOPE_RMS = 1.179026  # RMS of d/du over a knot interval (tests/test_smooth_random.py measures it)


def smooth_random(key: int, u: np.ndarray | float) -> np.ndarray:
    """The values at u >= 0 knot spacings; NaN or negative u reads 0."""
    shape = np.shape(u)
    u = np.atleast_1d(np.asarray(u, dtype=np.float64))  # arrays: uint64 arithmetic wraps silently
    u = np.where(u > 0.0, u, 0.0)  # NaN or negative reads 0
    whole = np.floor(u)
    t = u - whole
    knot = whole.astype(np.uint64)
    knots = [random_gaussian(key, knot + np.uint64(m)) for m in range(4)]
    s, t2 = 1.0 - t, t * t
    t3 = t2 * t
    weights = (
        s * s * s / 6.0,
        (3.0 * t3 - 6.0 * t2 + 4.0) / 6.0,
        (-3.0 * t3 + 3.0 * t2 + 3.0 * t + 1.0) / 6.0,
        t3 / 6.0,
    )
    value = weights[0] * knots[0] + weights[1] * knots[1] + weights[2] * knots[2] + weights[3] * knots[3]
    return (value / np.sqrt(sum(w * w for w in weights))).reshape(shape)
