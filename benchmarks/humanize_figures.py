"""Measured figures for Humanize: offset statistics and hit levels as an independent meter reads
them (template cross-correlation, never the module's detector), the detector's F-measure on
generated stems under hiss, C++/reference parity and latency.
Run: python benchmarks/humanize_figures.py"""

import sys
from pathlib import Path

import numpy as np
import stemglue
from stemglue import reference
from stemglue.analysis import hit_peak_levels_db, locate_onsets, onset_f_measure, timing_statistics

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from signals import STEM_PEAK, bass_stem, click_grid, click_template, drum_stem, keys_stem, vocal_stem, with_hiss  # noqa: E402

RATE = 48000
STILL = {"timing_ms": 0.0, "feel_ms": 0.0, "band_drift_ms": 0.0, "dynamics_db": 0.0, "accent_db": 0.0}
GRID, ONSETS = click_grid(bpm=120, num_hits=4800, sample_rate=RATE)


def offsets_ms(settings):
    output = stemglue.Humanize(**settings)(GRID, RATE)
    return (locate_onsets(output, RATE, click_template(RATE), ONSETS, search_ms=62.5) - ONSETS) / RATE * 1000.0


def main():
    print("Click grid, 120 bpm sixteenths, 4800 hits, feel 3 ms, correlation 0.7; seeds 1-3:")
    for timing_ms in (2.0, 5.0, 10.0, 20.0):
        readings = [
            timing_statistics(
                offsets_ms({**STILL, "timing_ms": timing_ms, "feel_ms": 3.0, "max_shift_ms": 100.0, "seed": s})
            )
            for s in (1, 2, 3)
        ]
        sd = ", ".join(f"{r.sd_ms / timing_ms:.3f}" for r in readings)
        mean = ", ".join(f"{r.mean_ms:+.2f}" for r in readings)
        print(f"  timing {timing_ms:4.1f} ms: SD / setting {sd}; mean {mean} ms")

    print("\nCorrelation, timing 5 ms (lag-1 autocorrelation, periodogram slope over 1/64..1/2 per event):")
    for tempo_bpm in (0.0, 120.0):
        for correlation in (0.0, 0.5, 1.0):
            r = timing_statistics(
                offsets_ms({**STILL, "timing_ms": 5.0, "correlation": correlation, "tempo_bpm": tempo_bpm})
            )
            print(f"  tempo {tempo_bpm:5.1f}, correlation {correlation:.1f}: lag-1 {r.lag1:+.3f}, slope {r.slope:+.2f}")

    print("\nHit level SD (identical clicks, 2400 hits, correlation 0):")
    grid, onsets = click_grid(bpm=120, num_hits=2400, sample_rate=RATE)
    for dynamics_db in (0.5, 1.0, 2.0, 3.0):
        output = stemglue.Humanize(**(STILL | {"dynamics_db": dynamics_db, "correlation": 0.0}))(grid, RATE)
        levels = hit_peak_levels_db(output, onsets, int(0.03 * RATE))
        print(f"  dynamics {dynamics_db:.1f} dB: SD {np.std(levels, ddof=1):.3f} dB")

    print("\nDetector at default sensitivity, 20 s stems with white hiss at -60 dBFS, +-10 ms (P / R / F):")
    for name, stem in (("drums", drum_stem), ("bass", bass_stem), ("keys", keys_stem), ("vocal", vocal_stem)):
        scores = []
        for seed in (0, 1, 2):
            audio, truth = stem(20.0, RATE, seed=seed)
            probe = reference.Humanize()
            probe(with_hiss(audio, -60.0, seed=seed + 1), RATE)
            scores.append(" / ".join(f"{v:.2f}" for v in onset_f_measure(np.array(probe.events), truth, 0.010 * RATE)))
        print(f"  {name:6} {'; '.join(scores)}")

    drums, _ = drum_stem(6.0, RATE, seed=2)
    settings = {"timing_ms": 12.0, "dynamics_db": 2.0, "tempo_bpm": 120.0, "accent_db": 3.0}
    native, ref = stemglue.Humanize(**settings)(drums, RATE), reference.Humanize(**settings)(drums, RATE)
    print(
        f"\nParity C++ vs reference on a drum stem (peak {20 * np.log10(STEM_PEAK):.0f} dBFS): "
        f"{20 * np.log10(np.max(np.abs(native - ref)) + 1e-30):.1f} dBFS max abs error"
    )
    humanize = stemglue.Humanize()
    humanize.prepare(RATE, 512, 2)
    print(
        f"Latency at defaults (max shift 20 ms, crossfade 3 ms): {humanize.latency_samples} samples "
        f"({1000 * humanize.latency_samples / RATE:.1f} ms)"
    )


if __name__ == "__main__":
    main()
