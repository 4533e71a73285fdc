"""The root of a ratio of two slowly averaged powers, the mirror of
cpp/include/stemglue/ticked_power_ratio.h.

sqrt((<p> + floor) / (<q> + floor)), or with decibels, 10^(<p> / (<q> + floor) / 20) (the weighted
mean of a level in dB as a factor: p the weighted dB, q the weights); <> one-pole averages
y = (1 - a) p + a y, taken only every
TICK_SAMPLES samples: each tick interval's powers are kept by phase and folded in at its end,
a^32 y + sum_q (1 - a) a^(31 - q) p_q (the recursion's value at the tick); the root is taken at each
tick and ramped to over the next interval. Ticks fall on the timeline, so the result does not
depend on how the stream is cut into blocks.
"""

from __future__ import annotations

import numpy as np

from stemglue.reference.smooth_random import CONTROL_INTERVAL

TICK_SAMPLES = CONTROL_INTERVAL  # the control tick of the other slow values
FLOOR_POWER = 1e-12  # so silence on both sides gives 1


class TickedPowerRatio:
    def __init__(self, decibels: bool = False) -> None:
        self._decibels = decibels
        self.set_average(0.0)
        self.reset()

    def set_average(self, coefficient: float) -> None:
        """The one-pole's coefficient a (per sample); takes effect at the next tick."""
        # a^0 ... a^32, by the same products as C++
        decays = np.cumprod(np.concatenate([[1.0], np.full(TICK_SAMPLES, coefficient)]))
        self._weights = (1 - coefficient) * decays[TICK_SAMPLES - 1 :: -1]
        self._interval_decay = decays[-1]

    def reset(self) -> None:
        """Averages from zero (the root from 1)."""
        self._averages = np.zeros(2)  # numerator, denominator
        self._interval = np.zeros((2, TICK_SAMPLES))  # this interval's powers, by phase
        self._root_from = self._root_to = 1.0  # at the last two ticks

    def process(self, position: int, numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
        """The root for the powers of the samples from timeline position `position` on."""
        n = len(numerator)
        root = np.empty(n)
        start = 0
        while start < n:
            phase = (position + start) % TICK_SAMPLES
            if phase == 0:  # the interval just completed moves the averages, and the root's next target
                self._averages = self._interval_decay * self._averages + self._interval @ self._weights
                self._interval[:] = 0.0  # phases a seek or a pause skips count as silence, not again
                self._root_from, self._root_to = self._root_to, self._factor()
            end = min(n, start + TICK_SAMPLES - phase)
            self._interval[0, phase : phase + end - start] = numerator[start:end]
            self._interval[1, phase : phase + end - start] = denominator[start:end]
            ramp = np.arange(phase, phase + end - start) / TICK_SAMPLES
            root[start:end] = self._root_from + (self._root_to - self._root_from) * ramp
            start = end
        return root

    def _factor(self) -> float:
        if self._decibels:
            return float(10.0 ** (self._averages[0] / (self._averages[1] + FLOOR_POWER) / 20.0))
        floored = self._averages + FLOOR_POWER
        return float(np.sqrt(floored[0] / floored[1]))
