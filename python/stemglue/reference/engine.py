"""The whole chain, the reference for cpp/src/engine.cpp.

The modules run in the order of cpp/include/stemglue/module_list.h (a recording's signal flow:
Humanize -> Bleed -> Room -> Tube -> Drift -> Noise -> Glue), each crossfaded against its latency-aligned input by its
enable switch; a module whose switch has faded to off does not run and starts from a reset when
switched on again, caught up on its last latency and fade of input (at twice the timeline's pace)
before its fade starts. Then the global mix with the latency-aligned dry
input, output gain, and the bypass crossfade to the aligned dry input.

Structural parameters set while running apply at a safe point: the output fades out over
STRUCTURAL_FADE_MS, every module is reset there (the latency may change), and the input and output fade back in.
"""

from __future__ import annotations

import importlib

import numpy as np

from stemglue._parameters import modules, parameter, parameters
from stemglue._presets import FromPreset
from stemglue._processor import Processor, timeline_position
from stemglue.reference.delay_line import DelayLine
from stemglue.reference.sanitize import sanitize
from stemglue.reference.smoother import LinearSmoother

# Every module's reference class (stemglue.reference.<file_name>.<ClassName>), in signal-flow order.
MODULE_CLASSES = {
    info.class_name: getattr(importlib.import_module(f"stemglue.reference.{info.file_name}"), info.class_name)
    for info in modules()
}
MODULES = {info.id: MODULE_CLASSES[info.class_name] for info in modules()}
STRUCTURAL_FADE_MS = 10.0


class StemGlue(FromPreset, Processor):
    """Reference chain: same keywords (full table ids), call signature and output as stemglue.StemGlue."""

    module = None
    dtype = np.float64

    def __init__(self, **values: object) -> None:
        self._modules = {name: module_class() for name, module_class in MODULES.items()}
        # The chain's own smoothed switches (bypass, mix, output gain, module enables), from the table.
        self._smoothers = {
            spec.id: LinearSmoother() for spec in parameters() if spec.module == "global" and spec.timing == "smoothed"
        }
        # Switches whose row applies at reset (Humanize's): while off, the module neither runs nor delays.
        self._switch_target = {
            spec.id: spec.default for spec in parameters() if spec.id.endswith("_enabled") and spec.timing == "on_reset"
        }
        self._switch_applied = dict(self._switch_target)
        self._running = {name: True for name in self._modules}
        # Switched on: input still to catch up on before the switch's fade starts, and the place in
        # the catch-up of the next sample taken (see _restart_stage).
        self._backlog = dict.fromkeys(self._modules, 0)
        self._catch_up_index = dict.fromkeys(self._modules, 0)
        self._structural = LinearSmoother()  # 1, or fading around a structural change
        self._structural_hold = 0  # samples of silence before the fade in after a change
        self._structural_input = LinearSmoother()  # 1, or fading the input in after a change
        self._position = 0
        self._dry_delays: list[DelayLine] = []
        self._input_delays: dict[str, list[DelayLine]] = {}
        self._sidechain_delays: dict[str, DelayLine] = {}  # keep the sidechain aligned after each stage
        super().__init__(**values)

    def _stage_latency(self, name: str) -> int:
        switched_off = self._switch_applied.get(f"{name}_enabled", 1.0) <= 0
        return 0 if switched_off else self._modules[name].latency_samples

    @property
    def latency_samples(self) -> int:
        return sum(self._stage_latency(name) for name in self._modules)

    def _prepare(self, sample_rate: float, max_block_size: int, num_channels: int) -> None:
        for module in self._modules.values():
            module.prepare(sample_rate, max_block_size, num_channels)
        for name, smoother in self._smoothers.items():
            smoother.prepare(sample_rate, parameter(name).smoothing_ms)
        # A switch's fade (a structural switch has none): the input a module catches up on when
        # switched on fades in over as long.
        self._fade_in = {
            name: self._smoothers[f"{name}_enabled"].ramp_samples if f"{name}_enabled" in self._smoothers else 0
            for name in self._modules
        }
        self._dry_delays = [DelayLine() for _ in range(num_channels)]
        self._input_delays = {name: [DelayLine() for _ in range(num_channels)] for name in self._modules}
        self._sidechain_delays = {name: DelayLine() for name in self._modules}
        self._structural.prepare(sample_rate, STRUCTURAL_FADE_MS)
        self._structural_input.prepare(sample_rate, STRUCTURAL_FADE_MS)

    def _reset(self) -> None:
        self._position = 0
        for smoother in self._smoothers.values():
            smoother.snap_to_target()
        self._reset_modules()

    def _reset_modules(self) -> None:
        self._structural.reset(1.0)
        self._structural_hold = 0
        self._structural_input.reset(1.0)
        self._switch_applied.update(self._switch_target)
        for name, module in self._modules.items():
            module.reset()
            for delay in self._input_delays.get(name, []):
                delay.set_delay(self._stage_latency(name), self._stage_latency(name) + self._fade_in[name])
            if name in self._sidechain_delays:
                self._sidechain_delays[name].set_delay(self._stage_latency(name))
            self._running[name] = self._switch(name) > 0
            self._backlog[name] = 0
        for delay in self._dry_delays:
            delay.set_delay(self.latency_samples)

    def seek(self, position: int) -> None:
        """Re-key every module's random streams to a timeline position (the next sample's)."""
        position = timeline_position(position)
        with self._lock:
            self._position = position
            for name, module in self._modules.items():
                # still catching up, `backlog` behind the timeline: keyed there, it comes in when it would have
                behind = self._backlog[name]
                module.seek(max(0, self._position - behind))
                if self._position < behind:  # (too near the start: it starts again there)
                    self._running[name] = False

    def _switch(self, name: str) -> float:
        """A module's enable switch now: its smoother, or a structural switch's applied value."""
        switch = f"{name}_enabled"
        return self._switch_applied[switch] if switch in self._switch_applied else self._smoothers[switch].current

    def _apply_parameter(self, parameter_id: str, value: float) -> None:
        if parameter_id in self._switch_target:
            self._switch_target[parameter_id] = value
            return
        if parameter_id in self._smoothers:
            self._smoothers[parameter_id].set_target(value)
            return
        for module in self._modules.values():  # each takes its own parameters (and the keys)
            if parameter_id in module.parameter_values:
                module.set_parameter(parameter_id, value)

    @property
    def has_pending_change(self) -> bool:
        # A module that is off takes its values when it is switched on, at a silent point like any
        # other: they may change its latency (tube_oversampling), and with it every delay after it.
        return self._switch_target != self._switch_applied or any(
            module.has_pending_change
            for name, module in self._modules.items()
            if self._running[name] or self._switch_heading(name) > 0
        )

    def _switch_heading(self, name: str) -> float:
        """Where a module's enable switch is heading: its smoother's target, or a structural switch's."""
        switch = f"{name}_enabled"
        return self._switch_target[switch] if switch in self._switch_target else self._smoothers[switch].target

    def _restart_stage(self, name: str, position: int) -> None:
        """Switched back on: start clean and catch up on the last latency and fade of input (the input
        delay's history), the first fade's worth faded in, so the output is there at full level as the
        switch's fade starts and what the module delays further (a room's reflections) starts smoothly.
        The catch-up takes two samples of input in each sample's time (no block does more than twice
        its work); the fade waits for it."""
        history = self._input_delays[name][0].history_samples
        missed = min(history, position)
        module = self._modules[name]
        module.reset()
        module.seek(position - missed)
        self._backlog[name] = missed
        self._catch_up_index[name] = history - missed
        self._running[name] = True

    def _catch_up(self, name: str, x: np.ndarray, count: int) -> None:
        """The oldest count samples the module has yet to take (the newest backlog of the input delay's
        history, then this block's), unheard."""
        history = np.stack([delay.history for delay in self._input_delays[name]])
        pending = np.concatenate([history[:, history.shape[1] - self._backlog[name] :], x], axis=1)[:, :count]
        fade = self._fade_in[name]
        ramp = np.minimum(1.0, (self._catch_up_index[name] + np.arange(1, count + 1)) / fade) if fade else 1.0
        self._modules[name]._render(pending * ramp, self._prepared[1])
        self._catch_up_index[name] += count

    def _run_stage(self, name: str, x: np.ndarray, sidechain: np.ndarray | None, position: int) -> np.ndarray:
        """The stage hears the sidechain aligned as its input is (the sidechain then takes its delay)."""
        n = x.shape[1]
        smoother = self._smoothers.get(f"{name}_enabled")
        # Not moving: the block holds one value (a fade that ends inside it is still crossfaded).
        steady = not (smoother and smoother.is_smoothing)
        unheard = steady and self._switch(name) <= 0  # faded out: the module does not run
        if unheard:
            self._running[name] = False
        elif smoother is not None and smoother.target <= 0 and (not self._running[name] or self._backlog[name] > 0):
            # switched off again before it came in (its switch fades from 0 to 0): it does not run
            self._running[name] = False
            self._backlog[name] = 0
            smoother.next_values(n)
            unheard = True
        elif not self._running[name]:
            self._restart_stage(name, position)  # from the input before this block
        hold = 0  # samples before the switch's fade starts
        if not unheard and self._backlog[name] > 0:
            if self._backlog[name] >= n:  # not caught up before the block's end
                self._catch_up(name, x, 2 * n)
                self._backlog[name] -= n
                unheard = True
            else:  # caught up inside this block: the fade starts there
                hold = self._backlog[name]
                self._catch_up(name, x, hold)
                self._backlog[name] = 0
        aligned = np.stack(
            [delay.process(channel) for delay, channel in zip(self._input_delays[name], x, strict=False)]
        )
        if unheard:
            return aligned
        if smoother:
            enabled = np.concatenate([np.zeros(hold), smoother.next_values(n - hold)])
        else:
            enabled = np.full(n, self._switch(name))
        module = self._modules[name]
        module._sidechain = None if sidechain is None else sidechain[np.newaxis]
        out = aligned * (1.0 - enabled) + module._process_block(x) * enabled
        if smoother and not smoother.is_smoothing and smoother.current <= 0:
            self._running[name] = False  # faded out inside this block: off from here, whatever the block sizes
        return out

    def _process_block(self, block: np.ndarray) -> np.ndarray:
        n, start = block.shape[1], self._position
        self._position += n
        if self._structural.target == 1.0 and self.has_pending_change:
            self._structural.set_target(0.0)
        to_silence = self._structural.remaining if self._structural.target == 0.0 else -1
        # The aux input, sanitised and mixed to one source; without one, a silent source (so the
        # sidechain's delays forget what they held, as in C++).
        no_aux = self._sidechain is None or len(self._sidechain) == 0
        side = np.zeros(n) if no_aux else np.mean(sanitize(self._sidechain), axis=0)
        if to_silence < 0 or to_silence >= n:
            out = self._run_chain(block, side, start)
            if to_silence == n:
                self._apply_structural_changes(start + n)
            return out
        # The fade reaches silence inside this block: apply the change exactly there.
        head = self._run_chain(block[:, :to_silence], None if side is None else side[:to_silence], start)
        self._apply_structural_changes(start + to_silence)
        rest = self._run_chain(block[:, to_silence:], None if side is None else side[to_silence:], start + to_silence)
        return np.concatenate([head, rest], axis=1)

    def _apply_structural_changes(self, position: int) -> None:
        """At silence: every module takes its structural values where the timeline is; fade back in."""
        self._reset_modules()
        for module in self._modules.values():
            module.seek(position)
        self._structural.reset(0.0)
        self._structural.set_target(1.0)
        # The chain's delays start empty: its output is silent until the input at the change
        # arrives, a latency later, and the fade in starts there (not spent on that silence).
        self._structural_hold = self.latency_samples
        # The restarted modules hear the input (and sidechain) fade in: what they move later than
        # the latency (Humanize's first hit) comes in smoothly too.
        self._structural_input.reset(0.0)
        self._structural_input.set_target(1.0)

    def _structural_values(self, n: int) -> np.ndarray:
        """The structural fade's gain for the next n samples: 0 while held, then its smoother's."""
        held = min(self._structural_hold, n)
        self._structural_hold -= held
        return np.concatenate([np.zeros(held), self._structural.next_values(n - held) if held < n else []])

    def _run_chain(self, block: np.ndarray, sidechain: np.ndarray | None, position: int) -> np.ndarray:
        n = block.shape[1]
        if n == 0:  # (the part before a structural change that falls on a block's first sample)
            return block
        bypass = self._smoothers["bypass"].next_values(n)
        mix = 0.01 * self._smoothers["mix_percent"].next_values(n)
        gain = 10.0 ** (self._smoothers["output_gain_db"].next_values(n) / 20.0)
        structural = self._structural_values(n)

        x = sanitize(block)
        dry = np.stack([delay.process(channel) for delay, channel in zip(self._dry_delays, x, strict=False)])
        if self._structural_input.is_smoothing:  # the dry is faded at the output only
            fade_in = self._structural_input.next_values(n)
            x = x * fade_in
            sidechain = None if sidechain is None else sidechain * fade_in
        for name in self._modules:
            x = self._run_stage(name, x, sidechain, position)
            if sidechain is not None:
                sidechain = self._sidechain_delays[name].process(sidechain)

        mixed = (dry * (1.0 - mix) + x * mix) * gain * structural  # the bypassed dry is never faded
        return mixed * (1.0 - bypass) + dry * bypass
