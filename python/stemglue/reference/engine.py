"""The whole chain, the reference for cpp/src/engine.cpp.

Order: Tube -> Drift -> Noise -> Room -> Glue, each crossfaded against its latency-aligned input by its enable
switch -> global mix with the latency-aligned dry input -> output gain -> bypass crossfade to the
aligned dry input.
"""

from __future__ import annotations

import numpy as np

from stemglue._parameters import parameter, parameters
from stemglue._processor import Processor
from stemglue.reference.delay_line import DelayLine
from stemglue.reference.drift import Drift
from stemglue.reference.glue_compressor import GlueCompressor
from stemglue.reference.noise import Noise
from stemglue.reference.room import Room
from stemglue.reference.sanitize import sanitize
from stemglue.reference.smoother import LinearSmoother
from stemglue.reference.tube import Tube


class StemGlue(Processor):
    """Reference chain: same keywords (full table ids), call signature and output as stemglue.StemGlue."""

    module = None
    dtype = np.float64

    def __init__(self, **values: object) -> None:
        self._modules = {"tube": Tube(), "drift": Drift(), "noise": Noise(), "room": Room(), "glue": GlueCompressor()}
        # The chain's own smoothed switches (bypass, mix, output gain, module enables), from the table.
        self._smoothers = {
            spec.id: LinearSmoother() for spec in parameters() if spec.module == "global" and spec.timing == "smoothed"
        }
        self._dry_delays: list[DelayLine] = []
        self._input_delays: dict[str, list[DelayLine]] = {}
        super().__init__(**values)

    @property
    def latency_samples(self) -> int:
        return sum(module.latency_samples for module in self._modules.values())

    def _prepare(self, sample_rate: float, max_block_size: int, num_channels: int) -> None:
        for module in self._modules.values():
            module.prepare(sample_rate, max_block_size, num_channels)
        for name, smoother in self._smoothers.items():
            smoother.prepare(sample_rate, parameter(name).smoothing_ms)
        self._dry_delays = [DelayLine() for _ in range(num_channels)]
        self._input_delays = {name: [DelayLine() for _ in range(num_channels)] for name in self._modules}

    def _reset(self) -> None:
        for module in self._modules.values():
            module.reset()
        for name, delays in self._input_delays.items():
            for delay in delays:
                delay.set_delay(self._modules[name].latency_samples)
        for delay in self._dry_delays:
            delay.set_delay(self.latency_samples)
        for smoother in self._smoothers.values():
            smoother.snap_to_target()

    def _apply_parameter(self, parameter_id: str, value: float) -> None:
        if parameter_id in self._smoothers:
            self._smoothers[parameter_id].set_target(value)
            return
        for module in self._modules.values():  # each takes its own parameters (and the seed)
            if parameter_id in module.parameter_values:
                module.set_parameter(parameter_id, value)

    def _process_block(self, block: np.ndarray) -> np.ndarray:
        n = block.shape[1]
        bypass = self._smoothers["bypass"].next_values(n)
        mix = 0.01 * self._smoothers["mix_percent"].next_values(n)
        gain = 10.0 ** (self._smoothers["output_gain_db"].next_values(n) / 20.0)

        x = sanitize(block)
        dry = np.stack([delay.process(channel) for delay, channel in zip(self._dry_delays, x)])
        for name, module in self._modules.items():
            enabled = self._smoothers[f"{name}_enabled"].next_values(n)
            aligned = np.stack([delay.process(channel) for delay, channel in zip(self._input_delays[name], x)])
            x = aligned * (1.0 - enabled) + module._process_block(x) * enabled

        mixed = (dry * (1.0 - mix) + x * mix) * gain
        return mixed * (1.0 - bypass) + dry * bypass
