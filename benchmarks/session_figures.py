"""Session speed and memory, measured on this machine: 8 stereo stems x 60 s at 48 kHz (the
issue's speed case) rendered with --jobs 1 and 2, and the peak memory (maximum resident set) of a
16 stereo stems x 5 min session rendered by the command. Session real-time factor = session
seconds per wall second.
Run: python benchmarks/session_figures.py [--seconds 60] [--memory-minutes 5]"""

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile
import stemglue
from stemglue.demo import demo_stems

RATE = 48000
NAMES = ["kick", "snare", "hat", "overheads", "bass", "guitar", "keys", "vocal"]


def write_stems(folder: Path, count: int, seconds: float) -> None:
    """`count` stereo 24-bit stems made from the demo's stems, each its own seed."""
    folder.mkdir(parents=True)
    for index in range(count):
        mono = list(demo_stems(RATE, seconds, seed=index).values())[index % 5]
        stereo = np.stack([mono, np.roll(mono, 7)], axis=1)
        soundfile.write(folder / f"{NAMES[index % 8]}{index // 8 or ''}.wav", stereo, RATE, subtype="PCM_24")


def peak_memory_mb(command: list[str]) -> float:
    """Run the command; its own peak resident memory (VmHWM, read while it runs: the rusage of a
    child counts the parent's pages it was forked from)."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    peak_kb = 0
    while process.poll() is None:
        try:
            status = Path(f"/proc/{process.pid}/status").read_text()
            peak_kb = max(peak_kb, int(status.split("VmHWM:")[1].split()[0]))
        except (OSError, IndexError):
            pass  # exiting
        time.sleep(0.2)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)}: exit {process.returncode}")
    return peak_kb / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the 8-stem speed session")
    parser.add_argument("--memory-minutes", type=float, default=5.0, help="length of the 16-stem memory session")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        write_stems(root / "eight", 8, arguments.seconds)
        print(f"8 stereo stems x {arguments.seconds:g} s at {RATE} Hz (56 bleed pairs, default settings):")
        for jobs in (1, 2):
            start = time.perf_counter()
            stemglue.render_session([root / "eight"], root / f"out{jobs}", jobs=jobs)
            wall = time.perf_counter() - start
            print(f"  --jobs {jobs}: {wall:6.1f} s wall, {arguments.seconds / wall:5.1f}x real time")

        write_stems(root / "sixteen", 16, arguments.memory_minutes * 60)
        command = [str(Path(sys.executable).parent / "stemglue"), "render", str(root / "sixteen"), "-o"]
        start = time.perf_counter()
        peak_mb = peak_memory_mb([*command, str(root / "out16"), "--jobs", "2"])
        wall = time.perf_counter() - start
        size_mb = 16 * 2 * arguments.memory_minutes * 60 * RATE * 4 / 1e6
        print(
            f"16 stereo stems x {arguments.memory_minutes:g} min ({size_mb:.0f} MB as float32, 240 bleed pairs): "
            f"peak resident memory {peak_mb:.0f} MB, {wall:.0f} s wall "
            f"({arguments.memory_minutes * 60 / wall:.1f}x real time, --jobs 2)"
        )


if __name__ == "__main__":
    main()
