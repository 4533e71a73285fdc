"""Pitch steadiness of known partials: how far each one's instantaneous frequency strays, in cents.

In each short window the signal is fitted (least squares, all partials at once) by
(a + c t + e t^2) cos(w t) + (b + d t + g t^2) sin(w t) per partial w. A frequency offset turns the
phasor (a, b) at a rate (a d - b c) / (a^2 + b^2); a level change scales (a, b) and (c, d) together
and reads zero. So amplitude steps and swells, which make a filter-and-Hilbert demodulator read
tens of cents, leave this reading alone.
"""

from __future__ import annotations

import numpy as np


def partial_cents(
    audio: np.ndarray,
    sample_rate: float,
    partials_hz: list[float],
    window_ms: float = 10.0,
    hop_ms: float = 2.5,
) -> tuple[np.ndarray, np.ndarray]:
    """Deviation in cents of each partial's frequency from its nominal value, per window.

    audio: mono 1-D (or channels x samples: the channel mean). Returns (cents with shape
    (windows, partials), NaN where a partial is silent; the centre sample of each window)."""
    signal = np.asarray(audio, dtype=np.float64)
    if signal.ndim == 2:
        signal = signal.mean(axis=0)
    window = max(8, round(window_ms * sample_rate / 1000.0))
    hop = max(1, round(hop_ms * sample_rate / 1000.0))
    t = (np.arange(window) - window / 2) / sample_rate
    starts = np.arange(0, len(signal) - window + 1, hop)
    cents = np.empty((len(starts), len(partials_hz)))
    for row, start in enumerate(starts):
        centre_s = (start + window / 2) / sample_rate
        columns = []
        for frequency in partials_hz:
            phase = 2 * np.pi * frequency * (t + centre_s)
            cos, sin = np.cos(phase), np.sin(phase)
            columns += [cos, sin, t * cos, t * sin, t * t * cos, t * t * sin]
        coefficients, *_ = np.linalg.lstsq(np.array(columns).T, signal[start : start + window], rcond=None)
        for k, frequency in enumerate(partials_hz):
            a, b, c, d = coefficients[6 * k : 6 * k + 4]
            power = a * a + b * b
            turn = (a * d - b * c) / power if power > 1e-20 else np.nan  # rad/s; NaN where the partial is silent
            cents[row, k] = 1200.0 * np.log2(1.0 - turn / (2 * np.pi * frequency))
    return cents, starts + window // 2
