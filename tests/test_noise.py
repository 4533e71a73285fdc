"""Noise: C++ = reference (same seed, same samples), and the floor measures as set."""

import numpy as np
import pytest
import scipy.signal
import stemglue
from signals import all_signals, max_error_dbfs, parity_error_db, sines
from stemglue import reference
from stemglue.analysis import a_weighted_rms_dbfs
from stemglue.reference.noise import HUM_RECIPE_DB

PARITY_DBFS = -100.0
OFF = {"hiss_db": -120.0, "hum_db": -120.0, "room_db": -120.0, "modulation_db": -120.0}


def floor(seconds, sample_rate=48000, channels=1, **settings):
    silence = np.zeros((channels, int(seconds * sample_rate)), np.float32)
    return stemglue.Noise(**{**OFF, **settings})(silence, sample_rate)


@pytest.mark.parametrize("sample_rate", [44100, 48000, 96000])
@pytest.mark.parametrize("channels", [1, 2])
def test_native_matches_reference_with_the_same_seed(sample_rate, channels):
    settings = {
        "hiss_db": -50.0,
        "hum_db": -55.0,
        "buzz_percent": 60.0,
        "room_db": -50.0,
        "room_delay_ms": 7.3,
        "modulation_db": -40.0,
        "seed": 3,
    }
    for name, signal in all_signals(channels, sample_rate // 4, sample_rate).items():
        native = stemglue.Noise(**settings)(signal, sample_rate)
        expected = reference.Noise(**settings)(signal, sample_rate, block_size=333)
        assert parity_error_db(native, expected) <= PARITY_DBFS, name
        floor_only = native - signal
        assert max_error_dbfs(floor_only, expected - signal) - max_error_dbfs(floor_only, 0 * floor_only) < -100, name


def test_switching_components_mid_stream_matches_reference():
    signal = sines(2, 24000, 48000, 440.0, 0.3)
    outputs = []
    for noise in (stemglue.Noise(**{**OFF, "hiss_db": -60.0}), reference.Noise(**{**OFF, "hiss_db": -60.0})):
        noise.prepare(48000, 300, 2)
        blocks = []
        for index, start in enumerate(range(0, signal.shape[1], 300)):
            if index == 10:
                noise.set_parameter("noise_room_db", -55.0)
                noise.set_parameter("noise_hiss_color", 1.0)
            if index == 20:
                noise.set_parameter("noise_room_delay_ms", 12.5)  # heard later from here on
            if index == 30:
                noise.set_parameter("noise_hiss_db", -120.0)  # off: its filter stops
            if index == 50:
                noise.set_parameter("noise_hiss_db", -70.0)
            if index in (40, 65):  # the hum on after 40 blocks off (its wanders kept up), and off again
                noise.set_parameter("noise_hum_db", -60.0 if index == 40 else -120.0)
            if index in (15, 45, 55):  # the modulation on, off (its envelope holds), on again
                noise.set_parameter("noise_modulation_db", -120.0 if index == 45 else -45.0)
            blocks.append(noise.process(signal[:, start : start + 300]))
        outputs.append(np.concatenate(blocks, axis=1))
    assert parity_error_db(*outputs) <= PARITY_DBFS


def test_every_component_off_passes_the_input_untouched():
    signal = sines(2, 24000, 48000, 440.0, 0.3)
    assert np.array_equal(stemglue.Noise(**OFF)(signal, 48000), signal)
    assert np.array_equal(reference.Noise(**OFF)(signal, 48000), signal)


@pytest.mark.parametrize("sample_rate", [44100, 48000, 96000])
@pytest.mark.parametrize("color", [0.0, 0.5, 1.0])
def test_hiss_a_weighted_level_is_the_setting(sample_rate, color):
    output = floor(10, sample_rate, hiss_db=-70.0, hiss_color=color)[0]
    assert a_weighted_rms_dbfs(output, sample_rate) == pytest.approx(-70.0, abs=1.0)


@pytest.mark.parametrize("level_db", [-96.0, -70.0, -45.0])
def test_room_tone_a_weighted_level_is_the_setting(level_db):
    output = floor(30, room_db=level_db)[0]
    assert a_weighted_rms_dbfs(output, 48000) == pytest.approx(level_db, abs=1.0)


@pytest.mark.parametrize("delay_ms", [0.5, 9.0, 100.0])
def test_room_tone_is_one_source_heard_later_by_a_further_microphone(delay_ms):
    """Two microphones with one seed hear one room tone: the further one the same noise, delay_ms
    later (its 2-s level wander is not delayed: correlation above 0.999, not 1)."""
    near, far = floor(4, room_db=-60.0)[0], floor(4, room_db=-60.0, room_delay_ms=delay_ms)[0]
    lag = round(delay_ms * 48000 / 1000)
    settled = slice(48000, None)  # after both filters' start from rest
    shifted = np.roll(near, lag)[settled]
    assert np.corrcoef(shifted, far[settled])[0, 1] > 0.999
    spectrum = np.fft.rfft(far[settled]) * np.conj(np.fft.rfft(near[settled]))
    assert np.argmax(np.fft.irfft(spectrum / (np.abs(spectrum) + 1e-20))) == lag  # GCC-PHAT
    other = floor(4, room_db=-60.0, room_delay_ms=delay_ms, seed=2)[0]
    # another session, another room (60-Hz rumble over 3 s: about 360 degrees of freedom, SD 0.05)
    assert abs(np.corrcoef(shifted, other[settled])[0, 1]) < 0.2


def test_master_floor_trims_everything():
    quiet = floor(5, hiss_db=-70.0, room_db=-70.0, floor_db=-12.0)[0]
    assert a_weighted_rms_dbfs(quiet, 48000) == pytest.approx(-70.0 + 10 * np.log10(2) - 12.0, abs=1.0)


def test_pink_slope_is_minus_10_db_per_decade():
    output = floor(30, hiss_db=-60.0, hiss_color=1.0)[0]
    frequencies, psd = scipy.signal.welch(output, 48000, nperseg=1 << 15)
    band = (frequencies >= 20) & (frequencies <= 500)
    slope = np.polyfit(np.log10(frequencies[band]), 10 * np.log10(psd[band]), 1)[0]
    assert slope == pytest.approx(-10.0, abs=1.0)
    white = floor(30, hiss_db=-60.0, hiss_color=0.0)[0]
    frequencies, psd = scipy.signal.welch(white, 48000, nperseg=1 << 15)
    assert np.polyfit(np.log10(frequencies[band]), 10 * np.log10(psd[band]), 1)[0] == pytest.approx(0.0, abs=1.0)


def line_levels_db(output, sample_rate, frequencies, width_hz=1.0):
    spectrum = np.abs(np.fft.rfft(output * np.hanning(len(output)))) ** 2
    bins = np.fft.rfftfreq(len(output), 1 / sample_rate)
    return np.array([10 * np.log10(spectrum[np.abs(bins - f) <= width_hz].sum()) for f in frequencies])


@pytest.mark.parametrize("mains_hz", [50.0, 60.0])
def test_hum_lines_sit_at_mains_harmonics_with_the_recipe_levels(mains_hz):
    output = floor(20, hum_db=-60.0, hum_hz=mains_hz, buzz_percent=0.0)[0]
    spectrum = np.abs(np.fft.rfft(output * np.hanning(len(output))))
    bins = np.fft.rfftfreq(len(output), 1 / 48000)
    near = np.abs(bins - mains_hz) < 5
    assert abs(bins[near][np.argmax(spectrum[near])] - mains_hz) <= 0.5
    levels = line_levels_db(output, 48000, [k * mains_hz for k in range(1, 8)])
    np.testing.assert_allclose(levels - levels[0], HUM_RECIPE_DB, atol=1.0)
    rms_of_fundamental = np.sqrt(2 * np.mean(output**2) / sum(10 ** (db / 10) for db in HUM_RECIPE_DB) / 2)
    assert 20 * np.log10(rms_of_fundamental) == pytest.approx(-60.0, abs=1.0)


def test_buzz_adds_lines_at_twice_the_mains():
    lines = [100.0, 1000.0, 150.0, 250.0]
    plain = line_levels_db(floor(10, hum_db=-60.0, buzz_percent=0.0)[0], 48000, lines)
    buzzing = line_levels_db(floor(10, hum_db=-60.0, buzz_percent=100.0)[0], 48000, lines)
    assert buzzing[0] > plain[0] + 3 and buzzing[1] > plain[1] + 20
    np.testing.assert_allclose(buzzing[2:], plain[2:], atol=1.0)  # odd mains harmonics are the hum's alone


def test_modulation_noise_follows_the_signal():
    burst = sines(1, 48000, 48000, 1000.0, 0.5)
    signal = np.concatenate([np.zeros((1, 24000), np.float32), burst, np.zeros((1, 48000), np.float32)], axis=1)
    noise_only = stemglue.Noise(**{**OFF, "modulation_db": -50.0})(signal, 48000)[0] - signal[0]

    def level(start_s, end_s):
        return 20 * np.log10(np.std(noise_only[int(start_s * 48000) : int(end_s * 48000)]) + 1e-30)

    before, during, after = level(0.1, 0.45), level(0.7, 1.4), level(2.0, 2.45)
    # The envelope (2 ms attack, 40 ms release) rides the peaks, so the noise sits the set
    # distance below the signal's peak.
    assert during == pytest.approx(20 * np.log10(0.5) - 50.0, abs=0.5)
    assert during > before + 60 and during > after + 60  # it rises with the signal and falls back


def test_floor_never_repeats():
    output = floor(60, hiss_db=-60.0, hiss_color=0.0)[0].astype(np.float64)
    n = len(output)
    spectrum = np.fft.rfft(output - output.mean(), 2 * n)
    correlation = np.fft.irfft(np.abs(spectrum) ** 2)[:n]
    correlation /= correlation[0]
    beyond_10_ms = np.abs(correlation[480 : n // 2])
    # Independent noise: r(k) ~ N(0, 1/n); the largest of ~1.4 million lags stays below ~5.4/sqrt(n).
    assert beyond_10_ms.max() < 6.5 / np.sqrt(n)


def test_the_same_seed_gives_the_same_floor_and_another_seed_another():
    settings = {"hiss_db": -60.0, "room_db": -60.0, "hum_db": -70.0}
    first = floor(2, seed=11, **settings)
    assert np.array_equal(first, floor(2, seed=11, **settings))
    other = floor(2, seed=12, **settings)
    assert abs(np.corrcoef(first[0], other[0])[0, 1]) < 0.2  # the noise differs (the hum line is shared)
    steady = {"hiss_db": -60.0}  # room tone wanders by design, so compare the steady hiss's level
    assert a_weighted_rms_dbfs(floor(2, seed=12, **steady)[0], 48000) == pytest.approx(
        a_weighted_rms_dbfs(floor(2, seed=11, **steady)[0], 48000), abs=0.3
    )


def test_block_size_and_channels_do_not_change_the_floor():
    settings = {"hiss_db": -60.0, "room_db": -60.0, "hum_db": -70.0, "modulation_db": -50.0}
    signal = sines(2, 9000, 48000, 300.0, 0.4)
    whole = stemglue.Noise(**settings)(signal, 48000, block_size=9000)
    for block in (1, 7, 512):
        assert np.array_equal(stemglue.Noise(**settings)(signal, 48000, block_size=block), whole)
    assert max_error_dbfs(whole[0] - signal[0], whole[1] - signal[1]) > -80  # channels have their own hiss


@pytest.mark.parametrize("sample_rate", [8000, 192000])
def test_hostile_input_and_extreme_settings(sample_rate):
    loud = {
        keyword: spec.max
        for keyword, spec in stemglue.Noise.parameter_keywords().items()
        if keyword not in ("seed", "hum_hz")
    }
    signal = sines(2, sample_rate // 2, sample_rate, 100.0, 0.5)
    signal[:, 50:60] = np.inf
    output = stemglue.Noise(**loud)(signal, sample_rate)
    assert np.all(np.isfinite(output)) and np.abs(output).max() < 10
