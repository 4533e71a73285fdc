"""Streaming FIR filter; mirror of cpp/include/stemglue/fir_filter.h."""

from __future__ import annotations

import numpy as np
import scipy.signal


class FirFilter:
    def __init__(self, taps: np.ndarray) -> None:
        self.taps = np.asarray(taps, dtype=np.float64)
        self.reset()

    def reset(self) -> None:
        self.state = np.zeros(len(self.taps) - 1)

    def process(self, x: np.ndarray) -> np.ndarray:
        """y[j] = sum_i taps[i] x[j - i], continuing from the previous call."""
        y, self.state = scipy.signal.lfilter(self.taps, [1.0], x, zi=self.state)
        return y
