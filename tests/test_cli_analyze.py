"""`stemglue analyze` run as a user runs it, on real files: the table, the JSON scripts rely on,
and clear one-line errors."""

import json

import numpy as np
import pytest
import soundfile
import stemglue
from command import run
from signals import bass_stem, click_track, drum_stem, keys_stem

RATE = 48000
STEM_KEYS = {
    "noise_floor_dbfs",
    "noise_floor_dba",
    "digital_silence",
    "onsets",
    "onset_sd_ms",
    "onset_mean_ms",
    "onset_lag1",
    "onset_slope",
    "hit_level_sd_db",
    "pitch_sd_cents",
    "h2_dbc",
    "h3_dbc",
    "harmonic_level_dbfs",
    "spectral_tilt_db_per_octave",
    "spectral_centroid_hz",
    "spectral_bands_db",
    "decay_t30_s",
    "decay_edt_s",
    "lufs",
    "lra_lu",
    "true_peak_dbtp",
    "flags",
    "reasons",
}


def write_stems(parent):
    folder = parent / "stems"
    folder.mkdir()
    soundfile.write(folder / "drums.wav", drum_stem(5.0)[0].T, RATE, subtype="PCM_24")
    soundfile.write(folder / "bass.wav", bass_stem(5.0)[0][:1].T, RATE, subtype="PCM_16")
    soundfile.write(folder / "keys.wav", keys_stem(5.0)[0].T, 44100, subtype="FLOAT")  # another rate
    return folder


@pytest.fixture
def stems(tmp_path):
    return write_stems(tmp_path)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """The stems and their session render, made once for the tests that only read them."""
    folder = tmp_path_factory.mktemp("rendered")
    assert run("render", write_stems(folder), "-o", folder / "session").returncode == 0
    return folder / "stems", folder / "session"


def test_a_folder_gives_a_table_and_json_with_every_key(stems, tmp_path):
    result = run("analyze", stems, "--json", tmp_path / "report.json")
    assert result.returncode == 0, result.stderr
    assert "floor dBFS" in result.stdout and "bass / drums" in result.stdout
    report = json.loads((tmp_path / "report.json").read_text())
    assert sorted(report["stems"]) == ["bass", "drums", "keys"]
    for name, stem in report["stems"].items():
        assert STEM_KEYS <= set(stem), name
        for key, value in stem.items():  # n/a values say why
            if value is None:
                assert stem["reasons"][key], (name, key)
    assert report["stems"]["drums"]["digital_silence"] is True  # generated: zeros between hits
    assert len(report["pairs"]) == 3
    assert set(report["pairs"][0]) >= {"a", "b", "bleed_lag_ms", "bleed_strength", "onset_coincidence"}
    assert report["tempo"]["source"].startswith("estimated")


def test_a_rendered_session_shows_its_bleed_and_a_floor(rendered, tmp_path):
    """Before: no bleed, digital silence. After a session render: every pair bleeds at about the
    stage's delay and the floor is in the recording range."""
    _, session_folder = rendered
    result = run("analyze", session_folder / "stems", "--tempo", 100, "--json", tmp_path / "after.json")
    assert result.returncode == 0, result.stderr
    after = json.loads((tmp_path / "after.json").read_text())
    session = json.loads((session_folder / "session.json").read_text())
    # every source reaches every microphone: its own at 0, the others at their pair's delay. A
    # pair of stems correlates at the difference of one source's arrivals at their microphones
    # (positive when it reaches b later): a's own sound in b, b's in a, or a third source in both.
    arrival = {(p["source"], p["into"]): p["delay_ms"] for p in session["bleed"]}
    arrival |= {(name, name): 0.0 for name in session["stems"]}
    for pair in after["pairs"]:
        assert pair["bleed_found"], pair
        differences = [arrival[(s, pair["b"])] - arrival[(s, pair["a"])] for s in session["stems"]]
        assert min(abs(pair["bleed_lag_ms"] - d) for d in differences) < 0.1, (pair, differences)
    for stem in after["stems"].values():
        assert not stem["digital_silence"]
        assert stem["onset_mean_ms"] is not None  # a given tempo places the grid
    assert -100 < after["stems"]["drums"]["noise_floor_dbfs"] < -60  # the drums have gaps to read it in


@pytest.mark.parametrize(
    ("make", "fragment"),
    [
        (lambda p: p.write_bytes(b"RIFF....WAVEfmt nonsense"), "not a readable audio file"),
        (lambda p: p.write_bytes(b""), "not a readable audio file"),
    ],
)
def test_a_corrupt_file_is_one_line_naming_it_exit_2(stems, tmp_path, make, fragment):
    make(stems / "broken.wav")
    result = run("analyze", stems, "--json", tmp_path / "report.json")
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "broken.wav" in result.stderr and fragment in result.stderr
    assert not (tmp_path / "report.json").exists()


def test_odd_files_give_n_a_with_reasons_never_a_traceback(tmp_path):
    folder = tmp_path / "odd"
    folder.mkdir()
    soundfile.write(folder / "silence.wav", np.zeros((RATE, 2)), RATE)
    soundfile.write(folder / "one.wav", np.full((1, 1), 0.25), RATE)
    soundfile.write(folder / "six.wav", np.random.default_rng(1).standard_normal((RATE, 6)) * 0.05, 96000)
    soundfile.write(folder / "tone.wav", 0.3 * np.sin(2 * np.pi * 110 * np.arange(3 * 22050) / 22050), 22050)
    hiss = (np.random.default_rng(2).standard_normal((RATE, 2)) * 0.1).astype(np.float32)
    hiss[5000, 0], hiss[6000, 1] = np.nan, np.inf  # read as silence, as rendering does (one NaN broke the floor)
    soundfile.write(folder / "nan.wav", hiss, RATE, subtype="FLOAT")
    result = run("analyze", folder, "--json", tmp_path / "odd.json")
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    report = json.loads((tmp_path / "odd.json").read_text())
    assert report["stems"]["silence"]["reasons"]["noise_floor_dbfs"].startswith("digital silence")
    assert report["stems"]["one"]["lufs"] is None and report["stems"]["one"]["reasons"]["lufs"]
    assert report["stems"]["six"]["channels"] == 6 and report["stems"]["six"]["sample_rate"] == 96000
    assert report["stems"]["tone"]["onset_sd_ms"] is None
    assert report["stems"]["nan"]["true_peak_dbtp"] < -3 and report["stems"]["nan"]["lufs"] is not None
    assert "n/a" in result.stdout
    for name, stem in report["stems"].items():  # every n/a says why
        assert all(stem["reasons"].get(key) for key, value in stem.items() if value is None), name


@pytest.mark.parametrize(
    ("arguments", "fragment"),
    [
        (["missing_folder"], "no such file"),
        (["--tempo", "0"], "give 20 to 300"),
        (["--tempo", "fast"], "not a number"),
        (["--json", "out.wav"], "name a .json file"),
    ],
)
def test_wrong_arguments_are_one_line(stems, tmp_path, arguments, fragment):
    given = [stems] if arguments[0].startswith("--") else []
    result = run("analyze", *given, *[tmp_path / a if a == "missing_folder" else a for a in arguments])
    assert result.returncode == 2 and fragment in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) <= 2  # argparse adds its usage line


def test_help_names_every_option():
    result = run("analyze", "--help")
    assert result.returncode == 0
    assert all(option in result.stdout for option in ("--tempo", "--json", "STEM"))
    assert stemglue.__version__


def test_suggestions_name_what_is_missing_and_render_as_a_session(stems, tmp_path):
    """Generated stems (digital silence between the drum hits, stems that never met): the
    suggestion gives the drums a floor and the session the band room's bleed, and its session
    file renders."""
    suggested = tmp_path / "suggested.toml"
    result = run("analyze", stems, "--suggest", suggested)
    assert result.returncode == 0, result.stderr
    assert "drums: digital silence in its gaps -> noise on" in result.stdout
    assert "no pair shows bleed" in result.stdout
    text = suggested.read_text()
    assert "bleed_enabled = 1" in text and "noise_hiss_db = -84" in text
    rendered = run("render", "--session", suggested, "-o", tmp_path / "out", "--no-tail")
    assert rendered.returncode == 0, rendered.stderr
    again = run("analyze", stems, "--suggest", suggested)
    assert again.returncode == 2 and "--overwrite" in again.stderr  # an existing file is kept


def test_a_given_tempo_goes_into_the_suggested_humanize(tmp_path):
    """Machine-timed sixteenths get Humanize suggested, keyed to the tempo given (an analysis that
    named its grid in the tempo's source text stopped passing the tempo on; a reviewer)."""
    folder = tmp_path / "clicks"
    folder.mkdir()
    soundfile.write(folder / "hat.wav", click_track(6000 * np.arange(1, 64), 64 * 6000)[0], RATE)
    suggested = tmp_path / "suggested.toml"
    result = run("analyze", folder, "--tempo", 120, "--suggest", suggested)
    assert result.returncode == 0, result.stderr
    assert "tempo: 120 bpm (given; the onsets timed against its sixteenths)" in result.stdout
    assert "humanize_enabled = 1" in suggested.read_text() and "humanize_tempo_bpm = 120" in suggested.read_text()


def test_compare_and_report_show_before_and_after(rendered, tmp_path):
    stems, session_folder = rendered
    report, data = tmp_path / "report.html", tmp_path / "report.json"
    result = run("analyze", session_folder / "stems", "--compare", stems, "--report", report, "--json", data)
    assert result.returncode == 0, result.stderr
    assert "change from before" in result.stdout and "warning" not in result.stderr
    analysis = json.loads(data.read_text())
    deltas = analysis["compare"]["deltas"]
    assert sorted(deltas) == ["bass", "drums", "keys"]
    assert deltas["bass"]["lufs"] is not None and deltas["drums"]["noise_floor_dbfs"] is None  # was digital silence
    # both timed against the inputs' grid (grids estimated apart, bleed adding onsets to one, read
    # 120.01 and 119.53 bpm, and a kick's spread changed +4.6 ms with Humanize off; a tryout)
    assert analysis["tempo"] == analysis["compare"]["tempo"] and analysis["tempo"]["bpm"] is not None
    inputs = run("analyze", stems, "--json", tmp_path / "inputs.json")
    assert json.loads((tmp_path / "inputs.json").read_text())["tempo"] == analysis["tempo"], inputs.stderr
    # loudness kept, the mono bass read as its render's session heard it (alone it read 3 LU under)
    assert all(abs(deltas[name]["lufs"]) < 1.0 for name in deltas), deltas
    # one room: the stems' sounds now die away in it, where the generated ones stopped dead
    after_edt, before_edt = analysis["shared_decay"]["edt_s"], analysis["compare"]["shared_decay"]["edt_s"]
    assert after_edt is not None and before_edt is not None and after_edt > 1.5 * before_edt
    page = report.read_text()
    assert page.startswith("<!DOCTYPE html>") and page.count("data:image/png;base64,") >= 10
    assert "http://" not in page and "https://" not in page  # readable offline: nothing fetched
    for name in ("bass", "drums", "keys"):
        assert f"<h2>{name}</h2>" in page and f"{name}: waveform and spectrogram before and after" in page
    assert "GCC-PHAT" in page and "change from before" in page and "energy-decay curves" in page
    assert "third-octave balance" in page


def test_compare_names_the_stems_without_a_match(rendered, tmp_path):
    """Stems are compared by name: one renamed (or missing) dropped out of the changes without a word."""
    stems, session_folder = rendered
    renamed = tmp_path / "renamed"
    renamed.mkdir()
    for name in ("bass", "drums", "keys"):
        target = renamed / f"{'Bass Guitar' if name == 'bass' else name}.wav"
        target.write_bytes((session_folder / "stems" / f"{name}.wav").read_bytes())
    result = run("analyze", renamed, "--compare", stems)
    assert result.returncode == 0, result.stderr
    warning = [line for line in result.stderr.splitlines() if "warning" in line]
    assert len(warning) == 1 and "Bass Guitar, bass" in warning[0], result.stderr
