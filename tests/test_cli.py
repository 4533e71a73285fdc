"""The real `stemglue` command on real audio files."""

import argparse
import resource
import shutil
import signal
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
import soundfile
import stemglue
from command import COMMAND, run
from interrupt import ctrl_c_once_started
from signals import max_error_dbfs, music
from stemglue.cli import build_parser


def track_id(name):
    """The track_id the command derives from a file name: CRC-32 of the stem, stable everywhere."""
    return zlib.crc32(Path(name).stem.encode()) % 1_000_000


def one_line_error(result, *fragments):
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    for fragment in fragments:
        assert str(fragment) in result.stderr, (fragment, result.stderr)


@pytest.fixture
def stem(tmp_path):
    path = tmp_path / "stem.wav"
    soundfile.write(path, music(2, 48000, 48000).T, 48000, subtype="PCM_24")
    return path


def test_render_writes_what_stemglue_computes(stem, tmp_path):
    output = tmp_path / "glued.wav"
    before = stem.read_bytes()
    result = run("render", stem, "-o", output, "--tube-drive-db", "12", "--mix-percent", "80", "--no-tail")
    assert result.returncode == 0, result.stderr
    rendered, sample_rate = soundfile.read(output, dtype="float32", always_2d=True)
    source, _ = soundfile.read(stem, dtype="float32", always_2d=True)
    expected = stemglue.StemGlue(tube_drive_db=12, mix_percent=80, track_id=track_id(stem))(source.T, sample_rate)
    assert sample_rate == 48000 and rendered.shape == source.shape  # same length: latency compensated
    assert max_error_dbfs(rendered.T, expected) <= -100
    assert stem.read_bytes() == before  # input untouched
    assert list(tmp_path.glob(".*tmp")) == []  # no temporary left behind


def test_an_existing_output_is_kept_without_overwrite(stem, tmp_path):
    output = tmp_path / "glued.wav"
    output.write_bytes(b"precious")
    result = run("render", stem, "-o", output)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "--overwrite" in result.stderr
    assert output.read_bytes() == b"precious"
    assert run("render", stem, "-o", output, "--overwrite", "--no-tail").returncode == 0
    assert soundfile.info(output).frames == 48000


def test_rendering_onto_the_input_is_refused(stem):
    before = stem.read_bytes()
    result = run("render", stem, "-o", stem, "--overwrite")
    assert result.returncode == 2 and "input" in result.stderr
    assert stem.read_bytes() == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        (b"RIFF\x00\x00\x00\x00WAVEjunk", "not a readable audio file"),
        (b"", "not a readable audio file"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, content, message):
    source = tmp_path / "broken.wav"
    if content is not None:
        source.write_bytes(content)
    output = tmp_path / "out.wav"
    result = run("render", source, "-o", output)
    assert result.returncode == 2
    assert result.stderr.startswith("stemglue: error: ") and str(source) in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and message in result.stderr
    assert not output.exists()


@pytest.mark.parametrize("name", ["glued.flac", "glued.mp3", "glued"])
def test_an_output_not_named_wav_is_refused(stem, tmp_path, name):
    """The output is a float WAV: under a FLAC or MP3 name it would be mislabelled."""
    result = run("render", stem, "-o", tmp_path / name)
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "name it .wav" in result.stderr and name in result.stderr
    assert not (tmp_path / name).exists()


def test_a_switch_takes_a_word_as_well_as_a_number(stem, tmp_path):
    """--help says a switch is 0 or 1 (or a bool): true/false, yes/no and on/off read as such."""

    def render(value):
        output = tmp_path / f"glued-{value}.wav"
        assert run("render", stem, "-o", output, "--no-tail", "--tube-enabled", value).returncode == 0
        return output.read_bytes()

    on, off = [render(value) for value in ("1", "on", "True")], [render(value) for value in ("0", "off", "no")]
    assert on[0] == on[1] == on[2] and off[0] == off[1] == off[2] and on[0] != off[0]
    result = run("render", stem, "-o", tmp_path / "x.wav", "--tube-enabled", "maybe")
    assert result.returncode == 2 and "'maybe' is not 0, 1, true" in result.stderr


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            ["render", "{stem}", "-o", "{tmp}/x.wav", "--bogus"],
            "unrecognized arguments: --bogus (see stemglue render --help)",
        ),
        (["render", "{stem}", "{other}", "-o", "{tmp}/afile/session"], "{tmp}/afile is a file, not a folder"),
        (["install-plugin", "--destination", "{tmp}/afile"], "{tmp}/afile is a file, not a folder"),
        (["session", "init", "{tmp}", "--bogus"], "(see stemglue session init --help)"),
        (["render", "{stem}", "-o", "{tmp}/x.wav", "--tube-drve-db", "3"], "3 (did you mean --tube-drive-db?) (see"),
    ],
)
def test_usage_and_path_mistakes_are_one_line_naming_them(stem, tmp_path, arguments, message):
    (tmp_path / "afile").write_text("not a folder")
    other = tmp_path / "other.wav"
    shutil.copyfile(stem, other)
    fill = {"stem": stem, "other": other, "tmp": tmp_path}
    result = run(*(argument.format(**fill) for argument in arguments))
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert message.format(**fill) in result.stderr
    assert (tmp_path / "afile").read_text() == "not a folder"


def test_out_of_range_parameter_is_named(stem, tmp_path):
    result = run("render", stem, "-o", tmp_path / "o.wav", "--tube-oversampling", "3")
    assert result.returncode == 2 and "tube_oversampling must be one of 1, 2, 4, 8" in result.stderr


def test_mono_16_bit_44k_input(tmp_path):
    source = tmp_path / "mono.wav"
    soundfile.write(source, music(1, 22050, 44100)[0], 44100, subtype="PCM_16")
    assert run("render", source, "-o", tmp_path / "out.wav", "--no-tail").returncode == 0
    info = soundfile.info(tmp_path / "out.wav")
    assert (info.channels, info.samplerate, info.frames) == (1, 44100, 22050)


def test_nan_and_infinite_samples_render_as_silence_with_a_warning(tmp_path):
    source = tmp_path / "glitch.wav"
    audio = music(2, 48000, 48000).T.copy()
    audio[1000, 0], audio[2000, 1], audio[3000, 0] = np.nan, np.inf, -np.inf
    soundfile.write(source, audio, 48000, subtype="FLOAT")
    result = run("render", source, "-o", tmp_path / "out.wav", "--no-tail")
    assert result.returncode == 0
    assert result.stderr.strip() == f"stemglue: warning: {source}: 3 samples NaN or infinite, read as silence"
    assert np.all(np.isfinite(soundfile.read(tmp_path / "out.wav")[0]))


def test_demo_renders_before_and_after(tmp_path):
    result = run("demo", "--output", tmp_path / "demo", "--seconds", "2")
    assert result.returncode == 0, result.stderr
    before, rate = soundfile.read(tmp_path / "demo" / "before.wav", dtype="float32", always_2d=True)
    after, _ = soundfile.read(tmp_path / "demo" / "after.wav", dtype="float32", always_2d=True)
    assert rate == 48000 and before.shape == after.shape == (96000, 2)
    assert max_error_dbfs(after, before) > -40  # audibly processed
    assert np.all(np.isfinite(after))
    assert run("demo", "--output", tmp_path / "demo", "--seconds", "2").returncode == 2  # no silent overwrite


def test_demo_writes_nothing_when_one_output_exists(tmp_path):
    (tmp_path / "after.wav").write_bytes(b"precious")
    result = run("demo", "--output", tmp_path, "--seconds", "1")
    one_line_error(result, tmp_path / "after.wav", "--overwrite")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["after.wav"]


def test_parameters_lists_the_table():
    result = run("parameters")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == [spec.id for spec in stemglue.parameters()]
    assert len({line.index("default ") for line in lines}) == 1  # one column, the longest id included


def test_a_reader_that_stops_early_is_no_error():
    """stemglue parameters | head -1: the pipe closes under the listing; no 'Broken pipe' error."""
    with subprocess.Popen([COMMAND, "parameters"], stdout=subprocess.PIPE, stderr=subprocess.PIPE) as listing:
        first = listing.stdout.readline()
        listing.stdout.close()
        code, errors = listing.wait(timeout=60), listing.stderr.read()
    assert first.startswith(b"bypass") and code == 0 and errors == b""


def test_seed_gives_the_same_render_and_another_seed_another(stem, tmp_path):
    outputs = []
    for name, seed in (("a.wav", 5), ("b.wav", 5), ("c.wav", 6)):
        assert (
            run("render", stem, "-o", tmp_path / name, "--seed", seed, "--noise-hiss-db", "-60", "--no-tail").returncode
            == 0
        )
        outputs.append(soundfile.read(tmp_path / name, dtype="float32")[0])
    assert np.array_equal(outputs[0], outputs[1])
    assert max_error_dbfs(outputs[0].T, outputs[2].T) > -80
    source, _ = soundfile.read(stem, dtype="float32", always_2d=True)
    expected = stemglue.StemGlue(seed=5, noise_hiss_db=-60, track_id=track_id(stem))(source.T, 48000)
    assert max_error_dbfs(outputs[0].T, expected) <= -100


def _subcommands():
    parser = build_parser()
    (commands,) = [action for action in parser._actions if isinstance(action, argparse._SubParsersAction)]
    return commands.choices


def test_version_names_the_package():
    result = run("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"stemglue {stemglue.__version__}"


@pytest.mark.parametrize("name", sorted(_subcommands()))
def test_help_of_every_subcommand(name):
    result = run(name, "--help")
    assert result.returncode == 0, result.stderr
    options = [option for action in _subcommands()[name]._actions for option in action.option_strings if option != "-h"]
    for option in options:
        assert option in result.stdout, option


@pytest.mark.parametrize("where", ["under a file", "/sys"])
def test_an_unwritable_output_folder_is_one_line_and_leaves_nothing(stem, tmp_path, where):
    # Tests run as root, for whom chmod forbids nothing: a "folder" that is a file, and sysfs, refuse root too.
    if where == "/sys":
        output = Path("/sys/stemglue-test-output.wav")
    else:
        (tmp_path / "file.txt").write_text("not a folder")
        output = tmp_path / "file.txt" / "out.wav"
    before = sorted(tmp_path.iterdir())
    result = run("render", stem, "-o", output)
    one_line_error(result, output)
    assert "Traceback" not in result.stderr
    if where != "/sys":
        assert "not a folder" in result.stderr
    assert not output.exists() and sorted(tmp_path.iterdir()) == before


def test_an_output_over_full_scale_is_named_with_its_peak(tmp_path):
    """The chain may lift a hot stem past 0 dBFS: the float WAV keeps it, a 24-bit export will not.
    A tryout's session wrote stems at +9.8 and +12.6 dBFS and a mix at +25.7 without a word."""
    hot, calm = tmp_path / "hot.wav", tmp_path / "calm.wav"
    soundfile.write(hot, 1.5 * music(2, 48000, 48000).T / np.abs(music(2, 48000, 48000)).max(), 48000, subtype="FLOAT")
    soundfile.write(calm, 0.1 * music(2, 48000, 48000).T, 48000, subtype="FLOAT")
    result = run("render", hot, "-o", tmp_path / "hot out.wav")
    assert result.returncode == 0, result.stderr
    peak_db = 20 * np.log10(np.abs(soundfile.read(tmp_path / "hot out.wav")[0]).max())
    assert result.stderr.strip() == (
        f"stemglue: warning: peaks over full scale: hot out.wav {peak_db:+.1f} dBFS "
        "(kept in the float WAV; a fixed-point export clips them)"
    )
    result = run("render", calm, "-o", tmp_path / "calm out.wav")
    assert result.returncode == 0 and result.stderr == ""


def _files_of_at_most_200_kb():
    resource.setrlimit(resource.RLIMIT_FSIZE, (200_000, 200_000))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG) instead of killing


@pytest.mark.parametrize("session", [False, True], ids=["file", "session"])
def test_a_write_the_system_refuses_names_the_output_and_the_reason(stem, tmp_path, session):
    """A full disk said only "stemglue: error: System error." (libsndfile's code; a tryout on a 30 MB
    tmpfs). The system's reason now comes with the output it hit; here a file size limit stands in."""
    if session:
        (tmp_path / "stems").mkdir()
        shutil.copy(stem, tmp_path / "stems" / "kick.wav")
        command, output, hit = (
            [COMMAND, "render", tmp_path / "stems", "-o", tmp_path / "out"],
            tmp_path / "out",
            "kick.wav",
        )
    else:
        command, output, hit = [COMMAND, "render", stem, "-o", tmp_path / "out.wav"], tmp_path / "out.wav", "out.wav"
    before = sorted(tmp_path.iterdir())
    result = subprocess.run(
        list(map(str, command)), capture_output=True, text=True, timeout=300, preexec_fn=_files_of_at_most_200_kb
    )
    one_line_error(result, hit, "writing failed (File too large)")
    assert not output.exists() and sorted(tmp_path.iterdir()) == before


@pytest.mark.parametrize("block_size", ["100000000", "65537", "0", "-5", "big"])
def test_block_size_is_bounded(stem, tmp_path, block_size):
    result = run("render", stem, "-o", tmp_path / "out.wav", "--block-size", block_size)
    one_line_error(result, "--block-size")
    assert not (tmp_path / "out.wav").exists()


def test_the_largest_block_size_renders(stem, tmp_path):
    result = run("render", stem, "-o", tmp_path / "out.wav", "--block-size", "65536")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("stop", "code", "message"), [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated")]
)
def test_ctrl_c_or_kill_stops_the_render_at_once_and_leaves_nothing(tmp_path, stop, code, message):
    source = tmp_path / "long.wav"
    second = (np.random.default_rng(1).standard_normal(48000) * 0.1).astype(np.float32)
    soundfile.write(source, np.tile(second, 600), 48000, subtype="PCM_16")  # 10 minutes, mono
    returncode, stderr = ctrl_c_once_started(
        [COMMAND, "render", str(source), "-o", str(tmp_path / "out.wav")], tmp_path, ".out.wav.*", stop=stop
    )
    assert returncode == code, stderr
    assert stderr.strip() == f"stemglue: {message}"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["long.wav"]  # no output, no temp file


def test_the_command_reaches_its_ctrl_c_handler_before_the_heavy_imports():
    """main() turns Ctrl-C into one line; what loads before it (numpy via soundfile) takes a tenth
    of a second, not the second that scipy and the reference modules take."""
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, stemglue.cli; print(sorted(sys.modules))"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert "'scipy'" not in loaded and "'stemglue.reference'" not in loaded


def test_a_directory_as_input_is_a_session_and_an_empty_one_says_so(tmp_path):
    folder = tmp_path / "stems"
    folder.mkdir()
    result = run("render", folder, "-o", tmp_path / "out")
    one_line_error(result, folder, "holds no audio files")
    assert "no such file" not in result.stderr


def test_an_unsupported_sample_rate_names_the_file(tmp_path):
    source = tmp_path / "slow.wav"
    soundfile.write(source, np.zeros(1000, np.float32), 500)
    result = run("render", source, "-o", tmp_path / "out.wav")
    one_line_error(result, source, "500 Hz")
    assert not (tmp_path / "out.wav").exists()


@pytest.mark.parametrize("seconds", ["-1", "0", "nan", "inf", "soon"])
def test_demo_seconds_must_be_a_positive_length(tmp_path, seconds):
    result = run("demo", "--output", tmp_path / "demo", "--seconds", seconds)
    one_line_error(result, "--seconds")
    assert not (tmp_path / "demo" / "after.wav").exists()


def test_a_truncated_wav_is_rendered_with_a_warning(tmp_path):
    source = tmp_path / "cut.wav"
    soundfile.write(source, music(2, 48000, 48000).T, 48000, subtype="PCM_24")
    whole = source.read_bytes()
    source.write_bytes(whole[: len(whole) // 2])  # the data chunk still claims 48000 frames
    held = soundfile.info(source).frames
    assert held < 48000
    result = run("render", source, "-o", tmp_path / "out.wav", "--no-tail")
    assert result.returncode == 0, result.stderr
    warning = result.stderr.strip()
    assert len(warning.splitlines()) == 1 and warning.startswith("stemglue: warning: ")
    assert str(source) in warning and "48000" in warning and str(held) in warning
    assert soundfile.info(tmp_path / "out.wav").frames == held


def test_an_intact_wav_gives_no_warning(stem, tmp_path):
    result = run("render", stem, "-o", tmp_path / "out.wav")
    assert result.returncode == 0 and result.stderr == ""


@pytest.mark.parametrize("room", [[], ["--room-rt60-s", "2.5"]])
def test_the_room_tail_is_rendered_unless_no_tail(stem, tmp_path, room):
    rt60 = 2.5 if room else 0.6
    result = run("render", stem, "-o", tmp_path / "tail.wav", "--noise-enabled", "0", *room)
    assert result.returncode == 0, result.stderr
    assert run("render", stem, "-o", tmp_path / "cut.wav", "--noise-enabled", "0", "--no-tail", *room).returncode == 0
    tail, _ = soundfile.read(tmp_path / "tail.wav", dtype="float32", always_2d=True)
    cut, _ = soundfile.read(tmp_path / "cut.wav", dtype="float32", always_2d=True)
    assert cut.shape == (48000, 2)
    extra = len(tail) - 48000
    assert 1.5 * rt60 * 48000 <= extra <= 10 * 48000  # a 90 dB decay, and bounded
    assert np.array_equal(tail[:48000], cut)  # the tail only continues the same render
    # It is the library's render of the input followed by silence: the room ringing out.
    source, _ = soundfile.read(stem, dtype="float32", always_2d=True)
    padded = np.concatenate([source.T, np.zeros((2, extra), np.float32)], axis=1)
    settings = {"noise_enabled": 0, "track_id": track_id(stem)} | ({"room_rt60_s": 2.5} if room else {})
    assert max_error_dbfs(tail.T, stemglue.StemGlue(**settings)(padded, 48000)) <= -100
    rms_db = lambda x: 10 * np.log10(np.mean(np.square(x, dtype=np.float64)) + 1e-30)  # noqa: E731
    assert rms_db(tail[48000 : 48000 + 4800]) > -60  # the room is still loud where the input ends
    assert np.max(np.abs(tail[-480:])) < 10 ** (-90 / 20)  # and has died away by the end


def test_without_a_room_only_the_latency_is_flushed(stem, tmp_path):
    result = run("render", stem, "-o", tmp_path / "dry.wav", "--room-enabled", "0")
    assert result.returncode == 0, result.stderr
    assert soundfile.info(tmp_path / "dry.wav").frames == 48000


def test_track_id_comes_from_the_file_name(stem, tmp_path):
    outputs = {}
    for folder, name in (("one", "kick.wav"), ("two", "kick.wav"), ("three", "snare.wav")):
        (tmp_path / folder).mkdir()
        shutil.copy(stem, tmp_path / folder / name)
        result = run(
            "render",
            tmp_path / folder / name,
            "-o",
            tmp_path / folder / "out.wav",
            "--seed",
            "5",
            "--noise-hiss-db",
            "-60",
        )
        assert result.returncode == 0, result.stderr
        assert f"track_id {track_id(name)}" in result.stdout  # printed, and recorded in the file:
        assert f"track_id={track_id(name)}" in soundfile.SoundFile(tmp_path / folder / "out.wav").comment
        outputs[folder] = soundfile.read(tmp_path / folder / "out.wav", dtype="float32")[0]
    given = run("render", tmp_path / "one" / "kick.wav", "-o", tmp_path / "given.wav", "--track-id", "7")
    assert given.returncode == 0 and "track_id 7, given" in given.stdout
    assert np.array_equal(outputs["one"], outputs["two"])  # the same name: the same hiss
    assert max_error_dbfs(outputs["one"].T, outputs["three"].T) > -80  # another name: independent hiss


def test_start_sample_places_the_file_on_the_timeline(stem, tmp_path):
    """A section rendered alone with --start-sample gets what a whole-song render has there (every
    module at its defaults: floor, drift, room), the song being silent before it."""
    section, sample_rate = soundfile.read(stem, dtype="float32")
    start = 60_000  # beyond the pink hiss filter's memory (5 300 samples at 48 kHz)
    song = tmp_path / "song.wav"
    soundfile.write(song, np.concatenate([np.zeros((start, 2), np.float32), section]), sample_rate, subtype="FLOAT")
    whole = run("render", song, "-o", tmp_path / "whole.wav", "--track-id", "3")
    part = run("render", stem, "-o", tmp_path / "part.wav", "--track-id", "3", "--start-sample", str(start))
    assert whole.returncode == 0 and part.returncode == 0, (whole.stderr, part.stderr)
    whole_audio = soundfile.read(tmp_path / "whole.wav", dtype="float32")[0]
    part_audio = soundfile.read(tmp_path / "part.wav", dtype="float32")[0]
    assert max_error_dbfs(part_audio.T, whole_audio[start:].T) < -120
    one_line_error(run("render", stem, "-o", tmp_path / "x.wav", "--start-sample", "-5"), "start-sample")
