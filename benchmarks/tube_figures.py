"""Measured figures for the Tube: aliasing per oversampling factor and ADAA, harmonic signature,
DC, latency, and C++/reference parity. Run: python benchmarks/tube_figures.py"""

import numpy as np
import stemglue
from stemglue import reference
from stemglue.analysis import alias_snr_db, coherent_sine, dc_level_dbfs, harmonic_levels_dbc
from stemglue.demo import demo_mix

SAMPLE_RATE = 48000
WINDOW = 1 << 16


def steady(tube, frequency_hz, amplitude=1.0):
    signal, exact_hz = coherent_sine(frequency_hz, SAMPLE_RATE, 4 * WINDOW, amplitude, WINDOW)
    # the third window: the loudness match has settled (about 2 s)
    return tube(signal.astype(np.float32)[np.newaxis], SAMPLE_RATE)[0, 2 * WINDOW : 3 * WINDOW].astype(float), exact_hz


def main():
    print("In-band (< 16 kHz) alias SNR, coherent 5 kHz sine at 0 dBFS, 48 kHz, bias 0.3, bloom 30 %:")
    print(f"{'drive':>8} " + " ".join(f"{f}x {'ADAA' if a else 'naive':5}" for f in (1, 2, 4, 8) for a in (0, 1)))
    for drive in (0, 6, 12):
        row = []
        for factor in (1, 2, 4, 8):
            for adaa in (0, 1):
                window, f0 = steady(stemglue.Tube(drive_db=drive, oversampling=factor, adaa=adaa), 5000)
                row.append(f"{alias_snr_db(window, f0, SAMPLE_RATE):11.1f}")
        print(f"{drive:6} dB " + " ".join(row))

    print("\nHarmonics of a 1 kHz sine at -6 dBFS (dBc), drive 6 dB:")
    for bias in (0.0, 0.3, 0.8):
        window, f0 = steady(stemglue.Tube(bias=bias), 1000, 0.5)
        h = harmonic_levels_dbc(window, f0, SAMPLE_RATE, 5)
        print(
            f"  bias {bias:.1f}: H2 {h[0]:7.1f}  H3 {h[1]:7.1f}  H4 {h[2]:7.1f}  H5 {h[3]:7.1f}   DC {dc_level_dbfs(window):7.1f} dBFS"
        )

    print(
        "\nLatency (samples) by oversampling factor:",
        {f: stemglue.Tube(oversampling=f).latency_samples for f in (1, 2, 4, 8)},
    )

    worst = -np.inf
    for rate in (44100, 48000, 96000):
        for channels in (1, 2):
            signal = demo_mix(rate, 1.0)[:channels].astype(np.float32)
            for settings in (
                {},
                {"drive_db": 30, "bias": 1, "oversampling": 8},
                {"oversampling": 1, "adaa": 0, "tone_db": 9},
            ):
                error = np.abs(stemglue.Tube(**settings)(signal, rate) - reference.Tube(**settings)(signal, rate)).max()
                worst = max(worst, 20 * np.log10(error))
    print(f"\nParity C++ vs reference, demo music 1 s, 44.1/48/96 kHz, mono/stereo, 3 settings: worst {worst:.1f} dBFS")


if __name__ == "__main__":
    main()
