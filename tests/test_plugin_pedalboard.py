"""The built StemGlue.vst3 inside pedalboard (a JUCE host that compensates latency)."""

import gc

import numpy as np
import pytest
import stemglue
from plugin_hosts import (
    PROGRAM_PARAMETER,
    SAMPLE_RATE,
    load_in_pedalboard,
    plain_values_from_pedalboard,
    set_in_pedalboard,
    track_id_of,
)
from signals import max_error_dbfs, music, noise

PARITY_DBFS = -100.0
PEDALBOARD_TEMPO_BPM = 120.0


@pytest.fixture(scope="module")
def signal():
    return music(2, SAMPLE_RATE, SAMPLE_RATE)


def test_parameters_are_the_table(signal):
    plugin = load_in_pedalboard()
    names = [parameter.name for parameter in plugin.parameters.values()]
    assert names == [spec.name for spec in stemglue.parameters()] + [PROGRAM_PARAMETER]
    values = plain_values_from_pedalboard(plugin)
    assert values.pop("track_id") == int(values_track_id := track_id_of(plugin)) and 0 <= values_track_id <= 999999
    assert values == pytest.approx({spec.id: spec.default for spec in stemglue.parameters() if spec.id != "track_id"})
    assert "tube_drive_db" in plugin.parameters


def test_default_output_equals_stemglue(signal):
    plugin = load_in_pedalboard()
    expected = stemglue.StemGlue(track_id=track_id_of(plugin))(signal, SAMPLE_RATE)  # each instance draws its own
    assert max_error_dbfs(plugin(signal, SAMPLE_RATE), expected) <= PARITY_DBFS


@pytest.mark.parametrize(
    "settings",
    [
        {"tube_drive_db": 24.0, "tube_bias": 0.8, "tube_tone_db": -4.0},
        {"tube_oversampling": 8.0, "mix_percent": 60.0, "output_gain_db": -6.0},
        {"tube_oversampling": 1.0, "tube_adaa": 0.0, "tube_bloom_percent": 100.0},
        {"humanize_enabled": 1.0, "humanize_timing_ms": 12.0, "humanize_dynamics_db": 2.0, "humanize_feel_ms": 4.0},
    ],
)
def test_parameters_set_through_the_host_change_output_as_stemglue_predicts(signal, settings):
    plugin = load_in_pedalboard()
    for parameter_id, plain in settings.items():
        set_in_pedalboard(plugin, parameter_id, plain)
    plain = plain_values_from_pedalboard(plugin)
    output = plugin(signal, SAMPLE_RATE)
    # pedalboard's host reports JUCE's default tempo, 120 bpm, which Humanize follows (its own is 0)
    expected = stemglue.StemGlue(**plain | {"humanize_tempo_bpm": PEDALBOARD_TEMPO_BPM})(signal, SAMPLE_RATE)
    assert max_error_dbfs(output, expected) <= PARITY_DBFS
    assert max_error_dbfs(output, stemglue.StemGlue()(signal, SAMPLE_RATE)) > -60  # and it did change


def test_attribute_access_uses_plain_units(signal):
    plugin = load_in_pedalboard()
    plugin.tube_drive_db = 18.0
    assert plain_values_from_pedalboard(plugin)["tube_drive_db"] == pytest.approx(18.0, abs=0.05)


@pytest.fixture(scope="module")
def shared_plugin():
    return load_in_pedalboard()


def python_name(plugin, spec) -> str:
    return next(key for key, parameter in plugin.parameters.items() if parameter.name == spec.name)


@pytest.mark.parametrize(
    "spec", [spec for spec in stemglue.parameters() if spec.kind == "continuous"], ids=lambda spec: spec.id
)
def test_every_continuous_parameter_is_set_by_number(shared_plugin, spec):
    # pedalboard types a parameter by parsing its value texts; units it cannot strip ("s", "m")
    # once made drift_time_s, room_size_m and room_rt60_s lists of strings.
    plugin = shared_plugin
    name = python_name(plugin, spec)
    assert plugin.parameters[name].type is float
    for fraction in (0.1, 0.5, 0.9):
        plain = round(spec.min + fraction * (spec.max - spec.min), 3)
        setattr(plugin, name, plain)
        raw = plugin.parameters[name].raw_value
        # pedalboard keeps the plugin's parse of str(plain) when it falls in the range of the
        # nearest of its 1001 sampled texts, else that range's start: one sampling step at most.
        assert raw == pytest.approx(spec.to_normalized(plain), abs=1.001e-3), (name, plain)
        assert spec.from_normalized(raw) == pytest.approx(
            float(getattr(plugin, name)), abs=0.01 * (spec.max - spec.min)
        )


def test_choice_parameters_read_value_and_unit(shared_plugin):
    plugin = shared_plugin
    hum = plugin.parameters["noise_hum_frequency_hz"]
    assert [hum.get_text_for_raw_value(raw) for raw in (0.0, 1.0)] == ["50 Hz", "60 Hz"]
    assert hum.valid_values == [50.0, 60.0]  # a list of two frequencies, not an on/off toggle
    plugin.noise_hum_frequency_hz = 60
    assert hum.raw_value == 1.0 and hum.string_value == "60 Hz"
    assert plain_values_from_pedalboard(plugin)["noise_hum_hz"] == 60.0
    plugin.noise_hum_frequency_hz = "50 Hz"
    assert hum.raw_value == 0.0
    oversampling = plugin.parameters["tube_oversampling_x"]
    assert [oversampling.get_text_for_raw_value(i / 3) for i in range(4)] == ["1x", "2x", "4x", "8x"]
    plugin.tube_oversampling_x = 4
    assert plain_values_from_pedalboard(plugin)["tube_oversampling"] == 4.0


def test_bypass_gives_the_dry_signal(signal):
    plugin = load_in_pedalboard()
    set_in_pedalboard(plugin, "tube_drive_db", 30.0)
    set_in_pedalboard(plugin, "bypass", 1.0)
    assert max_error_dbfs(plugin(signal, SAMPLE_RATE), signal) < -120


def test_state_moves_settings_between_instances(signal):
    first = load_in_pedalboard()
    set_in_pedalboard(first, "tube_drive_db", 20.0)
    set_in_pedalboard(first, "tube_oversampling", 4.0)
    first(signal, SAMPLE_RATE)  # the processor applies the values it was sent
    second = load_in_pedalboard()
    second.raw_state = first.raw_state
    copied, original = plain_values_from_pedalboard(second), plain_values_from_pedalboard(first)
    # A copy taken while the original lives is a duplicated track: everything but its track id.
    assert copied.pop("track_id") != original.pop("track_id")
    assert copied == pytest.approx(original)
    plain = plain_values_from_pedalboard(second)
    assert max_error_dbfs(second(signal, SAMPLE_RATE), stemglue.StemGlue(**plain)(signal, SAMPLE_RATE)) <= PARITY_DBFS


def test_a_reloaded_state_keeps_its_track_id(signal):
    first = load_in_pedalboard()
    saved, track_id = first.raw_state, track_id_of(first)
    del first
    gc.collect()
    reloaded = load_in_pedalboard()
    reloaded.raw_state = saved
    assert track_id_of(reloaded) == track_id


def test_mono_is_processed_like_stemglue():
    plugin = load_in_pedalboard()
    mono = noise(1, 24000)
    expected = stemglue.StemGlue(track_id=track_id_of(plugin))(mono, SAMPLE_RATE)
    assert max_error_dbfs(plugin(mono, SAMPLE_RATE), expected) <= PARITY_DBFS


def test_consecutive_renders_start_fresh(signal):
    plugin = load_in_pedalboard()
    first = plugin(signal, SAMPLE_RATE)
    assert np.array_equal(plugin(signal, SAMPLE_RATE), first)


def test_drift_and_noise_match_stemglue_for_the_same_seed(signal):
    settings = {
        "seed": 4242.0,
        "drift_wow_percent": 0.3,
        "drift_flutter_percent": 0.2,
        "drift_tilt_db": 1.0,
        "noise_hiss_db": -60.0,
        "noise_hum_db": -66.0,
        "noise_room_db": -60.0,
        "noise_modulation_db": -50.0,
    }
    plugin = load_in_pedalboard()
    for parameter_id, plain in settings.items():
        set_in_pedalboard(plugin, parameter_id, plain)
    plain = plain_values_from_pedalboard(plugin)
    assert plain["seed"] == 4242.0
    output = plugin(signal, SAMPLE_RATE)
    assert max_error_dbfs(output, stemglue.StemGlue(**plain)(signal, SAMPLE_RATE)) <= PARITY_DBFS
    assert max_error_dbfs(output, stemglue.StemGlue(**{**plain, "seed": 4243.0})(signal, SAMPLE_RATE)) > -80
