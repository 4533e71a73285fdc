"""Several sessions at once (`stemglue render FOLDER FOLDER ... --jobs N`, `render_catalogue`):
each in a worker process, each the bytes of a render on its own; a bad session is reported while
the others render; Ctrl-C leaves nothing."""

import concurrent.futures
import multiprocessing
import os
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile
from command import COMMAND, run
from interrupt import ctrl_c_once_started
from sessions import outputs, write_sessions
from stemglue.catalogue import render_catalogue
from stemglue.session import Session

RATE = 48000


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """Two small sessions of three stems each."""
    return write_sessions(tmp_path_factory.mktemp("sessions"), (1.5, 1.0))


def test_several_folders_render_as_sessions_with_the_bytes_of_single_renders(folders, tmp_path):
    result = run("render", *folders, "-o", tmp_path / "many", "--jobs", 2, "--no-tail")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "many").iterdir()) == ["song0", "song1"]
    assert all(f"many/{f.name}: 3 stems" in result.stdout for f in folders)
    (tmp_path / "one").mkdir()
    for folder in folders:
        assert run("render", folder, "-o", tmp_path / "one" / folder.name, "--no-tail").returncode == 0
        assert outputs(tmp_path / "many" / folder.name) == outputs(tmp_path / "one" / folder.name)


def test_session_files_name_their_outputs_by_their_folders(folders, tmp_path):
    files = []
    for folder in folders:  # `session init` beside the stems, as a user runs it
        copy = tmp_path / "copies" / folder.name
        copy.mkdir(parents=True)
        for stem in folder.iterdir():
            (copy / stem.name).write_bytes(stem.read_bytes())
        assert run("session", "init", copy).returncode == 0
        files += ["--session", copy / "session.toml"]
    result = run("render", *files, "-o", tmp_path / "out", "--jobs", 2, "--no-tail")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["song0", "song1"]


def test_the_sessions_run_in_worker_processes_and_return_in_order(folders, tmp_path):
    sessions = [Session((folder,), tmp_path / folder.name, tail=False) for folder in reversed(folders)]
    workers_seen = []
    results = render_catalogue(
        sessions, jobs=2, progress=lambda _: workers_seen.append(multiprocessing.active_children())
    )
    assert len(workers_seen) == 2 and all(len(children) == 2 for children in workers_seen)
    assert [r.session for r in results] == sessions and all(r.error is None for r in results)
    assert [r.rendered.input_frames for r in results] == [RATE, int(1.5 * RATE)]
    with pytest.raises(ValueError, match="jobs"):
        render_catalogue(sessions, jobs=0)


def test_a_catalogue_renders_from_a_thread_too(folders, tmp_path):
    """Signal handlers are the main thread's: a caller in another thread renders without them."""
    sessions = [Session((folder,), tmp_path / folder.name, tail=False) for folder in folders]
    with concurrent.futures.ThreadPoolExecutor(1) as caller:
        results = caller.submit(render_catalogue, sessions, 2).result()
    assert all(r.error is None for r in results) and all((tmp_path / f.name / "mix.wav").exists() for f in folders)


def test_a_bad_session_is_reported_and_the_others_render(folders, tmp_path):
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "drums.wav").write_bytes(b"RIFF" + bytes(range(256)) * 8)
    (broken / "bass.wav").write_bytes((folders[0] / "bass.wav").read_bytes())
    result = run("render", broken, folders[1], "-o", tmp_path / "out", "--jobs", 2, "--no-tail")
    assert result.returncode == 2
    assert "session broken: " in result.stderr and "broken/drums.wav" in result.stderr
    assert "1 of 2 sessions not rendered" in result.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["song1"]  # no staging folder left


def test_mixed_and_clashing_inputs_are_refused_before_anything_renders(folders, tmp_path):
    mixed = run("render", folders[0], folders[1] / "bass.wav", "-o", tmp_path / "out")
    assert mixed.returncode == 2 and "one folder per session" in mixed.stderr
    typo = run("render", folders[0], folders[0].parent / "Song1", "-o", tmp_path / "out")
    assert typo.returncode == 2 and "Song1: no such file or folder" in typo.stderr
    twice = run("render", folders[0], folders[0], "-o", tmp_path / "out")
    assert twice.returncode == 2 and "two sessions would both be written" in twice.stderr
    missing = run(
        "render", "--session", folders[0] / "nothing.toml", "--session", tmp_path / "x.toml", "-o", tmp_path / "out"
    )
    assert missing.returncode == 2 and "no such session file" in missing.stderr
    (tmp_path / "out" / "song1").mkdir(parents=True)
    exists = run("render", *folders, "-o", tmp_path / "out")
    assert exists.returncode == 2 and "exists already" in exists.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["song1"]
    assert not any((tmp_path / "out" / "song1").iterdir())


@pytest.mark.parametrize(("stop", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_ctrl_c_or_kill_stops_every_worker_and_leaves_nothing(tmp_path, stop, code):
    """Three sessions on two workers: the third, not yet handed over, never starts, and no worker
    renders on after the command has ended."""
    second = (np.random.default_rng(2).standard_normal(RATE) * 0.1).astype(np.float32)
    songs = []
    for song in ("intro", "verse", "outro"):
        folder = tmp_path / song
        folder.mkdir()
        for name in ("drums", "bass", "keys"):
            soundfile.write(folder / f"{name}.wav", np.tile(second, 120), RATE, subtype="PCM_16")  # 2 minutes each
        songs.append(str(folder))
    command = [COMMAND, "render", *songs, "-o", str(tmp_path / "out"), "--jobs", "2"]
    returncode, stderr = ctrl_c_once_started(command, tmp_path / "out", ".*", timeout_s=10, stop=stop)
    assert returncode == code, stderr
    assert "Traceback" not in stderr, stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["intro", "outro", "verse"]  # no output, no staging
    time.sleep(3.0)  # nothing starts later either
    assert not (tmp_path / "out").exists()


def test_ctrl_c_while_the_workers_start_up_leaves_nothing(tmp_path):
    """A Ctrl-C just after the workers were spawned, while they still import (and ignore it): they went
    on to render their sessions whole, and the command left them in OUT (a tryout). Now none starts."""
    songs = []
    for song in ("intro", "verse", "outro"):
        folder = tmp_path / song
        folder.mkdir()
        for name in ("drums", "bass"):
            soundfile.write(folder / f"{name}.wav", np.zeros(20 * RATE, np.float32), RATE, subtype="PCM_16")
        songs.append(str(folder))
    command = [COMMAND, "render", *songs, "-o", str(tmp_path / "out"), "--jobs", "2"]
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    ) as process:
        children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
        deadline = time.monotonic() + 30
        while process.poll() is None and not children.read_text().split() and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.2)  # the command is past spawning them (it ignores Ctrl-C meanwhile); they still import
        assert process.poll() is None, "the command ended before its workers started"
        os.killpg(process.pid, signal.SIGINT)  # a terminal's Ctrl-C reaches the whole group
        _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr, stderr
    assert not (tmp_path / "out").exists()
