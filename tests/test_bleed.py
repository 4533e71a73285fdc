"""Bleed: C++ = reference; an impulse in the sidechain reaches this channel at the geometry's
delay and level, coloured as the pattern's off-axis model says, and the direct path is untouched."""

import numpy as np
import pytest
import scipy.signal
import stemglue
from hypothesis import given
from hypothesis import strategies as st
from signals import drum_stem, keys_stem, music, noise, parity_error_db
from stemglue import reference
from stemglue.reference.bleed import SPEED_OF_SOUND, pattern_gain, shelf_gain, split_coefficient
from strategies import legal_settings

PARITY_DBFS = -100.0
RATE = 48000
IMPULSE_AT = 1000
OCTAVE_CENTRES_HZ = [63, 125, 250, 500, 1000, 2000, 4000, 8000, 16000]
PATTERNS = {"omni": 1.0, "cardioid": 0.5, "supercardioid": 0.37, "hypercardioid": 0.25, "figure-8": 0.0}


def bleed_response(length=16384, sample_rate=RATE, **settings):
    """What this channel (silent itself) picks up of an impulse in the sidechain, latency-compensated."""
    sidechain = np.zeros((1, length), np.float32)
    sidechain[0, IMPULSE_AT] = 1.0
    return stemglue.Bleed(**settings)(np.zeros((1, length), np.float32), sample_rate, sidechain=sidechain)[0]


def peak_position(response, oversampling=16):
    """Where the response peaks, in samples (fractional: the sinc-interpolated peak)."""
    fine = scipy.signal.resample(response.astype(np.float64), len(response) * oversampling)
    return np.argmax(np.abs(fine)) / oversampling


def low_band_db(response, sample_rate=RATE):
    """Level of a response from 50 to 500 Hz, below the off-axis shelf."""
    spectrum = np.abs(np.fft.rfft(response.astype(np.float64)))
    frequencies = np.fft.rfftfreq(len(response), 1 / sample_rate)
    low = (frequencies > 50) & (frequencies < 500)
    return 10 * np.log10(np.mean(spectrum[low] ** 2))


def model_response(
    frequencies_hz, sample_rate=RATE, distance_m=3.0, source_distance_m=0.3, angle_deg=90.0, pattern=0.5
):
    """|H| of the documented model, G (s + (1 - s) a / (1 - (1 - a) z^-1)), without the delay."""
    gain = source_distance_m / distance_m * pattern_gain(pattern, angle_deg)
    shelf = shelf_gain(pattern, angle_deg)
    a = split_coefficient(sample_rate)
    z = np.exp(-2j * np.pi * np.asarray(frequencies_hz) / sample_rate)
    return np.abs(gain * (shelf + (1 - shelf) * a / (1 - (1 - a) * z)))


def octave_band_gains_db(response, model, sample_rate=RATE):
    """Power-averaged gain per octave band of a measured impulse response and of the model."""
    spectrum = np.abs(np.fft.rfft(response.astype(np.float64)))
    frequencies = np.fft.rfftfreq(len(response), 1 / sample_rate)
    expected = model(frequencies)
    measured_db, model_db = [], []
    for centre in OCTAVE_CENTRES_HZ:
        band = (frequencies >= centre / np.sqrt(2)) & (frequencies < centre * np.sqrt(2))
        measured_db.append(10 * np.log10(np.mean(spectrum[band] ** 2)))
        model_db.append(10 * np.log10(np.mean(expected[band] ** 2)))
    return np.array(measured_db), np.array(model_db)


@pytest.mark.parametrize("sample_rate", [44100, 48000, 96000])
@pytest.mark.parametrize(("channels", "sidechain_channels"), [(1, 1), (2, 1), (2, 2), (1, 2)])
def test_native_matches_reference(sample_rate, channels, sidechain_channels):
    settings = {"distance_m": 2.37, "source_distance_m": 0.4, "angle_deg": 120.0, "pattern": 0.37, "level_db": 3.0}
    signal = music(channels, sample_rate // 4, sample_rate)
    sidechain = noise(sidechain_channels, sample_rate // 4, seed=3)
    native = stemglue.Bleed(**settings)(signal, sample_rate, sidechain=sidechain)
    expected = reference.Bleed(**settings)(signal, sample_rate, sidechain=sidechain)
    assert parity_error_db(native, expected) <= PARITY_DBFS


@given(settings=legal_settings(stemglue.Bleed), block_size=st.integers(1, 700))
def test_random_settings_and_blocks_match_reference(settings, block_size):
    signal, sidechain = music(2, 3000, RATE), noise(1, 3000, seed=1)
    native = stemglue.Bleed(**settings)(signal, RATE, block_size=block_size, sidechain=sidechain)
    expected = reference.Bleed(**settings)(signal, RATE, block_size=block_size, sidechain=sidechain)
    assert parity_error_db(native, expected) <= PARITY_DBFS
    assert np.array_equal(native, stemglue.Bleed(**settings)(signal, RATE, block_size=3000, sidechain=sidechain))


def test_moving_settings_glide_alike_in_both():
    """Distance, angle, pattern, level and polarity change while playing: the delay glides (no
    jump in the read) and the reference follows sample by sample."""
    signal, sidechain = music(2, 24000, RATE), noise(2, 24000, seed=2)
    changes = {5: {"bleed_distance_m": 9.0, "bleed_angle_deg": 170.0}, 20: {"bleed_pattern": 0.0, "bleed_invert": 1.0}}

    def render(bleed):
        bleed.prepare(RATE, 1000, 2)
        blocks = []
        for index, start in enumerate(range(0, 24000, 1000)):
            for parameter_id, value in changes.get(index, {}).items():
                bleed.set_parameter(parameter_id, value)
            blocks.append(bleed.process(signal[:, start : start + 1000], sidechain[:, start : start + 1000]))
        return np.concatenate(blocks, axis=1)

    assert parity_error_db(render(stemglue.Bleed()), render(reference.Bleed())) <= PARITY_DBFS


@pytest.mark.parametrize(
    ("distance_m", "source_distance_m", "sample_rate"),
    [(0.35, 0.1, 48000), (3.2, 0.3, 48000), (1.5, 0.05, 44100), (12.0, 0.5, 96000), (0.3, 0.3, 48000)],
)
def test_an_impulse_arrives_at_the_geometrys_delay_and_level(distance_m, source_distance_m, sample_rate):
    """Delay (d - d_source) / 343 m/s within 1 sample; low-band level source distance / distance
    (inverse distance) times the pattern within 0.5 dB, on axis and off."""
    for angle_deg, pattern in [(0.0, 1.0), (60.0, 0.5), (120.0, 0.25)]:
        settings = {"distance_m": distance_m, "source_distance_m": source_distance_m, "angle_deg": angle_deg}
        response = bleed_response(sample_rate=sample_rate, pattern=pattern, **settings)
        delay = (distance_m - source_distance_m) / SPEED_OF_SOUND * sample_rate
        assert abs(peak_position(response) - (IMPULSE_AT + delay)) <= 1.0
        level_db = low_band_db(response, sample_rate)
        expected_db = 20 * np.log10(source_distance_m / distance_m * abs(pattern_gain(pattern, angle_deg)))
        assert level_db == pytest.approx(expected_db, abs=0.5)


def test_first_order_patterns_have_their_textbook_values():
    """Cardioid -6 dB at 90 degrees with a rear null; figure-8 silent at 90 degrees and inverted
    behind; hypercardioid's rear lobe -6 dB and inverted; supercardioid's rear lobe about -11.7 dB."""
    on_axis_db = low_band_db(bleed_response(pattern=1.0, angle_deg=0.0))
    assert low_band_db(bleed_response(pattern=0.5, angle_deg=90.0)) - on_axis_db == pytest.approx(-6.02, abs=0.1)
    assert np.max(np.abs(bleed_response(pattern=0.5, angle_deg=180.0))) < 1e-6
    assert np.max(np.abs(bleed_response(pattern=0.0, angle_deg=90.0))) < 1e-6
    rear_figure_8 = bleed_response(pattern=0.0, angle_deg=180.0)
    assert rear_figure_8[np.argmax(np.abs(rear_figure_8))] < 0  # the rear lobe inverts
    rear_hyper = bleed_response(pattern=0.25, angle_deg=180.0, length=4096)
    assert rear_hyper[np.argmax(np.abs(rear_hyper))] < 0
    assert 20 * np.log10(abs(pattern_gain(0.25, 180.0))) == pytest.approx(-6.0, abs=0.1)
    assert 20 * np.log10(abs(pattern_gain(0.37, 180.0))) == pytest.approx(-11.7, abs=0.3)


@pytest.mark.parametrize("pattern_name", list(PATTERNS))
@pytest.mark.parametrize("angle_deg", [0.0, 45.0, 100.0, 150.0])
def test_off_axis_colouration_matches_the_model_per_octave(pattern_name, angle_deg):
    pattern = PATTERNS[pattern_name]
    if abs(pattern_gain(pattern, angle_deg)) < 0.05:
        pytest.skip("in the pattern's null")
    settings = {"distance_m": 2.0, "source_distance_m": 0.3, "angle_deg": angle_deg, "pattern": pattern}
    measured_db, model_db = octave_band_gains_db(bleed_response(**settings), lambda f: model_response(f, **settings))
    assert np.max(np.abs(measured_db - model_db)) <= 1.0


def test_the_highs_fall_further_the_further_off_axis():
    """The off-axis loss of highs (8 kHz against 250 Hz) grows with the angle, for every pattern."""
    for pattern in PATTERNS.values():
        tilts = []
        for angle_deg in [0.0, 45.0, 90.0, 135.0, 170.0]:
            measured_db, _ = octave_band_gains_db(
                bleed_response(pattern=pattern, angle_deg=angle_deg), lambda f: np.ones_like(f)
            )
            tilts.append(measured_db[OCTAVE_CENTRES_HZ.index(8000)] - measured_db[OCTAVE_CENTRES_HZ.index(250)])
        assert tilts[0] == pytest.approx(0.0, abs=0.2)
        assert np.all(np.diff(tilts) < 0), tilts


def test_the_direct_path_is_untouched():
    """Subtracting the bleed (the same settings with a silent channel) recovers the input exactly."""
    stem, other = drum_stem(2.0)[0], keys_stem(2.0)[0]
    settings = {"distance_m": 1.2, "angle_deg": 70.0, "pattern": 0.5}
    mixed = stemglue.Bleed(**settings)(stem, RATE, sidechain=other)
    bleed_alone = stemglue.Bleed(**settings)(np.zeros_like(stem), RATE, sidechain=other)
    assert np.max(np.abs(mixed - bleed_alone - stem)) < 1e-6
    assert np.max(np.abs(bleed_alone)) > 0.01  # there was bleed to subtract
    assert np.array_equal(stemglue.Bleed(**settings)(stem, RATE), stem)  # no sidechain: nothing added


def test_level_trim_and_polarity_override_the_pair():
    plain = bleed_response(distance_m=2.0)
    assert np.allclose(bleed_response(distance_m=2.0, level_db=-12.0), plain * 10 ** (-12 / 20), atol=1e-7)
    assert np.allclose(bleed_response(distance_m=2.0, invert=1.0), -plain, atol=1e-7)


def test_latency_is_the_interpolators_half_length_and_the_direct_path_is_delayed_by_it():
    bleed = stemglue.Bleed()
    impulse = np.zeros((1, 200), np.float32)
    impulse[0, 0] = 1.0
    raw = bleed(impulse, RATE, reset=True)  # compensated
    assert bleed.latency_samples == 12
    assert np.argmax(np.abs(raw[0])) == 0
    bleed.reset()
    assert np.argmax(np.abs(bleed.process(impulse)[0])) == 12


def test_hostile_sidechain_never_reaches_the_state():
    other = noise(2, 4800, seed=4)
    other[0, 100:200] = np.nan
    other[1, 300] = np.inf
    other[1, 400] = 1e30
    stem = music(2, 4800, RATE)
    out = stemglue.Bleed(distance_m=0.5)(stem, RATE, sidechain=other)
    assert np.all(np.isfinite(out))
    clean = np.where(np.isfinite(other), np.clip(other, -1e5, 1e5), 0.0)
    assert np.array_equal(out, stemglue.Bleed(distance_m=0.5)(stem, RATE, sidechain=clean))


def test_a_sidechain_of_another_length_is_refused():
    with pytest.raises(ValueError, match="sidechain"):
        stemglue.Bleed()(np.zeros((1, 100), np.float32), RATE, sidechain=np.zeros((1, 99), np.float32))
