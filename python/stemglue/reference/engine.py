"""The whole chain, the reference for cpp/src/engine.cpp.

Order: Tube (crossfaded against its latency-aligned input by tube_enabled) -> global mix with the
latency-aligned dry input -> output gain -> bypass crossfade to the aligned dry input.
"""

from __future__ import annotations

import numpy as np

from stemglue._parameters import parameter, parameters
from stemglue._processor import Processor
from stemglue.reference.delay_line import DelayLine
from stemglue.reference.sanitize import sanitize
from stemglue.reference.smoother import LinearSmoother
from stemglue.reference.tube import Tube


class StemGlue(Processor):
    """Reference chain: same keywords (full table ids), call signature and output as stemglue.StemGlue."""

    module = None
    dtype = np.float64
    def __init__(self, **values: object) -> None:
        self._tube = Tube()
        # The chain's own smoothed switches (bypass, mix, output gain, module enables), from the table.
        self._smoothers = {
            spec.id: LinearSmoother() for spec in parameters() if spec.module == "global" and spec.timing == "smoothed"
        }
        self._seed = self._pending_seed = 1
        self._dry_delays: list[DelayLine] = []
        self._tube_input_delays: list[DelayLine] = []
        super().__init__(**values)

    @property
    def latency_samples(self) -> int:
        return self._tube.latency_samples

    def _prepare(self, sample_rate: float, max_block_size: int, num_channels: int) -> None:
        self._tube.prepare(sample_rate, max_block_size, num_channels)
        for name, smoother in self._smoothers.items():
            smoother.prepare(sample_rate, parameter(name).smoothing_ms)
        self._dry_delays = [DelayLine() for _ in range(num_channels)]
        self._tube_input_delays = [DelayLine() for _ in range(num_channels)]

    def _reset(self) -> None:
        self._seed = self._pending_seed
        self._tube.reset()
        for delay in self._dry_delays + self._tube_input_delays:
            delay.set_delay(self._tube.latency_samples)
        for smoother in self._smoothers.values():
            smoother.snap_to_target()

    def _apply_parameter(self, parameter_id: str, value: float) -> None:
        if parameter_id in self._smoothers:
            self._smoothers[parameter_id].set_target(value)
        elif parameter_id == "seed":
            self._pending_seed = int(value)
        else:
            self._tube.set_parameter(parameter_id, value)

    def _process_block(self, block: np.ndarray) -> np.ndarray:
        n = block.shape[1]
        bypass = self._smoothers["bypass"].next_values(n)
        mix = 0.01 * self._smoothers["mix_percent"].next_values(n)
        enabled = self._smoothers["tube_enabled"].next_values(n)
        gain = 10.0 ** (self._smoothers["output_gain_db"].next_values(n) / 20.0)

        x = sanitize(block)
        dry = np.stack([delay.process(channel) for delay, channel in zip(self._dry_delays, x)])
        tube_input = np.stack([delay.process(channel) for delay, channel in zip(self._tube_input_delays, x)])
        chain = tube_input * (1.0 - enabled) + self._tube._process_block(x) * enabled

        mixed = (dry * (1.0 - mix) + chain * mix) * gain
        return mixed * (1.0 - bypass) + dry * bypass
