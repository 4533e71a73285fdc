"""Integer delay line; mirror of cpp/include/stemglue/delay_line.h."""

from __future__ import annotations

import numpy as np


class DelayLine:
    def __init__(self, delay_samples: int = 0) -> None:
        self.set_delay(delay_samples)

    def set_delay(self, delay_samples: int, history_samples: int = 0) -> None:
        """The delay, and how many inputs to keep in ``history`` (at least the delay); clears it."""
        self.delay = delay_samples
        self.history_samples = max(delay_samples, history_samples)
        self.reset()

    def reset(self) -> None:
        self.history = np.zeros(self.history_samples)

    def process(self, x: np.ndarray) -> np.ndarray:
        """x delayed by the set number of samples."""
        joined = np.concatenate([self.history, x])
        self.history = joined[len(joined) - self.history_samples :]
        start = len(joined) - len(x) - self.delay
        return joined[start : start + len(x)]
