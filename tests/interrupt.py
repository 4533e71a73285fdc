"""Pressing Ctrl-C on a running `stemglue` command, as a user at a terminal does."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest


def ctrl_c_once_started(
    command: list[str], started: Path, pattern: str, timeout_s: float = 3.0, stop: int = signal.SIGINT
) -> tuple[int, str]:
    """Run the command, wait until a file matching `pattern` appears in `started` (its output has
    begun: the import is over), let it work a second, send SIGINT (or `stop`: SIGTERM is `kill`'s
    and `timeout`'s); (exit code, stderr). Fails if it ends before, or runs on more than timeout_s
    after (then its stack is in the failure)."""
    with subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ | {"PYTHONFAULTHANDLER": "1"},
        # As from a terminal. A runner started in the background (nohup, `&` without job control)
        # ignores SIGINT, the child would inherit that, and Python keeps an ignored SIGINT ignored.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    ) as process:
        deadline = time.monotonic() + 30
        while not list(started.glob(pattern)) and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.05)
        time.sleep(1.0)
        assert process.poll() is None, "the command ended before it could be interrupted"
        process.send_signal(stop)
        try:
            _, stderr = process.communicate(timeout=timeout_s)  # about 0.2 s when idle; slack for a loaded machine
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGABRT)  # faulthandler prints where it was stuck
            _, stderr = process.communicate(timeout=10)
            pytest.fail(f"the command went on after Ctrl-C:\n{stderr}")
        finally:
            process.kill()
    return process.returncode, stderr
