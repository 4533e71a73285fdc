"""How long `stemglue analyze` takes on 8 stereo stems x 3 minutes at 48 kHz (the issue's case), its
peak memory with a report, and (--profile) where the time goes.
Run: python benchmarks/analyze_figures.py [--minutes 3]"""

import argparse
import cProfile
import pstats
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from session_figures import peak_memory_mb, write_stems  # noqa: E402 - the session benchmark's helpers
from stemglue.analysis.multitrack import analyze, load_stems  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--profile", action="store_true", help="print the ten costliest functions")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "stems"
        write_stems(folder, 8, arguments.minutes * 60)
        start = time.perf_counter()
        profile = cProfile.Profile() if arguments.profile else None
        if profile:
            profile.enable()
        stems = load_stems(sorted(folder.iterdir()))
        analyze(stems)
        if profile:
            profile.disable()
        wall = time.perf_counter() - start
        print(f"8 stereo stems x {arguments.minutes:g} min at 48 kHz (28 pairs): analysed in {wall:.1f} s")
        command = [str(Path(sys.executable).parent / "stemglue"), "analyze", str(folder)]
        start = time.perf_counter()
        peak_mb = peak_memory_mb([*command, "--report", str(Path(scratch) / "report.html")])
        print(
            f"  the command with --report: {time.perf_counter() - start:.1f} s, peak resident memory {peak_mb:.0f} MB"
        )
        if profile:
            pstats.Stats(profile).sort_stats("cumulative").print_stats(25)


if __name__ == "__main__":
    main()
