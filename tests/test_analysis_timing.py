"""Timing analysis against signals whose truth is known: clicks rendered at known fractional
positions and gains are located and levelled far inside the tolerances the Humanize tests will
use, the offset statistics read what was put in, and the onset F-measure counts hits one to one."""

import numpy as np
import pytest
from signals import (
    bass_stem,
    click_grid,
    click_length_samples,
    click_template,
    click_track,
    drum_stem,
    keys_stem,
    vocal_stem,
    with_hiss,
)
from stemglue.analysis import hit_peak_levels_db, locate_onsets, onset_f_measure, timing_statistics

RATE = 48000
NUM_HITS = 1024  # sixteenths at 120 bpm: 128 s of clicks


def offset_series_ms(sd_ms: float, lag1: float, num: int, seed: int) -> np.ndarray:
    """AR(1) offsets (white for lag1 = 0) scaled to exactly sd_ms, so a test reads the analysis
    error rather than how far one draw's SD strays from the design."""
    innovations = np.random.default_rng(seed).standard_normal(num)
    series = np.empty(num)
    series[0] = innovations[0]
    for index in range(1, num):
        series[index] = lag1 * series[index - 1] + np.sqrt(1 - lag1**2) * innovations[index]
    return (series - series.mean()) / np.std(series, ddof=1) * sd_ms


def displaced_clicks(offsets_ms: np.ndarray, gains_db: np.ndarray, channels: int = 2, hiss_dbfs: float | None = None):
    """Clicks moved off a sixteenth grid by offsets_ms and scaled by gains_db: (audio, grid, true positions)."""
    _, grid = click_grid(num_hits=len(offsets_ms), sample_rate=RATE)
    true_samples = grid + offsets_ms * RATE / 1000
    audio = click_track(true_samples, int(grid[-1]) + 2 * click_length_samples(RATE), RATE, gains_db, channels)
    if hiss_dbfs is not None:
        audio = with_hiss(audio, hiss_dbfs, seed=7)
    return audio, grid, true_samples


@pytest.mark.parametrize("sd_ms", [2.0, 10.0])
@pytest.mark.parametrize("lag1", [0.0, 0.7])
def test_displaced_clicks_are_located(sd_ms, lag1):
    offsets_ms = offset_series_ms(sd_ms, lag1, NUM_HITS, seed=int(sd_ms * 10 + lag1 * 100))
    gains_db = np.random.default_rng(1).uniform(-6.0, 0.0, NUM_HITS)  # the fit must not care about gain
    audio, grid, true_samples = displaced_clicks(offsets_ms, gains_db)
    if sd_ms == 10.0 and lag1 == 0.0:  # this case is the one where decays overlap the next hit
        assert np.min(np.diff(true_samples)) < click_length_samples(RATE) * 0.85

    located = locate_onsets(audio, RATE, click_template(RATE), grid)

    measured_ms = (located - grid) / RATE * 1000
    assert np.max(np.abs(measured_ms - offsets_ms)) < 0.05
    measured, truth = timing_statistics(measured_ms), timing_statistics(offsets_ms)
    assert abs(measured.sd_ms - sd_ms) <= 0.3
    assert abs(measured.sd_ms - truth.sd_ms) <= 0.3
    assert abs(measured.lag1 - truth.lag1) <= 0.05
    assert abs(measured.lag1 - lag1) <= 0.05 + 4 / np.sqrt(NUM_HITS)  # plus the sampling spread of one draw
    assert abs(measured.mean_ms - truth.mean_ms) <= 0.01


def test_location_is_sub_sample_accurate_under_hiss_and_in_mono():
    offsets_ms = offset_series_ms(3.0, 0.0, 256, seed=3)
    audio, grid, true_samples = displaced_clicks(offsets_ms, np.zeros(256), channels=1, hiss_dbfs=-60.0)
    located = locate_onsets(audio[0], RATE, click_template(RATE), grid, search_ms=20.0)
    assert np.max(np.abs(located - true_samples)) < 0.1  # samples: 2 us


def test_per_hit_gains_are_recovered():
    num_hits = 512
    gains_db = np.random.default_rng(5).uniform(-12.0, 0.0, num_hits)
    audio, grid, _ = displaced_clicks(offset_series_ms(2.0, 0.0, num_hits, seed=4), gains_db)
    template = click_template(RATE)
    window_samples = int(0.02 * RATE)

    located = locate_onsets(audio, RATE, template, grid)
    levels_db = hit_peak_levels_db(audio, located, window_samples)
    template_level_db = hit_peak_levels_db(template, [0.0], window_samples)[0]

    assert np.max(np.abs(levels_db - template_level_db - gains_db)) < 0.05


def test_peak_level_reads_between_samples():
    """A sample peak of the 2.4 kHz click under-reads by up to 0.11 dB at unlucky fractional
    positions; the oversampled peak does not."""
    fractions = np.linspace(0.0, 1.0, 16, endpoint=False)
    positions = 6000.0 * np.arange(1, 17) + fractions  # apart: no hit reaches the next
    audio = click_track(positions, 17 * 6000, RATE)
    assert np.ptp(hit_peak_levels_db(audio, positions, 1000, oversample=1)) > 0.05
    levels_db = hit_peak_levels_db(audio, positions, 1000)
    assert np.ptp(levels_db) < 0.005
    assert abs(np.max(levels_db) - 20 * np.log10(0.5)) < 0.01  # the click's envelope peaks at 0.5


def one_over_f_series(num: int, seed: int) -> np.ndarray:
    """White Gaussian noise shaped in the frequency domain to power ~ 1/f."""
    spectrum = np.fft.rfft(np.random.default_rng(seed).standard_normal(num))
    frequency = np.fft.rfftfreq(num)
    frequency[0] = frequency[1]
    return np.fft.irfft(spectrum / np.sqrt(frequency), num)


@pytest.mark.parametrize("seed", range(5))
def test_spectral_slope_of_white_and_one_over_f_series(seed):
    white = np.random.default_rng(seed).standard_normal(4096)
    assert abs(timing_statistics(white).slope) <= 0.15
    assert abs(timing_statistics(one_over_f_series(4096, seed)).slope + 1.0) <= 0.2


def test_statistics_definitions():
    values = np.array([1.0, 3.0, 2.0, 5.0, 4.0, 6.0])
    statistics = timing_statistics(values)
    assert statistics.mean_ms == pytest.approx(3.5)
    assert statistics.sd_ms == pytest.approx(np.std(values, ddof=1))
    assert statistics.lag1 == pytest.approx(np.corrcoef(values[:-1], values[1:])[0, 1])
    assert np.isnan(statistics.slope)  # fewer than 64 values
    assert not np.isnan(timing_statistics(np.random.default_rng(0).standard_normal(64)).slope)
    bypassed = timing_statistics(np.zeros(128))  # Humanize off: no error, nothing to correlate
    assert bypassed.sd_ms == 0.0 and np.isnan(bypassed.lag1) and np.isnan(bypassed.slope)


def test_f_measure_perfect_shifted_and_missing():
    truth = np.arange(1, 101) * 6000
    tolerance = 0.05 * RATE  # +-50 ms, the MIREX window
    assert onset_f_measure(truth, truth, tolerance) == (1.0, 1.0, 1.0)
    assert onset_f_measure(truth + 0.04 * RATE, truth, tolerance) == (1.0, 1.0, 1.0)
    assert onset_f_measure(truth + 0.06 * RATE, truth, tolerance) == (0.0, 0.0, 0.0)

    precision, recall, f_measure = onset_f_measure(truth[::4], truth, tolerance)  # three in four missed
    assert (precision, recall) == (1.0, 0.25)
    assert f_measure == pytest.approx(2 * 0.25 / 1.25)

    extra = np.sort(np.concatenate([truth, truth[:50] + 100, [3000.0]]))  # double detections, one false alarm
    precision, recall, _ = onset_f_measure(extra, truth, tolerance)
    assert (precision, recall) == (100 / 151, 1.0)


def test_f_measure_matches_one_to_one():
    # One detection between two close true onsets serves only one of them, and the closest
    # pairing wins: the detection at 1010 goes to the onset at 1000, leaving 1030 unmatched.
    assert onset_f_measure([1010.0], [1000.0, 1030.0], 50.0)[:2] == (1.0, 0.5)
    assert onset_f_measure([1010.0, 1025.0], [1000.0, 1030.0], 50.0)[:2] == (1.0, 1.0)
    assert onset_f_measure([], [1000.0], 50.0) == (0.0, 0.0, 0.0)


@pytest.mark.parametrize("stem", [drum_stem, bass_stem, keys_stem, vocal_stem])
def test_stem_generators_keep_their_contract(stem):
    audio, onsets = stem(4.0, RATE, seed=2)
    assert audio.dtype == np.float32 and audio.shape == (2, 4 * RATE)
    assert onsets.dtype.kind == "i" and len(onsets) >= 4
    assert np.all(np.diff(onsets) >= 0.08 * RATE) and onsets[0] >= 0 and onsets[-1] < audio.shape[1]
    assert np.max(np.abs(audio)) == pytest.approx(0.5, abs=0.01)  # -6 dBFS
    again, same_onsets = stem(4.0, RATE, seed=2)
    assert np.array_equal(audio, again) and np.array_equal(onsets, same_onsets)
    assert not np.array_equal(stem(4.0, RATE, seed=3)[0], audio)
