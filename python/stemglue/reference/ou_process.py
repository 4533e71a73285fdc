"""Ornstein-Uhlenbeck wander at the control rate; mirror of cpp/include/stemglue/ou_process.h."""

from __future__ import annotations

import numpy as np

from stemglue.reference.random import random_gaussian

CONTROL_INTERVAL = 32  # samples between modulation updates, of the timeline


class OrnsteinUhlenbeck:
    def __init__(self) -> None:
        self.key = 0
        self.tick = 0
        self.decay = 0.0
        self.drive = 1.0
        self.value = 0.0

    def prepare(self, time_constant_s: float, tick_rate_hz: float, key: int) -> None:
        self.key = key
        self.set_time_constant(time_constant_s, tick_rate_hz)

    def set_time_constant(self, time_constant_s: float, tick_rate_hz: float) -> None:
        self.decay = float(np.exp(-1.0 / (time_constant_s * tick_rate_hz)))
        self.drive = float(np.sqrt(1.0 - self.decay * self.decay))

    def reset(self, tick: int = 0) -> None:
        self.tick = tick
        self.value = self._draw()

    def step(self) -> float:
        self.value = self.decay * self.value + self.drive * self._draw()
        return self.value

    def _draw(self) -> float:
        draw = float(random_gaussian(self.key, np.array([self.tick]))[0])
        self.tick += 1
        return draw
