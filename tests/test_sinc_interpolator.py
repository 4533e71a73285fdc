"""The fractional-delay read every fractional delay in the chain shares (Drift, Bleed): exact in
phase and flat in level far below what either needs. The C++ read is proven by their parity tests."""

import numpy as np
from stemglue.reference import sinc_interpolator


def test_phase_and_level_errors_are_far_below_the_smallest_depth():
    """0.02 % wow at 1 Hz swings Drift's delay by ~32 us; the read must be exact to far less."""
    kernel = sinc_interpolator.interpolation_kernel()
    offsets = np.arange(sinc_interpolator.TAPS) - (sinc_interpolator.HALF - 1)
    for frequency in (100.0, 1000.0, 3150.0, 10000.0, 16000.0):
        w = 2 * np.pi * frequency / 48000
        for mu in np.linspace(0, 1, 1025)[:-1]:
            row = mu * sinc_interpolator.PHASES
            low = min(int(row), sinc_interpolator.PHASES - 1)
            taps = kernel[low] + (kernel[low + 1] - kernel[low]) * (row - low)
            response = np.sum(taps * np.exp(1j * w * offsets))
            assert abs(np.angle(response) / w - mu) < 1e-3  # samples: < 21 ns, 1/1500 of 32 us
            assert abs(20 * np.log10(abs(response))) < 0.01


def test_whole_sample_delays_read_the_samples_themselves():
    history = np.random.default_rng(1).standard_normal(200)
    now = np.arange(100, 150)
    for delay in (12.0, 13.0, 40.0):
        assert np.array_equal(sinc_interpolator.read(history, now, np.full(50, delay)), history[now - int(delay)])


def test_a_fractional_read_of_a_sine_is_the_sine_at_that_time():
    t = np.arange(400)
    history = np.sin(2 * np.pi * 0.05 * t)
    delays = np.linspace(12.0, 30.0, 100)
    now = np.arange(200, 300)
    expected = np.sin(2 * np.pi * 0.05 * (now - delays))
    assert np.max(np.abs(sinc_interpolator.read(history, now, delays) - expected)) < 1e-4
