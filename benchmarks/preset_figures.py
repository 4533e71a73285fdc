"""Measured figures behind each factory preset's description: the weighted flutter a meter reads on
the preset's output, the A-weighted floor it adds to silence, and the loudness change (ITU-R
BS.1770, pyloudnorm) on the stems of tests/test_loudness.py. Rerun after any change to the DSP or to
cpp/include/stemglue/presets.h.
Run: python benchmarks/preset_figures.py [--seconds 62] [--seeds 4]"""

import argparse
import sys
from pathlib import Path

import numpy as np
import stemglue
from stemglue.analysis import a_weighted_rms_dbfs, flutter_meter

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from test_loudness import RATE, STEMS, loudness  # noqa: E402 - the loudness test's own stems and meter


def tone(seconds: float, frequency: float = 3150.0) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return np.tile(0.25 * np.sin(2 * np.pi * frequency * t), (2, 1)).astype(np.float32)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=62.0, help="length of the flutter tone and the silence")
    parser.add_argument("--seeds", type=int, default=4, help="seeds (tape transports) per flutter reading")
    arguments = parser.parse_args()

    test_tone = tone(arguments.seconds)
    silence = np.zeros((2, int(arguments.seconds * RATE)), np.float32)
    names = list(STEMS)
    print(
        "Flutter: DIN/IEC weighted meter (3150 Hz, 2 sigma) on the left output, the room switched off (it is not the\n"
        f"transport), min-max over seeds 1-{arguments.seeds}; floor: A-weighted RMS of the left output for silence in,\n"
        f"{arguments.seconds:g} s; loudness change in LU (pyloudnorm) per stem of tests/test_loudness.py.\n"
    )
    print(f"{'preset':20} {'flutter %':>13} {'floor dB(A)':>11}  " + " ".join(f"{name:>6}" for name in names))
    for preset in stemglue.presets():
        readings = [
            flutter_meter(
                stemglue.StemGlue.from_preset(preset.name, room_enabled=0, seed=seed)(test_tone, RATE)[0][RATE:], RATE
            ).weighted_percent
            for seed in range(1, arguments.seeds + 1)
        ]
        floor = a_weighted_rms_dbfs(stemglue.StemGlue.from_preset(preset.name)(silence, RATE)[0][RATE:], RATE)
        changes = [
            loudness(stemglue.StemGlue.from_preset(preset.name)(STEMS[name], RATE)) - loudness(STEMS[name])
            for name in names
        ]
        print(
            f"{preset.name:20} {min(readings):5.3f}-{max(readings):5.3f}   {floor:9.1f}  "
            + " ".join(f"{change:+6.2f}" for change in changes)
        )


if __name__ == "__main__":
    main()
