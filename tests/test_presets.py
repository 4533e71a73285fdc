"""The factory presets (cpp/include/stemglue/presets.h): data checked against the one parameter
table, StemGlue.from_preset, stemglue.presets() and the command line's --preset / presets."""

import zlib

import numpy as np
import pytest
import soundfile
import stemglue
from command import run
from signals import max_error_dbfs, music
from stemglue import reference

RATE = 48000
KEPT = {"bypass", "seed", "track_id"}  # an instance's, not a sound's: presets never set them
CHARACTERS = ["clean glue", "studio tape 15 ips", "cassette", "worn 4-track", "console", "live room"]
STEM_TYPES = ["drums", "bass", "synth", "keys", "vocal", "guitar", "full mix"]


@pytest.fixture(scope="module")
def signal():
    return music(2, RATE // 2, RATE)


def test_the_issue_s_characters_and_stem_types_in_order():
    assert [p.name for p in stemglue.presets() if p.category == "character"] == CHARACTERS
    assert [p.name for p in stemglue.presets() if p.category == "stem"] == STEM_TYPES
    assert [p.name for p in stemglue.presets()] == CHARACTERS + STEM_TYPES  # the plugin's program order


@pytest.mark.parametrize("preset", stemglue.presets(), ids=lambda p: p.name)
def test_every_value_is_legal_and_differs_from_the_default(preset):
    for parameter_id, value in preset.values.items():
        spec = stemglue.parameter(parameter_id)  # a ValueError for an id not in the table
        assert spec.validate(value) == value  # in range, and whole / a choice where the kind says so
        assert value != spec.default, f"{preset.name} restates the default of {parameter_id}"
    assert not KEPT & set(preset.values)
    assert preset.description and "\n" not in preset.description and len(preset.description) <= 130


def test_clean_glue_is_the_defaults():
    assert dict(stemglue.preset("clean glue").values) == {}
    assert stemglue.StemGlue.from_preset("clean glue").parameter_values == stemglue.StemGlue().parameter_values


def test_a_preset_is_named_in_any_case():
    """The menu shows 'cassette'; a user typing Cassette (or 'Studio Tape 15 IPS') was refused."""
    assert stemglue.preset("Cassette") == stemglue.preset("cassette")
    assert stemglue.StemGlue.from_preset(" Studio Tape  15 IPS").parameter_values == (
        stemglue.StemGlue.from_preset("studio tape 15 ips").parameter_values
    )
    with pytest.raises(ValueError, match="unknown preset 'tape'"):
        stemglue.preset("tape")


def test_from_preset_sets_the_preset_s_values_and_overrides_win(signal):
    chain = stemglue.StemGlue.from_preset("cassette", noise_hiss_db=-70, seed=9)
    expected = {**stemglue.StemGlue().parameter_values, **stemglue.preset("cassette").values}
    assert chain.parameter_values == {**expected, "noise_hiss_db": -70.0, "seed": 9.0}
    plain = stemglue.StemGlue(**{**stemglue.preset("cassette").values, "noise_hiss_db": -70, "seed": 9})
    assert np.array_equal(chain(signal, RATE), plain(signal, RATE))
    assert max_error_dbfs(chain(signal, RATE), stemglue.StemGlue(seed=9)(signal, RATE)) > -60  # and it sounds different


def test_the_reference_chain_takes_the_same_presets():
    for preset in stemglue.presets():
        native = stemglue.StemGlue.from_preset(preset.name, track_id=3)
        twin = reference.StemGlue.from_preset(preset.name, track_id=3)
        assert twin.parameter_values == native.parameter_values


def test_unknown_presets_and_keywords_are_refused_by_name():
    with pytest.raises(ValueError, match="unknown preset 'tape'.*'cassette'"):
        stemglue.StemGlue.from_preset("tape")
    with pytest.raises(ValueError, match="no parameter 'hiss_db'"):
        stemglue.StemGlue.from_preset("cassette", hiss_db=-70)
    with pytest.raises(ValueError, match="noise_hiss_db must be between -120 and -40"):
        stemglue.StemGlue.from_preset("cassette", noise_hiss_db=0)


def test_presets_are_read_only():
    with pytest.raises(TypeError):
        stemglue.preset("cassette").values["tube_drive_db"] = 0.0


# --- the command line -------------------------------------------------------------------------


def test_presets_command_lists_every_preset_with_its_description():
    result = run("presets")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == len(stemglue.presets())
    for line, preset in zip(lines, stemglue.presets(), strict=True):
        assert line.startswith(preset.name) and line.endswith(preset.description)


@pytest.fixture
def stem(tmp_path):
    path = tmp_path / "stem.wav"
    soundfile.write(path, music(2, RATE // 2, RATE).T, RATE, subtype="FLOAT")
    return path


def test_render_with_a_preset_and_a_flag_that_wins(stem, tmp_path):
    output = tmp_path / "out.wav"
    result = run("render", stem, "-o", output, "--preset", "worn 4-track", "--tube-drive-db", "3", "--no-tail")
    assert result.returncode == 0, result.stderr
    rendered, _ = soundfile.read(output, dtype="float32", always_2d=True)
    source, _ = soundfile.read(stem, dtype="float32", always_2d=True)
    track_id = zlib.crc32(b"stem") % 1_000_000  # the command derives it from the file name
    expected = stemglue.StemGlue.from_preset("worn 4-track", tube_drive_db=3, track_id=track_id)(source.T, RATE)
    assert max_error_dbfs(rendered.T, expected) <= -100
    preset_drive = stemglue.StemGlue.from_preset("worn 4-track", track_id=track_id)(source.T, RATE)
    assert max_error_dbfs(rendered.T, preset_drive) > -80  # the flag, not the preset's 18 dB, was used


def test_an_unknown_preset_is_one_line_and_exit_2(stem, tmp_path):
    result = run("render", stem, "-o", tmp_path / "out.wav", "--preset", "casette")
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "unknown preset 'casette'" in result.stderr and "'cassette'" in result.stderr
    assert not (tmp_path / "out.wav").exists()


def test_demo_takes_a_preset_too(tmp_path):
    result = run("demo", "--output", tmp_path, "--seconds", "0.5", "--preset", "console")
    assert result.returncode == 0, result.stderr
    before, _ = soundfile.read(tmp_path / "before.wav", dtype="float32", always_2d=True)
    after, _ = soundfile.read(tmp_path / "after.wav", dtype="float32", always_2d=True)
    expected = stemglue.StemGlue.from_preset("console")(before.T.astype(np.float32), RATE)
    assert max_error_dbfs(after.T, expected) <= -100
