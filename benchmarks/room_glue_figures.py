"""Measured figures for Room and GlueCompressor. Run: python benchmarks/room_glue_figures.py"""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
import stemglue  # noqa: E402
from stemglue import reference  # noqa: E402
from stemglue.analysis import normalized_echo_density, spectral_line_excess_db  # noqa: E402
from stemglue.analysis.reverb import THIRD_OCTAVE_CENTRES_HZ  # noqa: E402
from stemglue.demo import demo_mix  # noqa: E402
from test_glue_compressor import RATE, gain_reduction_trace, time_to_fraction, tone  # noqa: E402
from test_room import band_decay_ratios, impulse_response  # noqa: E402


def main():
    print("Room: third-octave T30 / design, damping 1 (125 Hz | worst of 250 Hz-8 kHz):")
    for rt60 in (0.3, 1.0, 2.5):
        pooled = band_decay_ratios(rt60)
        worst = 3 + int(np.argmax(np.abs(pooled[3:] - 1)))
        singles = [band_decay_ratios(rt60, seeds=[seed]) for seed in range(1, 17)]
        print(
            f"  RT60 {rt60:.1f} s, seeds 1-32 pooled: 125 Hz {pooled[0]:.3f} | worst {pooled[worst]:.3f} at "
            f"{THIRD_OCTAVE_CENTRES_HZ[worst]:.0f} Hz; one seed alone (seeds 1-16): 125 Hz off by up to "
            f"{max(abs(r[0] - 1) for r in singles):.1%}, 250 Hz-8 kHz by up to {max(np.max(np.abs(r[3:] - 1)) for r in singles):.1%}"
        )
    late = np.vstack(
        [impulse_response(0.4, early_percent=0, rt60_s=1.0, predelay_ms=0, seed=seed) for seed in range(1, 9)]
    )
    at_50_ms = [normalized_echo_density(r, RATE)[int(0.05 * RATE)] for r in late]
    print(f"  NED at 50 ms (late field, L/R of seeds 1-8): {min(at_50_ms):.2f} to {max(at_50_ms):.2f}")
    full = impulse_response(0.4, early_percent=50, rt60_s=1.0, predelay_ms=0)[0]
    ned = normalized_echo_density(full, RATE)
    print(
        f"  NED with early reflections at 50 %: {ned[int(0.05 * RATE)]:.2f} at 50 ms, {ned[int(0.08 * RATE)]:.2f} at 80 ms"
    )
    for modulation in (0.0, 30.0, 100.0):
        tail = impulse_response(
            3.0, channels=1, early_percent=0, rt60_s=2.5, modulation_percent=modulation, predelay_ms=0
        )[0]
        print(
            f"  strongest tail line above its third-octave median, modulation {modulation:.0f} %: "
            f"{spectral_line_excess_db(tail[int(0.1 * RATE) :], RATE):.1f} dB"
        )

    print("\nGlueCompressor:")
    for attack in (3.0, 10.0, 30.0):
        compressor = stemglue.GlueCompressor(
            threshold_db=-30, ratio=4, knee_db=0, attack_ms=attack, auto_release=0, release_ms=1200
        )
        trace = gain_reduction_trace(compressor, tone([-50.0, -6.0], 1.0))
        print(
            f"  attack {attack:4.0f} ms -> 63 % in {1000 * time_to_fraction(trace[: int(1.6 * RATE)], RATE, 0.632, True):.2f} ms"
        )
    for release in (100.0, 300.0, 1000.0):
        compressor = stemglue.GlueCompressor(
            threshold_db=-30, ratio=4, knee_db=0, attack_ms=1, auto_release=0, release_ms=release
        )
        trace = gain_reduction_trace(compressor, tone([-6.0, -80.0], 4.0))
        print(
            f"  release {release:5.0f} ms -> 63 % recovered in {1000 * time_to_fraction(trace, 4 * RATE, 0.632, False):.1f} ms"
        )
    for ratio in (2.0, 4.0, 10.0):
        levels = np.arange(-24 + 2, 0.1, 2.0)
        outputs = [
            20
            * np.log10(
                np.max(
                    np.abs(
                        stemglue.GlueCompressor(
                            threshold_db=-24, ratio=ratio, knee_db=0, auto_release=0, release_ms=1200
                        )(tone([lv], 0.5), RATE)[0, RATE // 4 :]
                    )
                )
            )
            for lv in levels
        ]
        print(f"  ratio {ratio:4.1f}: static slope {np.polyfit(levels, outputs, 1)[0]:.4f} (1/R = {1 / ratio:.4f})")
    recoveries = []
    for burst in (0.05, 2.0):
        compressor = stemglue.GlueCompressor(threshold_db=-30, ratio=4, knee_db=0, attack_ms=1, auto_release=1)
        signal = np.concatenate([tone([-80.0], 1.0), tone([-6.0], burst), tone([-80.0], 4.0)], axis=1)
        trace = gain_reduction_trace(compressor, signal)
        end = int((1.0 + burst) * RATE)
        recoveries.append(np.nonzero(trace[end:] <= 0.368 * trace[end - 10])[0][0] / RATE)
    print(
        f"  auto release, 63 % recovery: after 50 ms burst {1000 * recoveries[0]:.0f} ms, after 2 s burst {1000 * recoveries[1]:.0f} ms"
    )

    worst = {}
    for name, native, ref in (
        ("Room", stemglue.Room, reference.Room),
        ("GlueCompressor", stemglue.GlueCompressor, reference.GlueCompressor),
    ):
        errors = []
        for rate in (44100, 48000, 96000):
            for channels in (1, 2):
                signal = (2 * demo_mix(rate, 1.0)[:channels]).astype(np.float32)
                errors.append(
                    20
                    * np.log10(np.abs(native(mix_percent=100)(signal, rate) - ref(mix_percent=100)(signal, rate)).max())
                )
        worst[name] = max(errors)
    print(
        "\nParity C++ vs reference (demo music x2, 1 s, 44.1/48/96 kHz, mono/stereo): "
        + ", ".join(f"{k} {v:.1f} dBFS" for k, v in worst.items())
    )


if __name__ == "__main__":
    main()
