"""The factory presets in the plugin: the .vstpreset files the build writes, loaded by pedalboard's
load_preset() and DawDreamer's load_vst3_preset(), sound as stemglue.StemGlue.from_preset; the
program list selects the same values; install-plugin puts the files where hosts look."""

import struct

import dawdreamer
import numpy as np
import pytest
import stemglue
from plugin_hosts import (
    BLOCK_SIZE,
    PROGRAM_PARAMETER,
    SAMPLE_RATE,
    load_in_pedalboard,
    plain_values_from_dawdreamer,
    plain_values_from_pedalboard,
    set_in_pedalboard,
    stemglue_as_dawdreamer_plays,
    track_id_of,
)
from signals import max_error_dbfs, music
from stemglue.plugin import PRESET_SUBFOLDER, preset_folder

PARITY_DBFS = -100.0
PRESETS = stemglue.presets()


@pytest.fixture(scope="module")
def signal():
    return music(2, SAMPLE_RATE, SAMPLE_RATE)


def preset_file(preset):
    return preset_folder() / preset.file_name()


def chunks(data: bytes) -> dict[bytes, bytes]:
    """A .vstpreset's chunks by id, read as the format says (little-endian header, list at the end)."""
    assert data[:4] == b"VST3" and struct.unpack("<i", data[4:8]) == (1,)
    (list_offset,) = struct.unpack("<q", data[40:48])
    assert data[list_offset : list_offset + 4] == b"List"
    (count,) = struct.unpack("<i", data[list_offset + 4 : list_offset + 8])
    found = {}
    for entry in range(count):
        start = list_offset + 8 + 20 * entry
        offset, size = struct.unpack("<qq", data[start + 4 : start + 20])
        found[data[start : start + 4]] = data[offset : offset + size]
    return found


def test_a_file_per_preset_with_our_class_id_and_state():
    assert sorted(path.name for path in preset_folder().glob("*.vstpreset")) == sorted(p.file_name() for p in PRESETS)
    for preset in PRESETS:
        data = preset_file(preset).read_bytes()
        assert data[8:40] == b"5374656D476C75655653543300000001"  # the plugin's class id, as hex
        component = chunks(data)[b"Comp"]
        magic, version, count = struct.unpack("<4sII", component[:12])
        assert (magic, version) == (b"SGLU", 2)  # the plugin's own state format
        # Every parameter but bypass, seed and track id: loading a preset keeps the instance's own.
        hashes = {struct.unpack("<I", component[12 + 12 * i : 16 + 12 * i])[0] for i in range(count)}
        assert hashes == {spec.vst3_id for spec in stemglue.parameters()} - {
            stemglue.parameter(kept).vst3_id for kept in ("bypass", "seed", "track_id")
        }


@pytest.mark.parametrize("preset", PRESETS, ids=lambda p: p.name)
def test_pedalboard_load_preset_sounds_as_from_preset(signal, preset):
    plugin = load_in_pedalboard()
    set_in_pedalboard(plugin, "seed", 77)  # an instance's own seed and track id stay as they were
    track_id = track_id_of(plugin)
    plugin.load_preset(str(preset_file(preset)))
    expected = stemglue.StemGlue.from_preset(preset.name, seed=77, track_id=track_id)
    assert plain_values_from_pedalboard(plugin) == pytest.approx(expected.parameter_values, rel=1e-6, abs=1e-6)
    assert max_error_dbfs(plugin(signal, SAMPLE_RATE), expected(signal, SAMPLE_RATE)) <= PARITY_DBFS


def test_a_preset_keeps_a_track_id_another_live_instance_shares():
    """Two instances the user set to one track id: a preset loaded into one keeps it (the copy of a
    live instance's state draws a new id; a preset carries none)."""
    first, second = load_in_pedalboard(), load_in_pedalboard()
    for plugin in (first, second):
        set_in_pedalboard(plugin, "track_id", 5)
    first.load_preset(str(preset_file(PRESETS[0])))
    assert track_id_of(first) == 5 == track_id_of(second)


@pytest.mark.parametrize("preset", PRESETS, ids=lambda p: p.name)
def test_dawdreamer_load_vst3_preset_sounds_as_from_preset(signal, preset):
    engine = dawdreamer.RenderEngine(SAMPLE_RATE, BLOCK_SIZE)
    source = engine.make_playback_processor("source", signal)
    plugin = engine.make_plugin_processor("stemglue", str(stemglue.plugin_path()))
    track_id = plain_values_from_dawdreamer(plugin)["track_id"]
    assert plugin.load_vst3_preset(str(preset_file(preset)))
    engine.load_graph([(source, []), (plugin, ["source"])])
    engine.render(signal.shape[1] / SAMPLE_RATE)
    expected = stemglue.StemGlue.from_preset(preset.name, track_id=track_id).parameter_values
    assert plain_values_from_dawdreamer(plugin) == pytest.approx(expected, rel=1e-6, abs=1e-6)
    # DawDreamer does not compensate latency: compare with StemGlue's raw stream.
    assert max_error_dbfs(engine.get_audio(), stemglue_as_dawdreamer_plays(expected, signal)) <= PARITY_DBFS


def test_the_program_parameter_lists_the_presets_and_selects_one(signal):
    plugin = load_in_pedalboard()
    program = plugin.parameters[PROGRAM_PARAMETER.lower()]
    assert list(plugin.parameters)[-1] == PROGRAM_PARAMETER.lower()  # after the table's parameters
    assert program.valid_values == [preset.name for preset in PRESETS]
    assert program.string_value == "clean glue"  # a new instance is at the defaults
    track_id = track_id_of(plugin)
    program.raw_value = [p.name for p in PRESETS].index("vocal") / (len(PRESETS) - 1)
    expected = stemglue.StemGlue.from_preset("vocal", track_id=track_id)
    assert plain_values_from_pedalboard(plugin) == pytest.approx(expected.parameter_values, rel=1e-6, abs=1e-6)
    assert max_error_dbfs(plugin(signal, SAMPLE_RATE), expected(signal, SAMPLE_RATE)) <= PARITY_DBFS


def test_dawdreamer_lists_the_table_in_order_then_the_program():
    engine = dawdreamer.RenderEngine(SAMPLE_RATE, BLOCK_SIZE)
    plugin = engine.make_plugin_processor("stemglue", str(stemglue.plugin_path()))
    names = [plugin.get_parameter_name(i) for i in range(plugin.get_plugin_parameter_size())]
    # JUCE orders parameters by IUnitInfo unit; the table keeps each module's rows together, so the
    # index-based helpers (and users' scripts) still address the table's rows.
    assert names == [spec.name for spec in stemglue.parameters()] + [PROGRAM_PARAMETER]


def test_install_plugin_puts_the_presets_where_hosts_look(tmp_path):
    stemglue.install_plugin(tmp_path)
    installed = tmp_path / PRESET_SUBFOLDER
    assert PRESET_SUBFOLDER.as_posix() == "presets/StemGlue/StemGlue"
    assert sorted(path.name for path in installed.iterdir()) == sorted(p.file_name() for p in PRESETS)
    for preset in PRESETS:
        assert (installed / preset.file_name()).read_bytes() == preset_file(preset).read_bytes()
    (installed / "mine.vstpreset").write_bytes(b"a user's own preset")
    np.testing.assert_equal(stemglue.install_plugin(tmp_path), tmp_path / "StemGlue.vst3")  # again: nothing lost
    assert (installed / "mine.vstpreset").read_bytes() == b"a user's own preset"
