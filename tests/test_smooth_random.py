"""Seekable smooth randomness (reference/smooth_random.py; C++ smooth_random.h, whose output the
Drift and Noise parity tests compare): unit variance everywhere, the slope the modules scale by,
a correlation like the Ornstein-Uhlenbeck wander it replaced, and values that depend on nothing
but the key and the time."""

import numpy as np
import pytest
from stemglue.reference.random import stream_key
from stemglue.reference.smooth_random import SLOPE_RMS, smooth_random

KEYS = [stream_key(seed, 0x77) for seed in range(400)]


def pooled(u: np.ndarray) -> np.ndarray:
    """Values at u for many independent keys: (keys, len(u))."""
    return np.stack([smooth_random(key, u) for key in KEYS])


@pytest.mark.parametrize("phase", [0.0, 0.25, 0.5, 0.75])
def test_the_variance_is_one_between_knots_as_at_them(phase):
    # 400 keys x 50 knots: the variance estimate has a standard error of about 0.01.
    values = pooled(np.arange(50) + 10 + phase)
    assert abs(np.var(values) - 1.0) < 0.04
    assert abs(np.mean(values)) < 0.03


def test_the_slope_has_the_rms_the_modules_scale_by():
    step = 1e-4
    u = np.arange(0, 40, 0.037) + 3.0
    slope = (pooled(u + step) - pooled(u - step)) / (2 * step)
    assert np.sqrt(np.mean(slope**2)) == pytest.approx(SLOPE_RMS, rel=0.03)


def test_one_knot_apart_it_correlates_like_a_wander_of_that_time_constant():
    u = np.arange(0, 200, 0.5) + 5.0
    values = pooled(np.concatenate([u, u + 1.0]))
    correlation = np.mean(values[:, : len(u)] * values[:, len(u) :])
    assert 0.40 < correlation < 0.60  # about 0.5; an Ornstein-Uhlenbeck process: exp(-1) = 0.37


def test_it_is_smooth():
    """C2: the second difference at a fine step shrinks with the step squared, knots included."""
    u = np.linspace(7.0, 9.0, 2001)  # crosses the knot at 8
    for step, limit in ((1e-2, 1e-2), (1e-3, 1e-4)):
        curvature = smooth_random(KEYS[0], u + step) - 2 * smooth_random(KEYS[0], u) + smooth_random(KEYS[0], u - step)
        assert np.max(np.abs(curvature)) < limit


def test_a_value_depends_on_nothing_but_key_and_time():
    u = np.array([0.0, 0.3, 17.9, 1e6 + 0.5])
    together = smooth_random(KEYS[1], u)
    alone = np.array([smooth_random(KEYS[1], x) for x in u])
    np.testing.assert_array_equal(together, alone)
    assert not np.allclose(together, smooth_random(KEYS[2], u))
