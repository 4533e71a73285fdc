"""Measured figures for Drift and Noise: flutter-meter readings against settings, cents, stereo
link, noise levels, pink slope, hum lines, periodicity, and C++/reference parity.
Run: python benchmarks/drift_noise_figures.py"""

import numpy as np
import scipy.signal
import stemglue
from stemglue import reference
from stemglue.analysis import a_weighted_rms_dbfs, flutter_meter, speed_deviation
from stemglue.demo import demo_mix
from stemglue.reference.drift import weighted_wow_rms
from stemglue.reference.noise import HUM_RECIPE_DB

RATE = 48000
STILL = {"wow_percent": 0.0, "flutter_percent": 0.0, "tilt_db": 0.0, "gain_db": 0.0}
OFF = {"hiss_db": -120.0, "hum_db": -120.0, "room_db": -120.0, "modulation_db": -120.0}


def tone(seconds, frequency=3150.0, channels=1):
    t = np.arange(int(seconds * RATE)) / RATE
    return np.tile(0.5 * np.sin(2 * np.pi * frequency * t), (channels, 1)).astype(np.float32)


def main():
    print("Flutter meter (3150 Hz, 4 Hz weighting, 2 sigma) / setting, 60 s, seeds 1-8:")
    for kind in ("wow", "flutter"):
        for setting in (0.02, 0.1, 0.3):
            ratios = [
                flutter_meter(
                    stemglue.Drift(**{**STILL, f"{kind}_percent": setting, "seed": seed})(tone(62), RATE)[0], RATE
                ).weighted_percent
                / setting
                for seed in range(1, 9)
            ]
            print(f"  {kind:7} {setting:4.2f} %: min {min(ratios):.3f}  max {max(ratios):.3f}")

    reading = flutter_meter(stemglue.Drift(**{**STILL, "wow_percent": 0.1})(tone(62, 1000.0), RATE)[0], RATE, 1000.0)
    predicted = 1200 / np.log(2) * 0.01 * 0.1 / (2 * np.sqrt(2) * weighted_wow_rms(1.0))
    print(f"\nCents SD, 1 kHz sine, wow 0.1 % at 1 Hz: {reading.cents_sd:.2f} (the depth law predicts {predicted:.2f})")

    print("\nStereo link -> L/R wow correlation (120 s, seeds 1-3):")
    for link in (100, 90, 80, 50, 0):
        values = []
        for seed in (1, 2, 3):
            out = stemglue.Drift(
                wow_percent=0.3, flutter_percent=0, tilt_db=0, gain_db=0, stereo_link_percent=link, seed=seed
            )(tone(120, channels=2), RATE)
            left, right = (speed_deviation(channel, RATE)[2000:-200] for channel in out)
            values.append(np.corrcoef(left, right)[0, 1])
        print(f"  {link:3} %: " + " ".join(f"{v:5.2f}" for v in values))

    silence = np.zeros((1, 30 * RATE), np.float32)
    print("\nNoise, silence in, 30 s:")
    for name, settings in (
        ("hiss white -70", {"hiss_db": -70.0, "hiss_color": 0.0}),
        ("hiss pink -70", {"hiss_db": -70.0, "hiss_color": 1.0}),
        ("room tone -70", {"room_db": -70.0}),
    ):
        print(
            f"  {name:15}: {a_weighted_rms_dbfs(stemglue.Noise(**{**OFF, **settings})(silence, RATE)[0], RATE):7.2f} dB(A) RMS"
        )
    pink = stemglue.Noise(**{**OFF, "hiss_db": -60.0, "hiss_color": 1.0})(silence, RATE)[0]
    f, psd = scipy.signal.welch(pink, RATE, nperseg=1 << 15)
    band = (f >= 20) & (f <= 500)
    print(f"  pink slope 20-500 Hz: {np.polyfit(np.log10(f[band]), 10 * np.log10(psd[band]), 1)[0]:.2f} dB/decade")
    hum = stemglue.Noise(**{**OFF, "hum_db": -60.0, "buzz_percent": 0.0})(silence, RATE)[0]
    spectrum = np.abs(np.fft.rfft(hum * np.hanning(len(hum)))) ** 2
    bins = np.fft.rfftfreq(len(hum), 1 / RATE)
    near = np.abs(bins - 50) < 5
    levels = [10 * np.log10(spectrum[np.abs(bins - 50 * k) <= 1].sum()) for k in range(1, 8)]
    print(
        f"  hum peak at {bins[near][np.argmax(spectrum[near])]:.2f} Hz; harmonic levels minus recipe (dB): "
        + " ".join(f"{lv - levels[0] - r:+.2f}" for lv, r in zip(levels, HUM_RECIPE_DB, strict=False))
    )
    white = stemglue.Noise(**{**OFF, "hiss_db": -60.0, "hiss_color": 0.0})(np.zeros((1, 60 * RATE), np.float32), RATE)[
        0
    ].astype(float)
    n = len(white)
    correlation = np.fft.irfft(np.abs(np.fft.rfft(white - white.mean(), 2 * n)) ** 2)[:n]
    print(
        f"  60 s white hiss: largest |autocorrelation| beyond 10 ms = {np.abs(correlation[480 : n // 2]).max() / correlation[0] * np.sqrt(n):.2f} / sqrt(N)"
    )

    worst = {}
    for name, native, ref, settings in (
        (
            "Drift",
            stemglue.Drift,
            reference.Drift,
            {"wow_percent": 0.3, "flutter_percent": 0.2, "tilt_db": 1, "gain_db": 1, "time_s": 1},
        ),
        (
            "Noise",
            stemglue.Noise,
            reference.Noise,
            {"hiss_db": -50.0, "hum_db": -55.0, "room_db": -50.0, "modulation_db": -40.0},
        ),
        ("StemGlue", stemglue.StemGlue, reference.StemGlue, {}),
    ):
        errors = []
        for rate in (44100, 48000, 96000):
            for channels in (1, 2):
                signal = demo_mix(rate, 1.0)[:channels].astype(np.float32)
                errors.append(
                    20 * np.log10(np.abs(native(**settings)(signal, rate) - ref(**settings)(signal, rate)).max())
                )
        worst[name] = max(errors)
    print(
        "\nParity C++ vs reference, demo music 1 s, 44.1/48/96 kHz, mono/stereo: "
        + ", ".join(f"{k} {v:.1f} dBFS" for k, v in worst.items())
    )


if __name__ == "__main__":
    main()
