"""Sessions in parallel: worker threads within one session (--jobs), and many sessions as picklable
`stemglue.Session`s on a dask.distributed cluster of processes. Parallel is never different: the
same bytes as a serial render."""

import pickle

import numpy as np
import pytest
import soundfile
import stemglue
from command import run
from sessions import outputs, write_sessions


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """Two small sessions of three stems each."""
    return write_sessions(tmp_path_factory.mktemp("sessions"), (2.0, 1.5))


def test_jobs_render_the_same_bytes_as_one_thread(folders, tmp_path):
    runs = {}
    for jobs in (1, 2):
        result = run("render", folders[0], "-o", tmp_path / f"j{jobs}", "--jobs", jobs)
        assert result.returncode == 0, result.stderr
        runs[jobs] = outputs(tmp_path / f"j{jobs}")
    assert runs[1] == runs[2]
    result = run("render", folders[0], "-o", tmp_path / "x", "--jobs", 0)
    assert result.returncode == 2 and "--jobs" in result.stderr and not (tmp_path / "x").exists()


def test_a_session_pickles_and_renders_as_render_session_does(folders, tmp_path):
    session = stemglue.Session((folders[0],), tmp_path / "a", {"seed": 7}, layout="drum-kit", tail=False)
    copy = pickle.loads(pickle.dumps(session))
    assert copy == session
    rendered = copy.render()
    assert rendered.layout == "drum-kit" and rendered.output_frames == rendered.input_frames
    stemglue.render_session([folders[0]], tmp_path / "b", {"seed": 7}, layout="drum-kit", tail=False)
    assert outputs(tmp_path / "a") == outputs(tmp_path / "b")


def test_sessions_on_a_dask_cluster_give_the_bytes_of_serial_renders(folders, tmp_path):
    distributed = pytest.importorskip("distributed")
    sessions = [stemglue.Session((folder,), tmp_path / "cluster" / folder.name) for folder in folders]
    (tmp_path / "cluster").mkdir()
    with (
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        distributed.Client(cluster) as client,
    ):
        rendered = client.gather(client.map(stemglue.Session.render, sessions))
        worker_pids = set(client.run(lambda: __import__("os").getpid()).values())
    assert len(worker_pids) == 2 and all(r.stems == ["bass", "drums", "keys"] for r in rendered)
    (tmp_path / "serial").mkdir()
    for folder in folders:
        stemglue.render_session([folder], tmp_path / "serial" / folder.name)
    serial = {f.name: outputs(tmp_path / "serial" / f.name) for f in folders}
    clustered = {f.name: outputs(tmp_path / "cluster" / f.name) for f in folders}
    assert clustered == serial
    assert np.any(soundfile.read(tmp_path / "cluster" / "song0" / "mix.wav")[0])
