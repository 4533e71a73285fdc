"""Saved plugin states of every released state-format version load with the values they hold.

tests/data/plugin_state_v<N>.bin is a component state (the bytes IComponent::getState writes) of
format version N. Each was written once, by the plugin, while N was the current version:

    .venv/bin/python tests/test_plugin_state.py write N

sets VALUES[N] through pedalboard and stores the plugin's own getState bytes. Never regenerate an
existing file: it stands for what users' saved projects hold. When the format changes
(plugin/vst3/plugin_state.h), add VALUES[N + 1] and write the new version's file.
"""

import struct
import sys
from pathlib import Path

import pytest
import stemglue
from plugin_hosts import (
    component_state_from_pedalboard,
    load_in_pedalboard,
    pedalboard_state_from_component,
    plain_values_from_pedalboard,
    set_in_pedalboard,
)

DATA = Path(__file__).parent / "data"

# Every value differs from its default, so a value the reader drops shows.
VALUES = {
    1: {
        "bypass": 1.0,
        "seed": 4242.0,
        "track_id": 271828.0,
        "mix_percent": 37.0,
        "output_gain_db": -6.24,
        "tube_enabled": 0.0,
        "drift_enabled": 0.0,
        "noise_enabled": 0.0,
        "room_enabled": 0.0,
        "glue_enabled": 0.0,
        "tube_drive_db": 5.76,
        "tube_bias": 0.37,
        "tube_bloom_percent": 37.0,
        "tube_tone_db": -3.12,
        "tube_output_db": -6.24,
        "tube_mix_percent": 37.0,
        "tube_oversampling": 8.0,
        "tube_adaa": 0.0,
        "drift_wow_percent": 0.185,
        "drift_wow_rate_hz": 1.425,
        "drift_flutter_percent": 0.111,
        "drift_flutter_rate_hz": 9.92,
        "drift_tilt_db": 0.37,
        "drift_gain_db": 0.37,
        "drift_time_s": 11.73,
        "drift_stereo_link_percent": 37.0,
        "noise_hiss_db": -90.4,
        "noise_hiss_color": 0.37,
        "noise_hum_db": -90.4,
        "noise_hum_hz": 60.0,
        "noise_buzz_percent": 37.0,
        "noise_room_db": -90.4,
        "noise_modulation_db": -86.7,
        "noise_floor_db": -6.24,
        "room_size_m": 12.99,
        "room_rt60_s": 1.543,
        "room_damping": 0.433,
        "room_predelay_ms": 18.5,
        "room_early_percent": 37.0,
        "room_width_percent": 37.0,
        "room_modulation_percent": 37.0,
        "room_mix_percent": 37.0,
        "room_source_x_percent": 38.3,
        "room_source_y_percent": 38.3,
        "glue_threshold_db": -25.2,
        "glue_ratio": 4.33,
        "glue_knee_db": 4.44,
        "glue_attack_ms": 11.163,
        "glue_release_ms": 475.5,
        "glue_auto_release": 0.0,
        "glue_sidechain_hpf_hz": 123.6,
        "glue_makeup_db": 8.88,
        "glue_mix_percent": 37.0,
    },
}
# Version 2: the same values, plus glue_auto_makeup (new in it) away from its default, and another
# track id (an instance still holding version 1's id would make the plugin draw a new one).
VALUES[2] = {**VALUES[1], "glue_auto_makeup": 0.0, "track_id": 314159.0}
# What a migration sets where an old version held nothing (the default otherwise).
MIGRATED = {1: {"glue_auto_makeup": 0.0}}


def blob_path(version: int) -> Path:
    return DATA / f"plugin_state_v{version}.bin"


def write_blob(version: int) -> None:
    path = blob_path(version)
    if path.exists():
        raise SystemExit(f"{path} exists: released states are never rewritten")
    plugin = load_in_pedalboard()
    for parameter_id, plain in VALUES[version].items():
        set_in_pedalboard(plugin, parameter_id, plain)
    state = component_state_from_pedalboard(plugin.raw_state)
    assert struct.unpack("<4sI", state[:8]) == (b"SGLU", version), "the built plugin writes another version"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(state)
    print(f"wrote {path} ({len(state)} bytes)")


@pytest.mark.parametrize("version", sorted(VALUES))
def test_each_released_state_is_committed_with_its_version(version):
    magic, written_version = struct.unpack("<4sI", blob_path(version).read_bytes()[:8])
    assert (magic, written_version) == (b"SGLU", version)


@pytest.mark.parametrize("version", sorted(VALUES))
def test_each_released_state_loads_the_values_it_holds(version):
    plugin = load_in_pedalboard()
    plugin.raw_state = pedalboard_state_from_component(blob_path(version).read_bytes())
    loaded = plain_values_from_pedalboard(plugin)
    # Parameters a version did not know keep their defaults, or what the migration sets for them.
    absent = MIGRATED.get(version, {})
    expected = {
        spec.id: VALUES[version].get(spec.id, absent.get(spec.id, spec.default)) for spec in stemglue.parameters()
    }
    # The values went through pedalboard's float32 parameters on the way in and out.
    assert loaded == pytest.approx(expected, rel=1e-6, abs=1e-6)


def test_the_current_plugin_writes_what_it_reads():
    plugin = load_in_pedalboard()
    set_in_pedalboard(plugin, "room_size_m", 21.0)
    state = component_state_from_pedalboard(plugin.raw_state)
    assert state[:4] == b"SGLU"
    other = load_in_pedalboard()
    other.raw_state = pedalboard_state_from_component(state)
    assert plain_values_from_pedalboard(other)["room_size_m"] == pytest.approx(21.0)


def test_a_state_of_an_unknown_newer_version_changes_nothing():
    newer = bytearray(blob_path(max(VALUES)).read_bytes())
    newer[4:8] = struct.pack("<I", 999)
    plugin = load_in_pedalboard()
    before = plain_values_from_pedalboard(plugin)
    try:
        plugin.raw_state = pedalboard_state_from_component(bytes(newer))
    except Exception:  # noqa: BLE001 - a host may report the refusal; the values must stay either way
        pass
    assert plain_values_from_pedalboard(plugin) == before


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "write":
        write_blob(int(sys.argv[2]))
    else:
        raise SystemExit(__doc__)
