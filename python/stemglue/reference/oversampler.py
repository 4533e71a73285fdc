"""Oversampling by 1, 2, 4 or 8 through cascaded linear-phase halfbands.

Mirror of cpp/include/stemglue/oversampler.h. Here each 2x stage is written as the textbook
operation (zero-stuff then filter with 2h; filter with h then keep every other sample); the C++
core computes the same thing in polyphase form, skipping the zero taps.
"""

from __future__ import annotations

import numpy as np

from stemglue.reference.fir_filter import FirFilter

HALFBAND_TAPS = (95, 27, 19)  # stage k runs between 2^(k-1) fs and 2^k fs; each is 4m + 3
HALFBAND_KAISER_BETA = 10.06  # 0.1102 * (100 dB - 8.7)


def bessel_i0(x: float) -> float:
    """Modified Bessel function I0 by its power series (as the C++ core computes it)."""
    quarter_x_squared = 0.25 * x * x
    term = total = 1.0
    for k in range(1, 60):
        term *= quarter_x_squared / (k * k)
        total += term
    return total


def design_halfband(num_taps: int, kaiser_beta: float) -> np.ndarray:
    """Kaiser-windowed 0.5 sinc(n / 2): centre 0.5, every other tap exactly zero."""
    centre = (num_taps - 1) // 2
    taps = np.zeros(num_taps)
    window_norm = bessel_i0(kaiser_beta)
    for n in range(num_taps):
        offset = n - centre
        if offset == 0:
            taps[n] = 0.5
        elif offset % 2:
            distance = abs(offset)
            sign = 1.0 if distance % 4 == 1 else -1.0
            ratio = offset / centre  # exactly symmetric
            window = bessel_i0(kaiser_beta * np.sqrt(1.0 - ratio * ratio)) / window_norm
            taps[n] = sign / (np.pi * distance) * window
    return taps


class HalfbandStage:
    def __init__(self, num_taps: int) -> None:
        self.num_taps = num_taps
        taps = design_halfband(num_taps, HALFBAND_KAISER_BETA)
        self.interpolator = FirFilter(2.0 * taps)
        self.decimator = FirFilter(taps)

    def reset(self) -> None:
        self.interpolator.reset()
        self.decimator.reset()

    def upsample(self, x: np.ndarray) -> np.ndarray:
        stuffed = np.zeros(2 * len(x))
        stuffed[::2] = x
        return self.interpolator.process(stuffed)

    def downsample(self, x: np.ndarray) -> np.ndarray:
        return self.decimator.process(x)[::2]


class Oversampler:
    def __init__(self) -> None:
        self.stages = [HalfbandStage(taps) for taps in HALFBAND_TAPS]
        self.num_stages = 0

    def reset(self, factor: int) -> None:
        self.num_stages = {1: 0, 2: 1, 4: 2, 8: 3}[int(factor)]
        for stage in self.stages:
            stage.reset()

    @property
    def factor(self) -> int:
        return 1 << self.num_stages

    def upsample(self, x: np.ndarray) -> np.ndarray:
        for stage in self.stages[: self.num_stages]:
            x = stage.upsample(x)
        return x

    def downsample(self, x: np.ndarray) -> np.ndarray:
        for stage in reversed(self.stages[: self.num_stages]):
            x = stage.downsample(x)
        return x

    def round_trip_delay_top_rate(self) -> int:
        """Up + down group delay in top-rate samples: (N_k - 1) / 2 at 2^k fs each way."""
        return sum((HALFBAND_TAPS[k - 1] - 1) << (self.num_stages - k) for k in range(1, self.num_stages + 1))
