"""The root of a ratio of two slowly averaged powers, the mirror of
cpp/include/stemglue/ticked_power_ratio.h.

sqrt((<p> + floor) / (<q> + floor)), <> one-pole averages y = (1 - a) p + a y, taken only every
TICK_SAMPLES samples: each tick interval's powers are kept by phase and folded in at its end,
a^32 y + sum_q (1 - a) a^(31 - q) p_q (the recursion's value at the tick); the root is taken at each
tick and ramped to over the next interval. Ticks fall on the timeline, so the result does not
depend on how the stream is cut into blocks. Optionally capped at cap_db over the time average of
a level in dB, read at each tick after a heard interval (one whose p was not all zero):
m = a^32 m + (1 - a^32) level, its weight alike.
"""

from __future__ import annotations

import numpy as np

from stemglue.reference.smooth_random import CONTROL_INTERVAL

TICK_SAMPLES = CONTROL_INTERVAL  # the control tick of the other slow values
FLOOR_POWER = 1e-12  # so silence on both sides gives 1
FLOOR_WEIGHT = 1e-12  # so a level never heard averages 0 dB


class TickedPowerRatio:
    def __init__(self) -> None:
        self._cap = 1.0
        self.set_average(0.0)
        self.reset()

    def set_cap(self, cap_db: float) -> None:
        """Cap the root at cap_db over the level's time average (process() given the level)."""
        self._cap = 10.0 ** (cap_db / 20.0)

    def set_average(self, coefficient: float) -> None:
        """The one-pole's coefficient a (per sample); takes effect at the next tick."""
        # a^0 ... a^32, by the same products as C++
        decays = np.cumprod(np.concatenate([[1.0], np.full(TICK_SAMPLES, coefficient)]))
        self._weights = (1 - coefficient) * decays[TICK_SAMPLES - 1 :: -1]
        self._interval_decay = decays[-1]

    def reset(self) -> None:
        """Averages from zero (the root from 1)."""
        self._averages = np.zeros(2)  # numerator, denominator
        self._level_mean = np.zeros(2)  # the capped level's time average: level, weight
        self._interval = np.zeros((2, TICK_SAMPLES))  # this interval's powers, by phase
        self._root_from = self._root_to = 1.0  # at the last two ticks

    def process(
        self, position: int, numerator: np.ndarray, denominator: np.ndarray, level_db: np.ndarray | None = None
    ) -> np.ndarray:
        """The root for the powers of the samples from timeline position `position` on; level_db: the
        capped level, per sample (read at ticks)."""
        n = len(numerator)
        root = np.empty(n)
        start = 0
        while start < n:
            phase = (position + start) % TICK_SAMPLES
            if phase == 0:  # the interval just completed moves the averages, and the root's next target
                heard = bool(np.any(self._interval[0] != 0.0))
                self._averages = self._interval_decay * self._averages + self._interval @ self._weights
                self._interval[:] = 0.0  # phases a seek or a pause skips count as silence, not again
                floored = self._averages + FLOOR_POWER
                self._root_from, self._root_to = self._root_to, float(np.sqrt(floored[0] / floored[1]))
                if level_db is not None:
                    if heard:
                        decay = self._interval_decay
                        self._level_mean = decay * self._level_mean + (1.0 - decay) * np.array([level_db[start], 1.0])
                    mean_db = self._level_mean[0] / (self._level_mean[1] + FLOOR_WEIGHT)
                    self._root_to = min(self._root_to, self._cap * 10.0 ** (mean_db / 20.0))
            end = min(n, start + TICK_SAMPLES - phase)
            self._interval[0, phase : phase + end - start] = numerator[start:end]
            self._interval[1, phase : phase + end - start] = denominator[start:end]
            ramp = np.arange(phase, phase + end - start) / TICK_SAMPLES
            root[start:end] = self._root_from + (self._root_to - self._root_from) * ramp
            start = end
        return root
