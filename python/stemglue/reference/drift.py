"""Drift, the reference for cpp/src/drift.cpp.

One modulated delay carries wow and flutter; a slow random tilt and gain follow it.

    wow       displacement A/(2 pi f) (1 + 0.15 depth) cos(2 pi phase), phase advancing at
              f (1 + 0.2 rate): a cosine whose rate and depth wander (OU, 3 s)
    flutter   capstan-like: harmonics f, 2f, 3f with speed amplitudes 230:80:99
    depths    set as a weighted flutter meter reads them (2 sigma, 4 Hz weighting), so
              A = wow / (sqrt 2 W(f) sqrt(1.0225 * 1.04)) and likewise for the flutter series
    tone      tilt (around 800 Hz) and gain, each 0.5 * setting * OU(drift_time_s): 2 sigma = setting
    stereo    channel = link * shared + sqrt(1 - link^2) * own, for every source

Sources tick every CONTROL_INTERVAL samples and are interpolated linearly between ticks. The delay
is read by a 16-tap Kaiser (beta 8) windowed sinc at 512 phases, linear between phases, every
phase normalised to unity DC gain; whole-sample delays are exact.
"""

from __future__ import annotations

import numpy as np
import scipy.signal

from stemglue._parameters import parameter
from stemglue._processor import Processor
from stemglue.analysis.weighting import flutter_weighting
from stemglue.reference.oversampler import bessel_i0
from stemglue.reference.ou_process import CONTROL_INTERVAL, OrnsteinUhlenbeck
from stemglue.reference.random import random_uniform, stream_key
from stemglue.reference.sanitize import sanitize
from stemglue.reference.smoother import LinearSmoother

MAX_DISPLACEMENT_SECONDS = 0.010
INTERPOLATOR_TAPS = 16
INTERPOLATOR_PHASES = 512
INTERPOLATOR_KAISER_BETA = 8.0
DRIFT_STREAMS = 0x600  # + 16 * source + component
WOW_RATE_WANDER, WOW_DEPTH_WANDER, WOW_WANDER_SECONDS = 0.2, 0.15, 3.0
FLUTTER_HARMONICS = (230.0, 80.0, 99.0)
TILT_PIVOT_HZ = 800.0


def interpolation_kernel() -> np.ndarray:
    """(phases + 1, taps): row r reads r / phases of a sample late; tap k weighs x[i0 - 7 + k]."""
    half = INTERPOLATOR_TAPS // 2
    kernel = np.zeros((INTERPOLATOR_PHASES + 1, INTERPOLATOR_TAPS))
    for r in range(INTERPOLATOR_PHASES + 1):
        x = r / INTERPOLATOR_PHASES - (np.arange(INTERPOLATOR_TAPS) - (half - 1))
        ratio = x / half
        window = np.array([bessel_i0(INTERPOLATOR_KAISER_BETA * np.sqrt(1 - q * q)) if abs(q) < 1 else 0.0 for q in ratio])
        row = np.sinc(x) * window / bessel_i0(INTERPOLATOR_KAISER_BETA)
        kernel[r] = row / row.sum()  # unity DC at every phase: no AM as the delay moves
    kernel[0] = 0.0
    kernel[0, half - 1] = 1.0
    kernel[-1] = 0.0
    kernel[-1, half] = 1.0
    return kernel


class _Source:
    def __init__(self, seed: int, index: int, time_s: float, tick_rate: float) -> None:
        def key(component: int) -> int:
            return stream_key(seed, DRIFT_STREAMS + 16 * index + component)

        phases = random_uniform(key(0), np.arange(5))
        self.wow_phase, self.flutter_phase = float(phases[0]), float(phases[1])
        self.flutter_offsets = phases[2:5]
        self.processes = {}
        for component, name, seconds in ((1, "wow_rate", WOW_WANDER_SECONDS), (2, "wow_depth", WOW_WANDER_SECONDS),
                                         (3, "tilt", time_s), (4, "gain", time_s)):
            process = OrnsteinUhlenbeck()
            process.prepare(seconds, tick_rate, key(component))
            process.reset()
            self.processes[name] = process
        self.displacement_s = self.tilt_db = self.gain_db = 0.0


class Drift(Processor):
    """Reference Drift: same keywords, call signature and output as stemglue.Drift."""

    module = "drift"
    uses_seed = True
    dtype = np.float64
    _SMOOTHED = ("wow_percent", "wow_rate_hz", "flutter_percent", "flutter_rate_hz", "tilt_db", "gain_db", "stereo_link_percent")

    def __init__(self, **values: object) -> None:
        self._smoothers = {name: LinearSmoother() for name in self._SMOOTHED}
        self._time_s = 8.0
        self._seed = 1
        self._channels: list[dict] = []
        self._latency = 0
        super().__init__(**values)

    @property
    def latency_samples(self) -> int:
        return self._latency

    def _prepare(self, sample_rate: float, max_block_size: int, num_channels: int) -> None:
        self._sample_rate = sample_rate
        self._num_channels = num_channels
        for name, smoother in self._smoothers.items():
            smoother.prepare(sample_rate, parameter(f"drift_{name}").smoothing_ms)
        self._latency = int(np.ceil(MAX_DISPLACEMENT_SECONDS * sample_rate)) + INTERPOLATOR_TAPS // 2
        self._history = 2 * self._latency + INTERPOLATOR_TAPS
        self._kernel = interpolation_kernel()
        self._tilt_coefficient = 1.0 - np.exp(-2 * np.pi * TILT_PIVOT_HZ / sample_rate)

    def _reset(self) -> None:
        for smoother in self._smoothers.values():
            smoother.snap_to_target()
        if not hasattr(self, "_sample_rate"):
            return
        self._position = 0
        self._tick_rate = self._sample_rate / CONTROL_INTERVAL
        self._applied_time_s = self._time_s
        self._sources = [_Source(self._seed, s, self._time_s, self._tick_rate) for s in range(self._num_channels + 1)]
        self._channels = [
            {"history": np.zeros(self._history), "delay": [0.0, 0.0], "low": [1.0, 1.0], "level": [1.0, 1.0], "tilt": np.zeros(1)}
            for _ in range(self._num_channels)
        ]
        self._tick({name: smoother.current for name, smoother in self._smoothers.items()})  # start where the sources are

    def _apply_parameter(self, parameter_id: str, value: float) -> None:
        name = parameter_id.removeprefix("drift_")
        if name in self._smoothers:
            self._smoothers[name].set_target(value)
        elif name == "time_s":
            self._time_s = value
        elif parameter_id == "seed":
            self._seed = int(value)

    def _tick(self, values: dict[str, float]) -> None:
        tick_seconds = CONTROL_INTERVAL / self._sample_rate
        if self._time_s != self._applied_time_s:
            for source in self._sources:
                source.processes["tilt"].set_time_constant(self._time_s, self._tick_rate)
                source.processes["gain"].set_time_constant(self._time_s, self._tick_rate)
            self._applied_time_s = self._time_s
        wow_rate, flutter_rate = values["wow_rate_hz"], values["flutter_rate_hz"]
        wow_speed = 0.01 * values["wow_percent"] / (
            np.sqrt(2.0) * flutter_weighting(wow_rate) * np.sqrt((1 + WOW_DEPTH_WANDER**2) * (1 + WOW_RATE_WANDER**2))
        )
        harmonics = np.arange(1, 4)
        weighted = np.sum((np.array(FLUTTER_HARMONICS) * flutter_weighting(harmonics * flutter_rate)) ** 2)
        flutter_scale = 0.01 * values["flutter_percent"] / (np.sqrt(2.0) * np.sqrt(weighted))

        for source in self._sources:
            rate_wander = np.clip(source.processes["wow_rate"].step(), -2.5, 2.5)
            depth_wander = np.clip(source.processes["wow_depth"].step(), -2.5, 2.5)
            source.wow_phase += wow_rate * (1 + WOW_RATE_WANDER * rate_wander) * tick_seconds
            source.wow_phase -= np.floor(source.wow_phase)
            source.flutter_phase += flutter_rate * tick_seconds
            source.flutter_phase -= np.floor(source.flutter_phase)
            displacement = wow_speed * (1 + WOW_DEPTH_WANDER * depth_wander) / (2 * np.pi * wow_rate) * np.cos(2 * np.pi * source.wow_phase)
            for k, amplitude in enumerate(FLUTTER_HARMONICS, start=1):
                displacement += flutter_scale * amplitude / (2 * np.pi * k * flutter_rate) * np.cos(
                    2 * np.pi * (k * source.flutter_phase + source.flutter_offsets[k - 1])
                )
            source.displacement_s = displacement
            source.tilt_db = 0.5 * values["tilt_db"] * source.processes["tilt"].step()
            source.gain_db = 0.5 * values["gain_db"] * source.processes["gain"].step()

        link = 0.01 * values["stereo_link_percent"]
        own = np.sqrt(max(0.0, 1 - link * link))
        shared = self._sources[0]
        for channel, mine in zip(self._channels, self._sources[1:]):
            displacement = np.clip(link * shared.displacement_s + own * mine.displacement_s, -MAX_DISPLACEMENT_SECONDS, MAX_DISPLACEMENT_SECONDS)
            channel["delay"] = [channel["delay"][1], self._latency + displacement * self._sample_rate]
            channel["low"] = [channel["low"][1], 10 ** (-(link * shared.tilt_db + own * mine.tilt_db) / 40)]
            channel["level"] = [channel["level"][1], 10 ** ((link * shared.gain_db + own * mine.gain_db) / 20)]

    def _process_block(self, block: np.ndarray) -> np.ndarray:
        n = block.shape[1]
        values = {name: smoother.next_values(n) for name, smoother in self._smoothers.items()}
        delay = np.empty((self._num_channels, n))
        low = np.empty((self._num_channels, n))
        level = np.empty((self._num_channels, n))
        for j in range(n):
            fraction = ((self._position + j) % CONTROL_INTERVAL) / CONTROL_INTERVAL
            if fraction == 0.0:
                self._tick({name: float(v[j]) for name, v in values.items()})
            for c, channel in enumerate(self._channels):
                for target, name in ((delay, "delay"), (low, "low"), (level, "level")):
                    start, end = channel[name]
                    target[c, j] = start + (end - start) * fraction

        out = np.empty_like(block)
        half = INTERPOLATOR_TAPS // 2
        for c, channel in enumerate(self._channels):
            history = np.concatenate([channel["history"], sanitize(block[c])])
            read = self._history + np.arange(n) - delay[c]
            whole = np.floor(read)
            phase = (read - whole) * INTERPOLATOR_PHASES
            row = np.minimum(phase.astype(np.int64), INTERPOLATOR_PHASES - 1)
            blend = (phase - row)[:, np.newaxis]
            taps = self._kernel[row] + (self._kernel[row + 1] - self._kernel[row]) * blend
            samples = history[whole.astype(np.int64)[:, np.newaxis] - (half - 1) + np.arange(INTERPOLATOR_TAPS)]
            delayed = np.sum(taps * samples, axis=1)
            channel["history"] = history[n:]

            a = self._tilt_coefficient
            lowpass, channel["tilt"] = scipy.signal.lfilter([a], [1.0, a - 1.0], delayed, zi=channel["tilt"])
            out[c] = (lowpass * low[c] + (delayed - lowpass) / low[c]) * level[c]
        self._position += n
        return out
