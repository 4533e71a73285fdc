"""A stem's spectral balance: its long-term average spectrum in third-octave bands, the slope of
its power density across them (dB per octave: pink noise -3, white 0; mixed music is usually
-3 to -6) and its spectral centroid. What the tube's tilt, the room's absorption and the tape's
hiss move, and what a before/after comparison should show moved no more than meant."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.signal

#: Third-octave bands, 31.5 Hz to 16 kHz: ISO 266's nominal names, exact base-2 centres.
BAND_NAMES = (
    "31.5 40 50 63 80 100 125 160 200 250 315 400 500 630 800 1k 1.25k 1.6k 2k 2.5k 3.15k 4k 5k 6.3k 8k 10k 12.5k 16k"
)
BAND_CENTRES_HZ = tuple(1000.0 * 2.0 ** (k / 3) for k in range(-15, 13))
#: The slope is fitted over the bands named 50 Hz to 12.5 kHz (exact centres 49.6 Hz to 12.7 kHz):
#: below, bands hold few bins; above, converters roll off.
TILT_RANGE_HZ = (50.0 * 2 ** (-1 / 6), 12500.0 * 2 ** (1 / 6))
#: Welch segments about fs / 3 long (16384 at 48 kHz): the 31.5 Hz band's 7 Hz hold 2.5 bins.
RESOLUTION_HZ = 3.0


@dataclass(frozen=True)
class SpectralBalance:
    tilt_db_per_octave: float | None
    centroid_hz: float | None
    bands_db: dict[str, float]  # band power re the stem's whole power, by nominal name ("1k")


def spectral_balance(mono: np.ndarray, sample_rate: float) -> SpectralBalance:
    mono = np.asarray(mono, np.float64)
    size = 1 << int(np.ceil(np.log2(sample_rate / RESOLUTION_HZ)))
    if len(mono) < size or not np.any(mono):
        return SpectralBalance(None, None, {})
    # float32 halves the FFTs' time; the band levels need nothing like its 150 dB of resolution
    frequencies, density = scipy.signal.welch(mono.astype(np.float32), sample_rate, nperseg=size)
    density = density.astype(np.float64)
    total = float(np.sum(density))
    if total <= 0:
        return SpectralBalance(None, None, {})
    # each band's power from the spectrum's running sum at the band's edges, interpolated within a
    # bin: a low band spans few bins, and counting whole ones would misread it by up to 1 dB
    step = frequencies[1] - frequencies[0]
    running = np.concatenate([[0.0], np.cumsum(density)])
    bin_edges = np.concatenate([frequencies - step / 2, [frequencies[-1] + step / 2]])
    bands, centres, mean_density = {}, [], []
    for name, centre in zip(BAND_NAMES.split(), BAND_CENTRES_HZ, strict=True):
        low, high = centre * 2 ** (-1 / 6), centre * 2 ** (1 / 6)
        if high > 0.5 * sample_rate:
            break
        power = float(np.interp(high, bin_edges, running) - np.interp(low, bin_edges, running))
        bands[name] = round(float(10 * np.log10(max(power / total, 1e-30))), 2)
        if TILT_RANGE_HZ[0] <= centre <= TILT_RANGE_HZ[1] and power > 0:
            centres.append(centre)
            mean_density.append(power / (high - low))
    tilt = None
    if len(centres) >= 3:
        tilt = float(np.polyfit(np.log2(centres), 10 * np.log10(mean_density), 1)[0])
    centroid = float(np.sum(frequencies * density) / total)
    return SpectralBalance(tilt, centroid, bands)
