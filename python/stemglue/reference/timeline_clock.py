"""A quantity advancing at a settable rate per timeline step; mirror of cpp/include/stemglue/timeline_clock.h.

While the rate holds, its value is a pure function of the step (anchor + rate * steps), so a
restart at a seek lands where a full render at that rate is; a rate change re-anchors it.
"""

from __future__ import annotations


def ticks_around(position: int, interval: int) -> tuple[int, int]:
    """Where a seek lands on a control grid: the samples before the next tick run from the previous
    tick's values to the next tick's, as in a full run. (previous, next)."""
    next_tick = (position + interval - 1) // interval
    return max(next_tick - 1, 0), next_tick


class TimelineClock:
    def __init__(self, origin: float = 0.0, rate: float = 0.0) -> None:
        self.restart(origin, rate)

    def restart(self, origin: float, rate: float) -> None:
        self.anchor_step, self.anchor_value, self.rate = 0, float(origin), float(rate)

    def set_rate(self, step: int, rate: float) -> None:
        """From this step on, advance at rate."""
        if rate != self.rate:
            self.anchor_value, self.anchor_step, self.rate = self.at(step), step, float(rate)

    def at(self, step: int) -> float:
        return self.anchor_value + self.rate * float(step - self.anchor_step)
