"""Drift, the reference for cpp/src/drift.cpp.

One modulated delay carries wow and flutter; a slow random tilt and gain follow it.

    wow       speed A (1 + 0.1 depth) sin(2 pi phase), phase advancing at f (1 + 0.1 rate), rate
              and depth wandering (OU, 1 s); the delay is its integral (leaking over 10 s), so
              the wander never steps the delay
    flutter   capstan-like: harmonics f, 2f, 3f with speed amplitudes 230:80:99
    depths    set as a weighted flutter meter reads them (2 sigma, 4 Hz weighting), so
              A = wow / (2 rms sqrt(1.01)), rms the weighted RMS of a unit wow averaged over its
              rate wander (see weighted_wow_rms), and likewise for the flutter series
    tone      tilt (around 800 Hz) and gain, each 0.5 * setting * OU(drift_time_s): 2 sigma = setting
    stereo    one shared oscillator set; each channel offsets its phases by (1 - link) times its own
              slowly wandering offset (OU, 0.5 cycle, 4 s), so every channel keeps the exact depth
              while unlinked channels drift in and out of phase; each hears
              link * shared + sqrt(1 - link^2) * own of every Gaussian wander (depth, tilt, gain)

Sources tick every CONTROL_INTERVAL samples and are interpolated linearly between ticks. The delay
is read by a 16-tap Kaiser (beta 8) windowed sinc at 512 phases, linear between phases, every
phase normalised to unity DC gain; whole-sample delays are exact.
"""

from __future__ import annotations

import numpy as np
import scipy.signal

from stemglue.analysis.weighting import flutter_weighting
from stemglue.reference.module import ReferenceModule
from stemglue.reference.ou_process import CONTROL_INTERVAL, OrnsteinUhlenbeck
from stemglue.reference.oversampler import bessel_i0
from stemglue.reference.random import random_uniform, stream_key, track_seed
from stemglue.reference.sanitize import sanitize

MAX_DISPLACEMENT_SECONDS = 0.010
INTERPOLATOR_TAPS = 16
INTERPOLATOR_PHASES = 512
INTERPOLATOR_KAISER_BETA = 8.0
DRIFT_STREAMS = 0x600  # + 16 * source + component
WOW_RATE_WANDER, WOW_DEPTH_WANDER, WOW_WANDER_SECONDS = 0.1, 0.1, 1.0
FLUTTER_HARMONICS = (230.0, 80.0, 99.0)
TILT_PIVOT_HZ = 800.0
WOW_LEAK_SECONDS = 10.0
PHASE_WANDER_CYCLES, PHASE_WANDER_SECONDS = 0.5, 4.0  # per-channel phase offset wander


def interpolation_kernel() -> np.ndarray:
    """(phases + 1, taps): row r reads r / phases of a sample late; tap k weighs x[i0 - 7 + k]."""
    half = INTERPOLATOR_TAPS // 2
    kernel = np.zeros((INTERPOLATOR_PHASES + 1, INTERPOLATOR_TAPS))
    for r in range(INTERPOLATOR_PHASES + 1):
        x = r / INTERPOLATOR_PHASES - (np.arange(INTERPOLATOR_TAPS) - (half - 1))
        ratio = x / half
        window = np.array(
            [bessel_i0(INTERPOLATOR_KAISER_BETA * np.sqrt(1 - q * q)) if abs(q) < 1 else 0.0 for q in ratio]
        )
        row = np.sinc(x) * window / bessel_i0(INTERPOLATOR_KAISER_BETA)
        kernel[r] = row / row.sum()  # unity DC at every phase: no AM as the delay moves
    kernel[0] = 0.0
    kernel[0, half - 1] = 1.0
    kernel[-1] = 0.0
    kernel[-1, half] = 1.0
    return kernel


def weighted_wow_rms(rate_hz: float) -> float:
    """sqrt(E[W(f (1 + 0.1 r))^2] / 2), r ~ N(0, 1), trapezoid rule on [-4, 4]: the weighting is
    not flat below 4 Hz, so the rate wander moves the reading."""
    r = np.linspace(-4.0, 4.0, 33)
    weight = np.exp(-0.5 * r * r)
    weight[[0, -1]] *= 0.5
    speed = flutter_weighting(rate_hz * (1 + WOW_RATE_WANDER * r))
    return float(np.sqrt(0.5 * np.sum(weight * speed * speed) / np.sum(weight)))


class _Source:
    """Source 0 is shared: its oscillators run and its rate wanders. A channel's source holds its
    own phase-offset wander. Every source has its own depth, tilt and gain wander. The transport's
    (wow, flutter) are keyed by the seed, tilt and gain by the track (own_seed). Everything starts
    where the timeline is: wander at the first tick at or after position, oscillators where the
    nominal rates put them."""

    def __init__(
        self,
        seed: int,
        own_seed: int,
        index: int,
        time_s: float,
        tick_rate: float,
        position: int,
        seconds: float,
        rates: tuple[float, float],
    ) -> None:
        first_tick = (position + CONTROL_INTERVAL - 1) // CONTROL_INTERVAL

        def start(component: int, time_constant_s: float, key_seed: int) -> OrnsteinUhlenbeck:
            process = OrnsteinUhlenbeck()
            process.prepare(time_constant_s, tick_rate, stream_key(key_seed, DRIFT_STREAMS + 16 * index + component))
            process.reset(first_tick)
            return process

        self.processes = {}
        if index == 0:
            phases = random_uniform(stream_key(seed, DRIFT_STREAMS), np.arange(5))
            wow_phase = float(phases[0]) + rates[0] * seconds
            flutter_phase = float(phases[1]) + rates[1] * seconds
            self.wow_phase = wow_phase - np.floor(wow_phase)
            self.flutter_phase = flutter_phase - np.floor(flutter_phase)
            self.flutter_offsets = phases[2:5]
            self.processes["wow_rate"] = start(1, WOW_WANDER_SECONDS, seed)
        else:
            self.processes["phase"] = start(5, PHASE_WANDER_SECONDS, seed)
        self.processes.update(
            wow_depth=start(2, WOW_WANDER_SECONDS, seed),
            tilt=start(3, time_s, own_seed),
            gain=start(4, time_s, own_seed),
        )


class Drift(ReferenceModule):
    """Reference Drift: same keywords, call signature and output as stemglue.Drift."""

    module = "drift"

    def __init__(self, **values: object) -> None:
        self._latency = 0  # known once prepared: it depends on the sample rate
        super().__init__(**values)

    @property
    def latency_samples(self) -> int:
        return self._latency

    def _prepare_module(self) -> None:
        self._latency = int(np.ceil(MAX_DISPLACEMENT_SECONDS * self._sample_rate)) + INTERPOLATOR_TAPS // 2
        self._history = 2 * self._latency + INTERPOLATOR_TAPS
        self._kernel = interpolation_kernel()
        self._tilt_coefficient = 1.0 - np.exp(-2 * np.pi * TILT_PIVOT_HZ / self._sample_rate)

    def _reset_module(self) -> None:
        self._channels = [
            {
                "history": np.zeros(self._history),
                "delay": [0.0, 0.0],
                "low": [1.0, 1.0],
                "level": [1.0, 1.0],
                "tilt": np.zeros(1),
            }
            for _ in range(self._num_channels)
        ]
        self._seek_module()

    def _seek_module(self) -> None:
        self._tick_rate = self._sample_rate / CONTROL_INTERVAL
        self._applied_time_s = self._time_s
        rate = self._smoothers["wow_rate_hz"].current
        rates = (rate, self._smoothers["flutter_rate_hz"].current)
        seconds = self._position / self._sample_rate
        own_seed = track_seed(self._seed, self._track_id)
        self._sources = [
            _Source(self._seed, own_seed, s, self._time_s, self._tick_rate, self._position, seconds, rates)
            for s in range(self._num_channels + 1)
        ]
        self._wow_leak = float(np.exp(-CONTROL_INTERVAL / (WOW_LEAK_SECONDS * self._sample_rate)))
        link = 0.01 * self._smoothers["stereo_link_percent"].current
        amplitude = (
            0.01
            * self._smoothers["wow_percent"].current
            / (2 * weighted_wow_rms(rate) * np.sqrt(1 + WOW_DEPTH_WANDER**2))
        )
        for channel, mine in zip(self._channels, self._sources[1:], strict=False):
            # start the wow where the integral of its speed would be, centred
            phase = self._sources[0].wow_phase + (1 - link) * PHASE_WANDER_CYCLES * mine.processes["phase"].value
            channel["wow"] = amplitude / (2 * np.pi * rate) * np.cos(2 * np.pi * phase)
        self._tick(
            {name: smoother.current for name, smoother in self._smoothers.items()}
        )  # start where the sources are
        for channel in self._channels:  # a tick landing on the seek point would repeat the priming one
            for name in ("delay", "low", "level"):
                channel[name] = [channel[name][1], channel[name][1]]

    def _set_setting(self, name: str, value: float) -> None:
        if name == "time_s":
            self._time_s = value
        elif name == "seed":
            self._seed = int(value)
        elif name == "track_id":
            self._track_id = int(value)

    def _tick(self, values: dict[str, float]) -> None:
        tick_seconds = CONTROL_INTERVAL / self._sample_rate
        if self._time_s != self._applied_time_s:
            for source in self._sources:
                source.processes["tilt"].set_time_constant(self._time_s, self._tick_rate)
                source.processes["gain"].set_time_constant(self._time_s, self._tick_rate)
            self._applied_time_s = self._time_s
        wow_rate, flutter_rate = values["wow_rate_hz"], values["flutter_rate_hz"]
        wow_speed = 0.01 * values["wow_percent"] / (2 * weighted_wow_rms(wow_rate) * np.sqrt(1 + WOW_DEPTH_WANDER**2))
        harmonics = np.arange(1, 4)
        weighted = np.sum((np.array(FLUTTER_HARMONICS) * flutter_weighting(harmonics * flutter_rate)) ** 2)
        flutter_scale = 0.01 * values["flutter_percent"] / (np.sqrt(2.0) * np.sqrt(weighted))

        shared = self._sources[0]
        rate_wander = np.clip(shared.processes["wow_rate"].step(), -2.5, 2.5)
        shared.wow_phase += wow_rate * (1 + WOW_RATE_WANDER * rate_wander) * tick_seconds
        shared.wow_phase -= np.floor(shared.wow_phase)
        shared.flutter_phase += flutter_rate * tick_seconds
        shared.flutter_phase -= np.floor(shared.flutter_phase)
        shared_depth = shared.processes["wow_depth"].step()
        shared_tilt = shared.processes["tilt"].step()
        shared_gain = shared.processes["gain"].step()

        link = 0.01 * values["stereo_link_percent"]
        own = np.sqrt(max(0.0, 1 - link * link))
        for channel, mine in zip(self._channels, self._sources[1:], strict=False):
            depth = np.clip(link * shared_depth + own * mine.processes["wow_depth"].step(), -2.5, 2.5)
            phase_wander = PHASE_WANDER_CYCLES * mine.processes["phase"].step()
            wow_phase = shared.wow_phase + (1 - link) * phase_wander
            flutter_phase = shared.flutter_phase + (1 - link) * phase_wander
            wow = wow_speed * (1 + WOW_DEPTH_WANDER * depth) * np.sin(2 * np.pi * wow_phase)
            channel["wow"] = channel["wow"] * self._wow_leak - wow * tick_seconds
            displacement = channel["wow"]
            for k, amplitude in enumerate(FLUTTER_HARMONICS, start=1):
                displacement += (
                    flutter_scale
                    * amplitude
                    / (2 * np.pi * k * flutter_rate)
                    * np.cos(2 * np.pi * (k * flutter_phase + shared.flutter_offsets[k - 1]))
                )
            tilt_db = 0.5 * values["tilt_db"] * (link * shared_tilt + own * mine.processes["tilt"].step())
            gain_db = 0.5 * values["gain_db"] * (link * shared_gain + own * mine.processes["gain"].step())
            displacement = np.clip(displacement, -MAX_DISPLACEMENT_SECONDS, MAX_DISPLACEMENT_SECONDS)
            channel["delay"] = [channel["delay"][1], self._latency + displacement * self._sample_rate]
            channel["low"] = [channel["low"][1], 10 ** (-tilt_db / 40)]
            channel["level"] = [channel["level"][1], 10 ** (gain_db / 20)]

    def _process_block(self, block: np.ndarray) -> np.ndarray:
        n = block.shape[1]
        values = self._smoothed_values(n)
        delay = np.empty((self._num_channels, n))
        low = np.empty((self._num_channels, n))
        level = np.empty((self._num_channels, n))
        # Between control ticks every value moves linearly from its last tick to its next one.
        start = 0
        while start < n:
            if (self._position + start) % CONTROL_INTERVAL == 0:
                self._tick({name: float(v[start]) for name, v in values.items()})
            end = min(n, start + CONTROL_INTERVAL - (self._position + start) % CONTROL_INTERVAL)
            fraction = ((self._position + np.arange(start, end)) % CONTROL_INTERVAL) / CONTROL_INTERVAL
            for c, channel in enumerate(self._channels):
                for target, name in ((delay, "delay"), (low, "low"), (level, "level")):
                    first, last = channel[name]
                    target[c, start:end] = first + (last - first) * fraction
            start = end

        out = np.empty_like(block)
        half = INTERPOLATOR_TAPS // 2
        for c, channel in enumerate(self._channels):
            history = np.concatenate([channel["history"], sanitize(block[c])])
            whole_delay = np.ceil(delay[c])
            whole = self._history + np.arange(n) - whole_delay  # read from x[n - whole_delay] ...
            phase = (whole_delay - delay[c]) * INTERPOLATOR_PHASES  # ... plus this fraction later
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
