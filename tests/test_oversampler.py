"""The halfband oversampler (reference; the C++ twin is held to it by the tube parity tests)."""

import numpy as np
import pytest
import scipy.signal
from stemglue.reference.oversampler import HALFBAND_KAISER_BETA, HALFBAND_TAPS, Oversampler, bessel_i0, design_halfband


def test_bessel_series_matches_numpy():
    for x in (0.0, 1.0, 5.5, 10.06, 18.0):
        assert bessel_i0(x) == pytest.approx(float(np.i0(x)), rel=1e-13)


@pytest.mark.parametrize("num_taps", HALFBAND_TAPS)
def test_halfband_structure(num_taps):
    taps = design_halfband(num_taps, HALFBAND_KAISER_BETA)
    centre = (num_taps - 1) // 2
    assert taps[centre] == 0.5
    offsets = np.arange(num_taps) - centre
    assert np.all(taps[(offsets % 2 == 0) & (offsets != 0)] == 0)
    np.testing.assert_array_equal(taps, taps[::-1])
    assert taps.sum() == pytest.approx(1.0, abs=2e-5)


@pytest.mark.parametrize(
    ("num_taps", "passband", "stopband"), [(95, 0.215, 0.285), (27, 0.125, 0.375), (19, 0.0625, 0.4375)]
)
def test_halfband_response(num_taps, passband, stopband):
    """Each stage guards the band the first stage passes (0.43 fs) with ~90 dB of rejection."""
    taps = design_halfband(num_taps, HALFBAND_KAISER_BETA)
    frequencies, response = scipy.signal.freqz(taps, worN=1 << 14, fs=1.0)
    magnitude_db = 20 * np.log10(np.abs(response) + 1e-300)
    assert np.ptp(magnitude_db[frequencies <= passband]) < 0.001
    assert magnitude_db[frequencies >= stopband].max() < -89


@pytest.mark.parametrize("factor", [2, 4, 8])
def test_round_trip_is_a_pure_delay_in_the_passband(factor):
    oversampler = Oversampler()
    oversampler.reset(factor)
    n = 1 << 14
    bins = np.arange(20, 0.42 * n, 97).astype(int)  # tones up to 0.42 fs
    rng = np.random.default_rng(0)
    signal = sum(np.cos(2 * np.pi * k * np.arange(3 * n) / n + rng.uniform(0, 2 * np.pi)) for k in bins)
    top = oversampler.upsample(signal)
    assert len(top) == factor * len(signal)
    back = oversampler.downsample(top)
    delay_top = oversampler.round_trip_delay_top_rate()
    spectrum_in = np.fft.rfft(signal[n : 2 * n])
    spectrum_out = np.fft.rfft(back[n : 2 * n])
    gain_db = 20 * np.log10(np.abs(spectrum_out[bins]) / np.abs(spectrum_in[bins]))
    assert np.abs(gain_db).max() < 0.001
    phase = np.angle(spectrum_out[bins] / spectrum_in[bins])
    expected = -2 * np.pi * bins / n * delay_top / factor
    assert np.abs(np.angle(np.exp(1j * (phase - expected)))).max() < 1e-3


def test_images_are_rejected_by_the_upsampler():
    oversampler = Oversampler()
    oversampler.reset(2)
    n = 1 << 14
    k = int(0.4 * n)
    signal = np.sin(2 * np.pi * k * np.arange(2 * n) / n)
    top = oversampler.upsample(signal)[2 * n :]
    spectrum = np.abs(np.fft.rfft(top))
    image = spectrum[n - k]  # a tone at bin k of the 2n-point top-rate window images to bin n - k
    assert 20 * np.log10(image / spectrum[k]) < -89
