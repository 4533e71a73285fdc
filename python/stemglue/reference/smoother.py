"""Linear parameter smoother, the mirror of cpp/include/stemglue/smoother.h."""

from __future__ import annotations

import numpy as np

from stemglue._parameters import _round_half_away, parameters


class LinearSmoother:
    """A new target starts a ramp of fixed length from the current value (the same target again
    changes nothing); 0 ms jumps."""

    def __init__(self) -> None:
        self.current = 0.0
        self.target = 0.0
        self.step = 0.0
        self.remaining = 0
        self.ramp_samples = 0

    def prepare(self, sample_rate: float, smoothing_ms: float) -> None:
        self.ramp_samples = int(_round_half_away(sample_rate * smoothing_ms * 0.001))  # std::lround, as C++

    def snap_to_target(self) -> None:
        self.current = self.target
        self.remaining = 0

    def reset(self, value: float) -> None:
        self.target = value
        self.snap_to_target()

    def set_target(self, value: float) -> None:
        if value == self.target:  # a host re-sending automation does not restart the ramp
            return
        self.target = value
        if self.ramp_samples <= 0:
            self.snap_to_target()
            return
        self.remaining = self.ramp_samples
        self.step = (self.target - self.current) / self.ramp_samples

    @property
    def is_smoothing(self) -> bool:
        return self.remaining > 0

    def next_values(self, num_samples: int) -> np.ndarray:
        """The next num_samples values."""
        values = np.full(num_samples, self.target, dtype=np.float64)
        if self.remaining == 0:
            values[:] = self.current
            return values
        ramp = min(self.remaining, num_samples)
        values[:ramp] = self.current + self.step * np.arange(1, ramp + 1)
        self.remaining -= ramp
        if self.remaining == 0:
            values[ramp - 1] = self.target
            self.current = self.target
        else:
            self.current = float(values[ramp - 1])
        return values


def module_smoothers(module: str, sample_rate: float | None = None) -> dict[str, LinearSmoother]:
    """One smoother per smoothed parameter of a module (from the table), keyed by the id without
    the module prefix, prepared for sample_rate when given."""
    smoothers = {}
    for spec in parameters():
        if spec.module == module and spec.timing == "smoothed":
            smoother = LinearSmoother()
            if sample_rate is not None:
                smoother.prepare(sample_rate, spec.smoothing_ms)
            smoothers[spec.id.removeprefix(f"{module}_")] = smoother
    return smoothers
