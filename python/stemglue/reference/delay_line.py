"""Integer delay line; mirror of cpp/include/stemglue/delay_line.h."""

from __future__ import annotations

import numpy as np


class DelayLine:
    def __init__(self, delay_samples: int = 0) -> None:
        self.delay = delay_samples
        self.history = np.zeros(delay_samples)

    def set_delay(self, delay_samples: int) -> None:
        self.delay = delay_samples
        self.reset()

    def reset(self) -> None:
        self.history = np.zeros(self.delay)

    def process(self, x: np.ndarray) -> np.ndarray:
        """x delayed by the set number of samples."""
        joined = np.concatenate([self.history, x])
        self.history = joined[len(joined) - self.delay :]
        return joined[: len(x)]
