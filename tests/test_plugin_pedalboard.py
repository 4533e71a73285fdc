"""The built StemGlue.vst3 inside pedalboard (a JUCE host that compensates latency)."""

import numpy as np
import pytest
from plugin_hosts import SAMPLE_RATE, load_in_pedalboard, plain_values_from_pedalboard, set_in_pedalboard
from signals import max_error_dbfs, music, noise

import stemglue

PARITY_DBFS = -100.0


@pytest.fixture(scope="module")
def signal():
    return music(2, SAMPLE_RATE, SAMPLE_RATE)


def test_parameters_are_the_table(signal):
    plugin = load_in_pedalboard()
    assert [parameter.name for parameter in plugin.parameters.values()] == [spec.name for spec in stemglue.parameters()]
    assert plain_values_from_pedalboard(plugin) == pytest.approx({spec.id: spec.default for spec in stemglue.parameters()})
    assert "tube_drive_db" in plugin.parameters


def test_default_output_equals_stemglue(signal):
    plugin = load_in_pedalboard()
    assert max_error_dbfs(plugin(signal, SAMPLE_RATE), stemglue.StemGlue()(signal, SAMPLE_RATE)) <= PARITY_DBFS


@pytest.mark.parametrize(
    "settings",
    [
        {"tube_drive_db": 24.0, "tube_bias": 0.8, "tube_tone_db": -4.0},
        {"tube_oversampling": 8.0, "mix_percent": 60.0, "output_gain_db": -6.0},
        {"tube_oversampling": 1.0, "tube_adaa": 0.0, "tube_bloom_percent": 100.0},
    ],
)
def test_parameters_set_through_the_host_change_output_as_stemglue_predicts(signal, settings):
    plugin = load_in_pedalboard()
    for parameter_id, plain in settings.items():
        set_in_pedalboard(plugin, parameter_id, plain)
    plain = plain_values_from_pedalboard(plugin)
    output = plugin(signal, SAMPLE_RATE)
    expected = stemglue.StemGlue(**plain)(signal, SAMPLE_RATE)
    assert max_error_dbfs(output, expected) <= PARITY_DBFS
    assert max_error_dbfs(output, stemglue.StemGlue()(signal, SAMPLE_RATE)) > -60  # and it did change


def test_attribute_access_uses_plain_units(signal):
    plugin = load_in_pedalboard()
    plugin.tube_drive_db = 18.0
    assert plain_values_from_pedalboard(plugin)["tube_drive_db"] == pytest.approx(18.0, abs=0.05)


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
    assert plain_values_from_pedalboard(second) == pytest.approx(plain_values_from_pedalboard(first))
    assert max_error_dbfs(second(signal, SAMPLE_RATE), first(signal, SAMPLE_RATE)) <= PARITY_DBFS


def test_mono_is_processed_like_stemglue():
    plugin = load_in_pedalboard()
    mono = noise(1, 24000)
    assert max_error_dbfs(plugin(mono, SAMPLE_RATE), stemglue.StemGlue()(mono, SAMPLE_RATE)) <= PARITY_DBFS


def test_consecutive_renders_start_fresh(signal):
    plugin = load_in_pedalboard()
    first = plugin(signal, SAMPLE_RATE)
    assert np.array_equal(plugin(signal, SAMPLE_RATE), first)


def test_drift_and_noise_match_stemglue_for_the_same_seed(signal):
    settings = {"seed": 4242.0, "drift_wow_percent": 0.3, "drift_flutter_percent": 0.2, "drift_tilt_db": 1.0,
                "noise_hiss_db": -60.0, "noise_hum_db": -66.0, "noise_room_db": -60.0, "noise_modulation_db": -50.0}
    plugin = load_in_pedalboard()
    for parameter_id, plain in settings.items():
        set_in_pedalboard(plugin, parameter_id, plain)
    plain = plain_values_from_pedalboard(plugin)
    assert plain["seed"] == 4242.0
    output = plugin(signal, SAMPLE_RATE)
    assert max_error_dbfs(output, stemglue.StemGlue(**plain)(signal, SAMPLE_RATE)) <= PARITY_DBFS
    assert max_error_dbfs(output, stemglue.StemGlue(**{**plain, "seed": 4243.0})(signal, SAMPLE_RATE)) > -80
