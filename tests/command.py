"""The installed `stemglue` command, run as a user runs it (a real process, real files)."""

import subprocess
import sys
from pathlib import Path

COMMAND = str(Path(sys.executable).parent / "stemglue")


def run(*arguments, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([COMMAND, *map(str, arguments)], capture_output=True, text=True, cwd=cwd, timeout=300)
