"""Session files: `stemglue session init` writes one a user can edit; `render --session` renders
what it says (roles, places, per-stem settings, bleed overrides); a bad one is a one-line error."""

import json
import os

import numpy as np
import pytest
import soundfile
from command import run
from signals import bass_stem, drum_stem, keys_stem
from stemglue.session_file import SessionFileError, read_session_file

RATE = 48000


@pytest.fixture
def folder(tmp_path):
    stems = tmp_path / "stems"
    stems.mkdir()
    soundfile.write(stems / "Kick In.wav", drum_stem(2.0)[0].T, RATE, subtype="FLOAT")
    soundfile.write(stems / "bass DI.wav", bass_stem(2.0)[0].T, RATE, subtype="FLOAT")
    soundfile.write(stems / "Lead Vox.wav", keys_stem(2.0)[0].T, RATE, subtype="FLOAT")
    return stems


def test_init_writes_a_file_that_renders_as_the_folder_does(folder, tmp_path):
    result = run("session", "init", folder)
    assert result.returncode == 0, result.stderr
    session_file = folder / "session.toml"
    spec = read_session_file(session_file)
    assert {stem.name: stem.role for stem in spec.stems} == {"Kick In": "kick", "bass DI": "bass", "Lead Vox": "vocal"}
    assert all(stem.path.exists() for stem in spec.stems)
    assert run("session", "init", folder).returncode == 2  # never overwritten without --overwrite
    assert run("render", "--session", session_file, "-o", tmp_path / "a", "--no-tail").returncode == 0
    rendered = run("render", folder, "-o", tmp_path / "b", "--no-tail")
    assert rendered.returncode == 0 and f"--session {session_file}" in rendered.stdout  # the hint to use it
    for name in ("Kick In", "bass DI", "Lead Vox"):
        a = soundfile.read(tmp_path / "a" / "stems" / f"{name}.wav")[0]
        b = soundfile.read(tmp_path / "b" / "stems" / f"{name}.wav")[0]
        assert np.array_equal(a, b), name


def test_init_writes_names_beyond_ascii_as_they_are(tmp_path):
    """A tryout's "bäss_ü" was written "b\\u00e4ss_\\u00fc": valid, but hard to read and edit."""
    stems = tmp_path / "stems"
    stems.mkdir()
    soundfile.write(stems / "bäss_ü.wav", bass_stem(1.0)[0].T, RATE)
    assert run("session", "init", stems).returncode == 0
    text = (stems / "session.toml").read_text(encoding="utf-8")
    assert '[stems."bäss_ü"]' in text and 'file = "bäss_ü.wav"' in text
    assert [stem.name for stem in read_session_file(stems / "session.toml").stems] == ["bäss_ü"]


def test_init_refuses_a_name_that_is_not_utf8_naming_it(tmp_path):
    """A Latin-1 name on the disk (b\\xe4ss.wav) stopped init with a codec error naming no file."""
    stems = tmp_path / "latin"
    stems.mkdir()
    soundfile.write(stems / "bass.wav", bass_stem(1.0)[0].T, RATE)
    os.rename(stems / "bass.wav", bytes(stems) + b"/b\xe4ss.wav")
    result = run("session", "init", stems)
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "b\ufffdss.wav: its name is not UTF-8" in result.stderr and not (stems / "session.toml").exists()


def test_a_source_outside_the_room_is_named_in_a_warning(folder, tmp_path):
    """A source 25 m along an 8 m room was taken without a word (the Room hears it at its wall); so
    were the layout's places in a 3 m room, and a stem's own room size."""
    session_file = tmp_path / "far.toml"
    session_file.write_text(
        f'[stems.kick]\nfile = "{(folder / "Kick In.wav").as_posix()}"\nsource_m = [25.0, 2.0, 0.5]\n'
        f'[stems.bass]\nfile = "{(folder / "bass DI.wav").as_posix()}"\n'
    )
    result = run("render", "--session", session_file, "-o", tmp_path / "out", "--no-tail")
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == (
        "stemglue: warning: kick: outside the room (8.0 x 5.8 x 3.0 m at room_size_m 8); "
        "the room hears it at its walls (a session file's source_m places a stem)"
    )
    # the layout's own places in a room too small for them (a second tryout), and a stem's own room
    session_file.write_text(
        f'[stems.kick]\nfile = "{(folder / "Kick In.wav").as_posix()}"\n'
        f'[stems.keys]\nfile = "{(folder / "Lead Vox.wav").as_posix()}"\nrole = "keys"\n'
        "settings = { room_size_m = 4 }\n"
    )
    result = run("render", "--session", session_file, "-o", tmp_path / "small", "--no-tail", "--room-size-m", 3)
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == [
        "stemglue: warning: kick, keys: outside the room (3.0 x 2.2 x 2.4 m at room_size_m 3); "
        "the room hears them at its walls (a session file's source_m places a stem)",
        "stemglue: warning: keys: its own room_size_m puts it in another room than the session's stems",
    ]


def test_the_file_sets_places_settings_and_single_pairs(folder, tmp_path):
    session_file = tmp_path / "mine.toml"
    session_file.write_text(
        f"""
layout = "ISO-Booths"
[settings]
seed = 7
room_rt60_s = 0.9
[stems.kick]
file = "{(folder / "Kick In.wav").as_posix()}"
role = "kick"
[stems.bass]
file = "stems/bass DI.wav"
role = "Bass"
source_m = [2.0, 2.0, 0.5]
mic_distance_m = 0.5
pattern = "Omni"
settings = {{ tube_drive_db = 12, track_id = 42 }}
[stems.vox]
file = "stems/Lead Vox.wav"
role = "vocal"
[[bleed]]
source = "kick"
into = "vox"
mute = true
[[bleed]]
source = "bass"
into = "kick"
level_db = -6
invert = true
"""
    )
    result = run("render", "--session", session_file, "-o", tmp_path / "out", "--room-mix-percent", 30)
    assert result.returncode == 0, result.stderr
    session = json.loads((tmp_path / "out" / "session.json").read_text())
    assert session["layout"] == "iso-booths" and session["seed"] == 7
    assert session["settings"]["room_rt60_s"] == 0.9 and session["settings"]["room_mix_percent"] == 30  # flags win
    bass = session["stems"]["bass"]  # names of roles, patterns and layouts in any case (a tryout's "Bass")
    assert bass["role"] == "bass" and bass["track_id"] == 42 and bass["settings"]["tube_drive_db"] == 12
    assert bass["placement"]["source_m"] == [2.0, 2.0, 0.5] and bass["placement"]["pattern"] == "omni"
    pairs = {(p["source"], p["into"]): p for p in session["bleed"]}
    assert ("kick", "vox") not in pairs and len(pairs) == 5
    assert pairs[("bass", "kick")]["trim_db"] == -6 and pairs[("bass", "kick")]["invert"] is True
    kick_in_bass = pairs[("kick", "bass")]  # across a booth wall
    assert kick_in_bass["isolation_db"] == -30.0 and kick_in_bass["pattern"] == 1.0  # the bass mic is omni now


def test_a_switch_may_be_true_or_false(tmp_path):
    session_file = tmp_path / "s.toml"
    session_file.write_text('[settings]\nhumanize_enabled = true\nroom_enabled = false\n[stems.a]\nfile = "a.wav"\n')
    assert read_session_file(session_file).settings == {"humanize_enabled": 1.0, "room_enabled": 0.0}


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("layout = [", "not valid TOML"),
        ('layout = "stadium"\n[stems.a]\nfile = "a.wav"', "layout 'stadium' is not one of band-room"),
        ('[stems.a]\nfile = "a.wav"\nrole = "bas"', "role 'bas' is not one of kick, snare"),
        ('[stems.a]\nfile = "a.wav"\nrole = "bas"', "; did you mean 'bass'?"),
        ('[stems.a]\nfile = "a.wav"\npattern = "cardiod"', "; did you mean 'cardioid'?"),
        ("[settings]\nseed = 1", "no [stems.<name>] tables"),
        ('[stems.a]\nrole = "kick"', 'needs file = "<audio file>"'),
        ('[stems.a]\nfile = "a.wav"\nrole = "tuba"', "role 'tuba' is not one of"),
        ('[settings]\nroom_size = 3\n[stems.a]\nfile = "a.wav"', "unknown parameter 'room_size'"),
        ('[settings]\ntube_drve_db = 3\n[stems.a]\nfile = "a.wav"', "'tube_drve_db'; did you mean 'tube_drive_db'?"),
        # A misspelt key anywhere is refused (layuot and mic_distance were ignored: the layout and places stayed).
        ('layuot = "iso-booths"\n[stems.a]\nfile = "a.wav"', "unknown key 'layuot'; did you mean 'layout'"),
        (
            '[stems.a]\nfile = "a.wav"\nmic_distance = 2.0',
            "stems.a: unknown key 'mic_distance'; did you mean 'mic_distance_m'",
        ),
        (
            '[stems.a]\nfile = "a.wav"\n[stems.b]\nfile = "b.wav"\n[[bleed]]\nsource = "a"\ninto = "b"\nlevel = -3',
            "bleed[0]: unknown key 'level'; did you mean 'level_db'",
        ),
        ('[settings]\ntube_drive_db = 99\n[stems.a]\nfile = "a.wav"', "settings.tube_drive_db must be between -12"),
        ('[settings]\ntube_drive_db = true\n[stems.a]\nfile = "a.wav"', "settings.tube_drive_db must be a number"),
        ('[settings]\nhumanize_enabled = "yes"\n[stems.a]\nfile = "a.wav"', "humanize_enabled must be a number"),
        ('[stems.a]\nfile = "a.wav"\nsettings = { tube_oversampling = 3 }', "stems.a.settings.tube_oversampling must"),
        ('[stems.a]\nfile = "a.wav"\nsource_m = [1, 2]', "source_m must be [x, y, z]"),
        ('[stems.a]\nfile = "a.wav"\nsource_m = [1, 2, 1e9]', "each 0 to 30 m"),
        ('[stems.a]\nfile = "a.wav"\nsource_m = [1, 2, nan]', "each 0 to 30 m"),
        ('[stems.a]\nfile = "a.wav"\nmic_distance_m = true', "mic_distance_m must be 0.02 to 5 m"),
        ('[stems.a]\nfile = "a.wav"\npattern = "shotgun"', "pattern 'shotgun'"),
        ('[stems.a]\nfile = "a.wav"\n[[bleed]]\nsource = "a"\ninto = "b"', "needs source and into"),
        ('[stems.a]\nfile = "a.wav"\n[[bleed]]\nsource = "a"\ninto = "a"', "needs source and into naming two"),
        (
            '[stems.a]\nfile = "a.wav"\n[stems.b]\nfile = "b.wav"\n[[bleed]]\nsource = "a"\ninto = "b"\nmute = "false"',
            "mute must be true or false",
        ),
        (
            '[stems.a]\nfile = "a.wav"\n[stems.b]\nfile = "b.wav"\n[[bleed]]\nsource = "a"\ninto = "b"\ninvert = 1',
            "invert must be true or false",
        ),
    ],
)
def test_a_bad_session_file_is_one_line_naming_it(tmp_path, text, fragment):
    session_file = tmp_path / "bad.toml"
    session_file.write_text(text)
    with pytest.raises(SessionFileError, match="bad.toml"):
        read_session_file(session_file)
    result = run("render", "--session", session_file, "-o", tmp_path / "out")
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert fragment in result.stderr and "bad.toml" in result.stderr
    assert not (tmp_path / "out").exists()


def test_a_missing_stem_file_is_named(tmp_path):
    session_file = tmp_path / "s.toml"
    session_file.write_text('[stems.gone]\nfile = "gone.wav"\n')
    result = run("render", "--session", session_file, "-o", tmp_path / "out")
    assert result.returncode == 2 and "gone.wav" in result.stderr and "no such file" in result.stderr


def test_session_and_stems_together_or_nothing_at_all_are_refused(folder, tmp_path):
    assert "not both" in run("render", folder, "--session", tmp_path / "s.toml", "-o", tmp_path / "o").stderr
    assert "nothing to render" in run("render", "-o", tmp_path / "o").stderr
