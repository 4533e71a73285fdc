"""Drift, the reference for cpp/src/drift.cpp.

One modulated delay carries wow and flutter; a slow random tilt and gain follow it.

    wow       displacement A (1 + 0.1 depth) / (2 pi f) cos(2 pi phase): its speed is a sine of
              amplitude A at f; the phase carries a smooth random wander (1 s knots) whose slope
              moves the rate by 10 % RMS, and the depth wanders by 10 % (1 s knots). A and f
              glide to new settings together over about a second (WOW_GLIDE_SECONDS): a
              displacement amplitude that followed a 50 ms rate ramp would kick the speed
    flutter   capstan-like: harmonics f, 2f, 3f with speed amplitudes 230:80:99
    depths    set as a weighted flutter meter reads them (2 sigma, 4 Hz weighting), so
              A = wow / (2 rms sqrt(1.01)), rms the weighted RMS of a unit wow averaged over its
              rate wander (see weighted_wow_rms), and likewise for the flutter series
    tone      tilt (around 800 Hz) and gain, each 0.5 * setting * wander (knots drift_time_s
              apart): 2 sigma = setting
    stereo    one shared oscillator set; each channel offsets its phases by (1 - link) times its own
              wandering offset (0.5 cycle, 4 s knots), so every channel keeps the exact depth while
              unlinked channels drift in and out of phase; each hears
              link * shared + sqrt(1 - link^2) * own of every Gaussian wander (depth, tilt, gain)

Every value is a pure function of the timeline's ticks (smooth_random, timeline_clock): the delay
computed every CONTROL_INTERVAL samples; the wanders moving over seconds (the wow's rate and depth,
each channel's phase offset, the tone) every WANDER_TICK_SAMPLES, each interpolated linearly
between its ticks. A transport at rest holds its wanders at 0. The delay is read by a
24-tap Kaiser (beta 8) windowed sinc at 512 phases, linear between phases, every phase normalised
to unity DC gain; whole-sample delays are exact. Over a control interval whose tilt is 0 dB at both wander ticks
the tilt's lowpass holds and the read passes, times the level (as C++, where a flat tone costs
nothing).
"""

from __future__ import annotations

import math

import numpy as np
import scipy.signal

from stemglue.analysis.weighting import flutter_weighting
from stemglue.reference import sinc_interpolator
from stemglue.reference.module import ReferenceModule
from stemglue.reference.random import random_uniform, stream_key, track_seed
from stemglue.reference.sanitize import sanitize
from stemglue.reference.smooth_random import CONTROL_INTERVAL, SLOPE_RMS, WANDER_TICK_SAMPLES, smooth_random
from stemglue.reference.timeline_clock import TimelineClock, ticks_around

MAX_DISPLACEMENT_SECONDS = 0.010
DRIFT_STREAMS = 0x600  # + 16 * source + component
WOW_RATE_WANDER, WOW_DEPTH_WANDER, WOW_WANDER_SECONDS = 0.1, 0.1, 1.0
WOW_GLIDE_SECONDS = 1.0  # how fast the wow's speed and rate follow the settings
FLUTTER_HARMONICS = (230.0, 80.0, 99.0)
TILT_PIVOT_HZ = 800.0
PHASE_WANDER_CYCLES, PHASE_WANDER_SECONDS = 0.5, 4.0  # per-channel phase offset wander
TICKS_PER_WANDER_TICK = WANDER_TICK_SAMPLES // CONTROL_INTERVAL
RATE, DEPTH, OFFSET, LOW, LEVEL = range(5)  # the wanders' rows: shared rate wander, depth, phase offset, tone
LN10 = math.log(10.0)


def weighted_wow_rms(rate_hz: float) -> float:
    """sqrt(E[((1 + 0.1 r) W(f (1 + 0.1 r)))^2] / 2), r ~ N(0, 1), trapezoid rule on [-4, 4]: the
    displacement's amplitude holds, so the speed scales with the wandering rate, and the weighting
    is not flat below 4 Hz, so the wander moves the reading."""
    r = np.linspace(-4.0, 4.0, 33)
    weight = np.exp(-0.5 * r * r)
    weight[[0, -1]] *= 0.5
    ratio = 1 + WOW_RATE_WANDER * r
    speed = ratio * flutter_weighting(rate_hz * ratio)
    return float(np.sqrt(0.5 * np.sum(weight * speed * speed) / np.sum(weight)))


def wow_speed(wow_percent: float, rate_hz: float) -> float:
    """The wow's speed amplitude: a weighted meter reads the setting (2 sigma)."""
    return 0.01 * wow_percent / (2 * weighted_wow_rms(rate_hz) * np.sqrt(1 + WOW_DEPTH_WANDER**2))


def glide(value: float, target: float, coefficient: float) -> float:
    """One step of a one-pole glide that lands exactly on its target."""
    value += coefficient * (target - value)
    return target if abs(target - value) <= 1e-12 * abs(target) + 1e-15 else value


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
        self._latency = int(np.ceil(MAX_DISPLACEMENT_SECONDS * self._sample_rate)) + sinc_interpolator.HALF
        self._history = 2 * self._latency + sinc_interpolator.TAPS
        self._tilt_coefficient = 1.0 - np.exp(-2 * np.pi * TILT_PIVOT_HZ / self._sample_rate)
        self._glide = 1.0 - np.exp(-CONTROL_INTERVAL / (WOW_GLIDE_SECONDS * self._sample_rate))

    def _reset_module(self) -> None:
        self._histories = np.zeros((self._num_channels, self._history))
        self._tilt_states = np.zeros((self._num_channels, 1))
        self._seek_module()

    def _seek_module(self) -> None:
        """Every source where the timeline puts it: the transport's wow and flutter keyed by the
        seed, tilt and gain by the track."""
        seed, own = self._seed, track_seed(self._seed, self._track_id)

        def keys(component: int, key_seed: int) -> list[int]:
            return [stream_key(key_seed, DRIFT_STREAMS + 16 * s + component) for s in range(self._num_channels + 1)]

        self._keys = {"wow_rate": keys(1, seed), "wow_depth": keys(2, seed), "tilt": keys(3, own)}
        self._keys.update(gain=keys(4, own), phase=keys(5, seed))
        phases = random_uniform(stream_key(seed, DRIFT_STREAMS), np.arange(5))
        self._flutter_offsets = [(np.cos(2 * np.pi * p), np.sin(2 * np.pi * p)) for p in phases[2:5]]  # per harmonic
        now = {name: smoother.current for name, smoother in self._smoothers.items()}
        tick_seconds = CONTROL_INTERVAL / self._sample_rate
        self._wow_clock = TimelineClock(float(phases[0]), now["wow_rate_hz"] * tick_seconds)
        self._flutter_clock = TimelineClock(float(phases[1]), now["flutter_rate_hz"] * tick_seconds)
        self._tone_clock = TimelineClock(0.0, self._tone_clock_rate())
        self._wow = (wow_speed(now["wow_percent"], now["wow_rate_hz"]), now["wow_rate_hz"])  # gliding speed, rate
        primed = {name: np.full(2, v) for name, v in now.items()}  # as at the two ticks around the position
        primed_once = {name: v[:1] for name, v in primed.items()}
        speeds = np.full(2, self._wow[0])

        def wanders(wander_ticks: tuple[int, int]) -> np.ndarray:
            times = np.array([self._tone_clock.at(w) for w in wander_ticks])
            return self._evaluate_wanders(np.array(wander_ticks), times, primed, speeds)

        # The delays at the control ticks around the position, each from the wanders a full render
        # had there (tick T's were found at tick T - 1, between wander ticks W and W + 1); then the
        # wanders around the position.
        delays = []
        for tick in ticks_around(self._position, CONTROL_INTERVAL):
            wander_tick = 0 if tick == 0 else (tick - 1) // TICKS_PER_WANDER_TICK
            around = wanders((wander_tick, wander_tick + 1))
            motion = between(around[..., 0], around[..., 1], motion_fraction(np.array([tick])))
            controls = np.array(self._controls_at(tick))[:, np.newaxis]
            delays.append(self._evaluate(np.array([tick]), controls, primed_once, motion[..., np.newaxis])[:, 0])
        self._delay_from, self._delay_to = delays  # at the last and the next control tick
        around = wanders(ticks_around(self._position, WANDER_TICK_SAMPLES))
        self._wanders_from, self._wanders_to = around[..., 0], around[..., 1]  # at the last and the next wander tick

    def _tone_clock_rate(self) -> float:
        """the tone wander's knots per wander tick"""
        return WANDER_TICK_SAMPLES / self._sample_rate / self._time_s

    def _set_setting(self, name: str, value: float) -> None:
        if name == "time_s":
            self._time_s = value
        elif name == "seed":
            self._seed = int(value)
        elif name == "track_id":
            self._track_id = int(value)

    def _controls_at(self, tick: int) -> tuple[float, ...]:
        """Clocks (wow phase, flutter phase) at a control tick, the wow's displacement amplitude (s)
        and its rate wander's phase amplitude (cycles: 10 % of the rate RMS through the slope)."""
        clocks = (self._wow_clock, self._flutter_clock)
        speed, rate = self._wow
        rate_wander = WOW_RATE_WANDER * rate * WOW_WANDER_SECONDS / SLOPE_RMS
        return (*(clock.at(tick) for clock in clocks), speed / (2 * np.pi * rate), rate_wander)

    @staticmethod
    def _link(values: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """The shared and own wanders' weights: link and sqrt(1 - link^2), which keep the variance."""
        link = 0.01 * values["stereo_link_percent"]
        return link, np.sqrt(np.maximum(0.0, 1 - link * link))

    def _mixed(self, name: str, time: np.ndarray, c: int, link: np.ndarray, own: np.ndarray) -> np.ndarray:
        """link * shared + own * channel c's wander"""
        return link * smooth_random(self._keys[name][0], time) + own * smooth_random(self._keys[name][c + 1], time)

    def _evaluate(
        self, ticks: np.ndarray, controls: np.ndarray, values: dict[str, np.ndarray], wanders: np.ndarray
    ) -> np.ndarray:
        """The delay, channel x tick, at the given control ticks, with the wanders there (row x channel x tick)."""
        wow_clock, flutter_clock, wow_amplitude, rate_wander = controls
        flutter_rate = values["flutter_rate_hz"]
        harmonics = np.arange(1, 4)[:, np.newaxis]
        weighted = np.sum(
            (np.array(FLUTTER_HARMONICS)[:, np.newaxis] * flutter_weighting(harmonics * flutter_rate)) ** 2, 0
        )
        flutter_scale = 0.01 * values["flutter_percent"] / (2 * np.sqrt(0.5 * weighted))

        # the shared rate wander moves the wow's phase so that its slope, the rate, moves by 10 % RMS
        wow_phase = wow_clock + rate_wander * wanders[RATE, 0]
        wow_phase -= np.floor(wow_phase)
        flutter_phase = flutter_clock - np.floor(flutter_clock)

        out = np.empty((self._num_channels, len(ticks)))
        for c in range(self._num_channels):
            depth, offset = np.clip(wanders[DEPTH, c], -2.5, 2.5), wanders[OFFSET, c]
            # the displacement whose speed is the wow, centred
            displacement = wow_amplitude * (1 + WOW_DEPTH_WANDER * depth) * np.cos(2 * np.pi * (wow_phase + offset))
            # the harmonics cos(k a + b_k) from one cosine and sine of a (Chebyshev's recurrence), as C++
            angle = 2 * np.pi * (flutter_phase + offset)
            cosine, sine = np.cos(angle), np.sin(angle)
            multiple = (cosine, sine)
            previous = (np.ones_like(cosine), np.zeros_like(sine))
            for k, amplitude in enumerate(FLUTTER_HARMONICS, start=1):
                offset_cosine, offset_sine = self._flutter_offsets[k - 1]
                displacement += (
                    flutter_scale
                    * amplitude
                    / (2 * np.pi * k * flutter_rate)
                    * (multiple[0] * offset_cosine - multiple[1] * offset_sine)
                )
                following = (2.0 * cosine * multiple[0] - previous[0], 2.0 * cosine * multiple[1] - previous[1])
                previous, multiple = multiple, following
            displacement = np.clip(displacement, -MAX_DISPLACEMENT_SECONDS, MAX_DISPLACEMENT_SECONDS)
            out[c] = self._latency + displacement * self._sample_rate
        return out

    def _evaluate_wanders(
        self, wander_ticks: np.ndarray, tone_time: np.ndarray, values: dict[str, np.ndarray], speeds: np.ndarray
    ) -> np.ndarray:
        """The wanders (RATE, DEPTH, OFFSET, LOW, LEVEL) x channel x wander tick, at the tone
        wander's times (knot spacings) and the wow's gliding speed before each tick: the shared rate
        wander; each channel's depth wander and tone, link * shared + sqrt(1 - link^2) * its own,
        and its phase offset scaled by (1 - link). A transport at rest (no wow, none gliding away, no
        flutter) holds its wanders at 0."""
        seconds = wander_ticks.astype(np.float64) * (WANDER_TICK_SAMPLES / self._sample_rate)
        wow_time, phase_time = seconds / WOW_WANDER_SECONDS, seconds / PHASE_WANDER_SECONDS
        moving = (speeds != 0) | (values["wow_percent"] != 0) | (values["flutter_percent"] != 0)
        link, own = self._link(values)
        out = np.empty((5, self._num_channels, len(wander_ticks)))
        out[RATE] = smooth_random(self._keys["wow_rate"][0], wow_time)  # shared: every channel's row alike
        for c in range(self._num_channels):
            out[DEPTH, c] = self._mixed("wow_depth", wow_time, c, link, own)
            out[OFFSET, c] = (1 - link) * PHASE_WANDER_CYCLES * smooth_random(self._keys["phase"][c + 1], phase_time)
            out[:LOW, c] = np.where(moving, out[:LOW, c], 0.0)
            tilt_db = 0.5 * values["tilt_db"] * self._mixed("tilt", tone_time, c, link, own)
            gain_db = 0.5 * values["gain_db"] * self._mixed("gain", tone_time, c, link, own)
            out[LOW, c], out[LEVEL, c] = (
                np.exp(-tilt_db * LN10 / 40.0),
                np.exp(gain_db * LN10 / 20.0),
            )  # 10^(-tilt/40), 10^(gain/20)
        return out

    def _process_block(self, block: np.ndarray) -> np.ndarray:
        n = block.shape[1]
        values = self._smoothed_values(n)
        samples = self._position + np.arange(n)
        # At each control tick inside the block: at a wander tick first, the tone clock takes its
        # rate and the next wander tick's wanders become the target; then the wow's speed and rate
        # glide one tick towards the settings of that sample, the clocks take their rates, and the
        # next tick's delay becomes the target.
        boundaries = np.flatnonzero(samples % CONTROL_INTERVAL == 0)
        ticks = samples[boundaries] // CONTROL_INTERVAL
        tick_seconds = CONTROL_INTERVAL / self._sample_rate
        controls = np.empty((4, len(ticks)))
        wander_boundaries = boundaries[ticks % TICKS_PER_WANDER_TICK == 0]
        tone_times, speeds = np.empty(len(wander_boundaries)), np.empty(len(wander_boundaries))
        for i, (tick, j) in enumerate(zip(ticks, boundaries, strict=True)):
            if tick % TICKS_PER_WANDER_TICK == 0:
                w = np.searchsorted(wander_boundaries, j)
                self._tone_clock.set_rate(int(tick) // TICKS_PER_WANDER_TICK, self._tone_clock_rate())
                tone_times[w], speeds[w] = self._tone_clock.at(int(tick) // TICKS_PER_WANDER_TICK + 1), self._wow[0]
            speed = glide(self._wow[0], wow_speed(values["wow_percent"][j], values["wow_rate_hz"][j]), self._glide)
            self._wow = speed, glide(self._wow[1], values["wow_rate_hz"][j], self._glide)
            self._wow_clock.set_rate(int(tick), self._wow[1] * tick_seconds)
            self._flutter_clock.set_rate(int(tick), values["flutter_rate_hz"][j] * tick_seconds)
            controls[:, i] = self._controls_at(int(tick) + 1)
        wander_ticks = samples[wander_boundaries] // WANDER_TICK_SAMPLES
        wander_targets = self._evaluate_wanders(
            wander_ticks + 1, tone_times, {name: v[wander_boundaries] for name, v in values.items()}, speeds
        )
        (wanders, starts, ends), (self._wanders_from, self._wanders_to) = ramps(
            samples, WANDER_TICK_SAMPLES, wander_boundaries, (self._wanders_from, self._wanders_to), wander_targets
        )
        # each control tick's delay from the wanders between the wander ticks around it
        motion = between(starts[..., boundaries], ends[..., boundaries], motion_fraction(ticks + 1))
        targets = self._evaluate(ticks + 1, controls, {name: v[boundaries] for name, v in values.items()}, motion)
        (delay, _, _), (self._delay_from, self._delay_to) = ramps(
            samples, CONTROL_INTERVAL, boundaries, (self._delay_from, self._delay_to), targets
        )
        low, level = wanders[LOW], wanders[LEVEL]
        # The tilt at 0 dB at both wander ticks: its lowpass holds, and the read passes (times the level).
        flat = (starts[LOW] == 1.0) & (ends[LOW] == 1.0)

        out = np.empty_like(block)
        for c in range(self._num_channels):
            history = np.concatenate([self._histories[c], sanitize(block[c])])
            delayed = sinc_interpolator.read(history, self._history + np.arange(n), delay[c])
            self._histories[c] = history[n:]

            out[c] = delayed * level[c]
            tilted = ~flat[c]
            if tilted.any():
                a = self._tilt_coefficient
                lowpass, self._tilt_states[c] = scipy.signal.lfilter(
                    [a], [1.0, a - 1.0], delayed[tilted], zi=self._tilt_states[c]
                )
                low_tilted = low[c][tilted]
                out[c][tilted] = (lowpass * low_tilted + (delayed[tilted] - lowpass) / low_tilted) * level[c][tilted]
        self._position += n
        return out


def between(start: np.ndarray, end: np.ndarray, fraction: np.ndarray) -> np.ndarray:
    """start + (end - start) fraction, as C++ interpolates between ticks"""
    return start + (end - start) * fraction


def motion_fraction(ticks: np.ndarray) -> np.ndarray:
    """Where control tick T falls between the wander ticks W = (T - 1) // 8 and W + 1, whose
    wanders its delay is found from (at tick T - 1): (T - 8 W) / 8; tick 0: W = 0, at 0."""
    return np.where(ticks == 0, 0.0, ((ticks - 1) % TICKS_PER_WANDER_TICK + 1) / TICKS_PER_WANDER_TICK)


def ramps(
    samples: np.ndarray,
    interval: int,
    boundaries: np.ndarray,
    last: tuple[np.ndarray, np.ndarray],
    targets: np.ndarray,
) -> tuple[tuple[np.ndarray, np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Values ticked every `interval` samples, at each of a block's timeline samples: linear from the
    value at the tick at or before the sample to the next tick's (starts, ends). last: (from, to)
    before the block; targets: the next tick's values set at each tick in it (boundaries: where),
    ticks on the last axis. Returns (values, starts, ends) per sample and the (from, to) after it."""
    ends = np.concatenate([last[1][..., np.newaxis], targets], axis=-1)
    starts = np.concatenate([last[0][..., np.newaxis], ends[..., :-1]], axis=-1)
    segment = np.searchsorted(boundaries, np.arange(len(samples)), side="right")
    fraction = (samples % interval) / interval
    starts_at, ends_at = starts[..., segment], ends[..., segment]
    return (starts_at + (ends_at - starts_at) * fraction, starts_at, ends_at), (starts[..., -1], ends[..., -1])
