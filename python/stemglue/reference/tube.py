"""Tube saturation, the reference for cpp/src/tube.cpp.

Signal flow, per channel:

    x -> bloom envelope (attack 10 ms, release 200 ms) of the driven level's peak, stepped at
         each control tick; the shaper's coefficients are ramped between the ticks
      -> oversample -> v = g x + bias -> shaper f(v) = v / sqrt(1 + v^2) with ADAA (first order
         at 1x, second order at 2x and up)
      -> minus the offset f(bias), times the level-compensating makeup (both found at control
         ticks, ramped between) -> post filter -> pad -> downsample
      -> 10 Hz DC blocker -> loudness match (3 s) -> tilt around 800 Hz -> output trim
      -> mix with the aligned input

f is odd, so bias 0 gives odd harmonics only. Bloom raises the bias (more even harmonics) and
sags the gain on loud passages; at 0 % its envelope holds. At 1x the shaper is ADAA1, exactly
(v + v') / (sqrt(1 + v^2) + sqrt(1 + v'^2)): no division by v - v'. It delays by half a top-rate
sample and droops by cos(w/2); the post filter P(w) = cos(w/2) * sum_{j<3} sin(w/2)^(2j) adds 2.5
samples (total 3) and flattens that droop. With ADAA off, f is taken at the midpoint of v and v',
which has the same latency and linear response.

At 2x and up the shaper is second-order ADAA: 2 (D(v, v') - D(v', v'')) / (v - v''), where D(a, b)
is the mean of F1 = sqrt(1 + v^2) over the step from b to a (three-point Gauss-Legendre, exact to
fifth order), and where v'' is within a millionth of v its limit as they meet at m = (v + v'') / 2,
which needs no division (f of the three samples' mean where all three are equal). It weighs the last two steps by
a triangle: a sample late, and for small signals the three samples' mean, (1 + 2 cos w) / 3. The
post filter sum_{j<3} ((4/3) sin(w/2)^2)^j (taps [1, -7, 21, -7, 1] / 9) adds 2 samples (total 3,
as at 1x) and flattens that to -1.1 dB at 20 kHz at 2x. Its fold at the top rate is far weaker than
ADAA1's: at 2x and 12 dB drive a full-scale 5 kHz sine's aliases below 16 kHz fall from -66 dB to
-82 dB. (At 1x its mean has a zero at fs/3, so 1x keeps ADAA1.) With ADAA off, f is taken at the
three samples' mean.
"""

from __future__ import annotations

import numpy as np
import scipy.signal

from stemglue.reference.delay_line import DelayLine
from stemglue.reference.fir_filter import FirFilter
from stemglue.reference.module import ReferenceModule
from stemglue.reference.oversampler import Oversampler
from stemglue.reference.sanitize import sanitize
from stemglue.reference.smooth_random import CONTROL_INTERVAL

BLOOM_ATTACK_MS = 10.0
BLOOM_RELEASE_MS = 200.0
SAG_DEPTH = 0.25  # gain drop at full bloom and a saturated envelope
BLOOM_BIAS_DEPTH = 2.0  # bias grows up to 3x at full bloom
# Swing at which the curve's secant gain is compensated: the RMS amplitude of a -12 dBFS sine,
# so that sine keeps its RMS level (within about 1 dB) at any drive, clean or fully clipped.
LEVEL_REFERENCE_SWING = 0.25 / 1.4142135623730951
# Loudness match: the static compensation is exact for one swing only, and a loud stem compresses
# more. Each channel's wet is trimmed by the square root of its power loss: the ratio of 100 ms
# powers of the DC-free, latency-aligned dry and wet, its logarithm averaged in time over 3 s while
# the dry is above -60 dBFS (silence holds the trim) and sampled at control ticks (a short overload
# moves it by its share of the time only); each ratio weighted by a 100 ms average of the gate, plus
# a prior at unity worth 0.1 s of that weight that fades as the short averages settle, so a
# stream's first ratios cannot swing the trim.
MATCH_SHORT_MS, MATCH_MS, MATCH_GATE_POWER, MATCH_FLOOR_POWER = 100.0, 3000.0, 1e-6, 1e-12
MATCH_PRIOR_WEIGHT = 1.0 - float(np.exp(-1000.0 * 0.1 / MATCH_MS))  # 0.1 s of settled weight
MATCH_MAX_POWER_RATIO = 16.0  # +-12 dB
MATCH_MAX_DRY = 4.0  # +12 dBFS
TILT_PIVOT_HZ = 800.0
DC_BLOCKER_HZ = 10.0
SHAPER_AND_POST_DELAY_TOP_RATE = 3  # ADAA 0.5 + post filter 2.5, or 1 + 2
OVERSAMPLING_FACTORS = (1, 2, 4, 8)


GAUSS_NODE = 0.7745966692414834  # sqrt(3/5)
GAUSS_OUTER_WEIGHT, GAUSS_INNER_WEIGHT = 5.0 / 9.0, 8.0 / 9.0
GAUSS_LOW_FRACTION, GAUSS_HIGH_FRACTION = (1.0 - GAUSS_NODE) / 2.0, (1.0 + GAUSS_NODE) / 2.0
ADAA_TOLERANCE = 1e-6


def shaper(v: np.ndarray) -> np.ndarray:
    return v / np.sqrt(1.0 + v * v)


def shaper_antiderivative(v: np.ndarray) -> np.ndarray:
    return np.sqrt(1.0 + v * v)


def step_mean(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The mean of F1 over the step from b to a."""
    middle, half = 0.5 * (a + b), 0.5 * (a - b)
    return 0.5 * (
        GAUSS_OUTER_WEIGHT * shaper_antiderivative(middle - half * GAUSS_NODE)
        + GAUSS_INNER_WEIGHT * shaper_antiderivative(middle)
        + GAUSS_OUTER_WEIGHT * shaper_antiderivative(middle + half * GAUSS_NODE)
    )


def three_sample_mean(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """(a + b + c) / 3 written so that equal samples give b itself (a shaper at rest gives its offset)."""
    return b + (a + c - 2.0 * b) / 3.0


def narrow_span_mean(m: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The limit of the second-order mean as its first and last samples meet at m (no division)."""
    step = m - b
    return (
        GAUSS_OUTER_WEIGHT * GAUSS_LOW_FRACTION * shaper(b + GAUSS_LOW_FRACTION * step)
        + GAUSS_INNER_WEIGHT * 0.5 * shaper(b + 0.5 * step)
        + GAUSS_OUTER_WEIGHT * GAUSS_HIGH_FRACTION * shaper(b + GAUSS_HIGH_FRACTION * step)
    )


def second_order_adaa(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """The shaper's triangle-weighted mean over the steps c -> b -> a (a the newest sample)."""
    span = a - c
    wide = np.abs(span) >= ADAA_TOLERANCE * (1.0 + np.abs(b))
    mean = 2.0 * (step_mean(a, b) - step_mean(b, c)) / np.where(wide, span, 1.0)
    if np.all(wide):
        return mean
    middle = 0.5 * (a + c)
    limit = np.where(middle == b, shaper(three_sample_mean(a, b, c)), narrow_span_mean(middle, b))
    return np.where(wide, mean, limit)


def _sum_of_powers(kernel: np.ndarray) -> np.ndarray:
    """kernel^0 + kernel^1 + kernel^2 (by convolution), centred in 5 taps."""
    total = np.zeros(5)
    power = np.array([1.0])
    for _ in range(3):
        total += np.pad(power, (5 - len(power)) // 2)
        power = np.convolve(power, kernel)
    return total


def first_order_post_taps() -> np.ndarray:
    """cos(w/2) * sum_{j<3} sin(w/2)^(2j): [1/2, 1/2] * sum of powers of [-1/4, 1/2, -1/4]."""
    return np.convolve([0.5, 0.5], _sum_of_powers(np.array([-0.25, 0.5, -0.25])))  # [1, -7, 22, 22, -7, 1] / 32


def second_order_post_taps() -> np.ndarray:
    """sum_{j<3} ((4/3) sin(w/2)^2)^j: sum of powers of [-1/3, 2/3, -1/3]."""
    return _sum_of_powers(np.array([-1.0, 2.0, -1.0]) / 3.0)  # [1, -7, 21, -7, 1] / 9


def latency_for_factor(factor: int) -> int:
    oversampler = Oversampler()
    oversampler.reset(factor)
    top_rate_delay = oversampler.round_trip_delay_top_rate() + SHAPER_AND_POST_DELAY_TOP_RATE
    return -(-top_rate_delay // factor)


def db_to_gain(db: np.ndarray) -> np.ndarray:
    return 10.0 ** (np.asarray(db) / 20.0)


def shaper_coefficients(drive_gain: float, bias_value: float, bloom: float, factor: int) -> np.ndarray:
    """The shaper's gain, bias, offset f(bias) and level compensation at a control tick. The offset
    is of the float32 bias v holds at rest (at 1x in float32 arithmetic, as that path's shaper), so
    a shaper at rest gives exactly its offset."""
    gain = drive_gain * (1.0 - SAG_DEPTH * bloom)
    bias = bias_value * (1.0 + BLOOM_BIAS_DEPTH * bloom)
    swing = gain * LEVEL_REFERENCE_SWING  # inverse secant gain over +-LEVEL_REFERENCE_SWING
    makeup = 2.0 * LEVEL_REFERENCE_SWING / (shaper(bias + swing) - shaper(bias - swing))
    b = np.float32(bias)
    offset = b / np.sqrt(np.float32(1.0) + b * b) if factor == 1 else np.float32(shaper(float(b)))
    return np.array([gain, bias, float(offset), makeup])


class _Channel:
    def __init__(self) -> None:
        self.oversampler = Oversampler()
        self.first_order_post = FirFilter(first_order_post_taps())
        self.second_order_post = FirFilter(second_order_post_taps())
        self.top_rate_pad = DelayLine()
        self.dry_delay = DelayLine()
        self.reset(factor=1, latency=latency_for_factor(1))

    def reset(self, factor: int, latency: int, bias: float = 0.0, drive_gain: float = 1.0) -> None:
        self.oversampler.reset(factor)
        self.first_order_post.reset()
        self.second_order_post.reset()
        pad = latency * factor - self.oversampler.round_trip_delay_top_rate() - SHAPER_AND_POST_DELAY_TOP_RATE
        self.top_rate_pad.set_delay(pad)
        self.dry_delay.set_delay(latency)
        self.envelope = self.level_peak = 0.0  # bloom: the envelope, the driven level's peak since the last tick
        self.shaper_from = self.shaper_to = shaper_coefficients(drive_gain, bias, 0.0, factor)  # at the last two ticks
        # Start the shaper at rest (v = bias for silence), or the first samples would click.
        self.previous_v = self.previous_v2 = bias
        self.previous_root = float(np.sqrt(1.0 + bias * bias))
        self.tilt_state = np.zeros(1)
        self.dc_state = np.zeros(1)
        self.dry_dc_state = np.zeros(1)  # the dry's DC blocker, for the loudness match only
        # the loudness match: short-term powers and how settled, the time average of their ratio's log
        self.dry_power = self.wet_power = self.settled = 0.0
        self.log_ratio_sum = self.ratio_weight = 0.0
        self.prior = MATCH_PRIOR_WEIGHT
        self.heard_since_tick = False  # whether the dry was heard since the last control tick
        self.trim_from = self.trim_to = 1.0  # the wet's trim at the last two control ticks


class Tube(ReferenceModule):
    """Reference Tube: same keywords, call signature and output as stemglue.Tube."""

    module = "tube"

    def __init__(self, **values: object) -> None:
        self._channels: list[_Channel] = []
        super().__init__(**values)

    @property
    def latency_samples(self) -> int:
        return self._latency

    def _prepare_module(self) -> None:
        rate = self._sample_rate
        self._channels = [_Channel() for _ in range(self._num_channels)]
        # per control tick: the envelope steps once an interval
        self._attack = 1.0 - np.exp(-1000.0 * CONTROL_INTERVAL / (BLOOM_ATTACK_MS * rate))
        self._release = 1.0 - np.exp(-1000.0 * CONTROL_INTERVAL / (BLOOM_RELEASE_MS * rate))
        self._tilt_coefficient = 1.0 - np.exp(-2.0 * np.pi * TILT_PIVOT_HZ / rate)
        self._dc_pole = np.exp(-2.0 * np.pi * DC_BLOCKER_HZ / rate)
        self._match_short = np.exp(-1000.0 / (MATCH_SHORT_MS * rate))
        self._match_tick_average = np.exp(-1000.0 * CONTROL_INTERVAL / (MATCH_MS * rate))

    def _reset_module(self) -> None:
        for channel in self._channels:
            channel.reset(
                self._factor,
                self._latency,
                self._smoothers["bias"].current,
                db_to_gain(self._smoothers["drive_db"].current),
            )

    def _set_setting(self, name: str, value: float) -> None:
        if name == "oversampling":  # structural: the base applies it at reset, prepared or not
            self._factor = int(value)
            self._latency = latency_for_factor(self._factor)
        elif name == "adaa":
            self._adaa = value >= 0.5

    def _process_block(self, block: np.ndarray) -> np.ndarray:
        n = block.shape[1]
        values = self._smoothed_values(n)
        drive_gain = db_to_gain(values["drive_db"])
        bloom_amount = 0.01 * values["bloom_percent"]
        tilt_low_gain = db_to_gain(-0.5 * values["tone_db"])
        tilt_high_gain = 1.0 / tilt_low_gain
        output_gain = db_to_gain(values["output_db"])
        mix = 0.01 * values["mix_percent"]
        factor = self._factor

        # The chunk's control intervals: each starts at a tick, or at the chunk's start.
        phase = (self._position + np.arange(n)) % CONTROL_INTERVAL
        starts = np.flatnonzero((phase == 0) | (np.arange(n) == 0))
        ends = np.append(starts[1:], n)

        out = np.empty_like(block)
        for c, channel in enumerate(self._channels):
            x = sanitize(block[c].astype(np.float64))
            dry = channel.dry_delay.process(x)

            # Bloom and the shaper's coefficients move at the control ticks, ramped to over the next
            # interval: the envelope steps with the driven level's peak since the last tick (it
            # holds where the bloom is 0 %).
            level = np.abs(x) * drive_gain
            ramps = np.empty((4, n))  # gain, bias, offset, makeup
            for start, end in zip(starts, ends, strict=True):
                if phase[start] == 0:
                    if bloom_amount[start] != 0:
                        peak, state = channel.level_peak, channel.envelope
                        coefficient = self._attack if peak > state else self._release
                        channel.envelope = (1.0 - coefficient) * state + coefficient * peak
                    channel.level_peak = 0.0
                    bloom = bloom_amount[start] * channel.envelope / (1.0 + channel.envelope)
                    channel.shaper_from = channel.shaper_to
                    channel.shaper_to = shaper_coefficients(drive_gain[start], values["bias"][start], bloom, factor)
                channel.level_peak = max(channel.level_peak, float(level[start:end].max()))
                rise = channel.shaper_to - channel.shaper_from
                ramps[:, start:end] = channel.shaper_from[:, None] + rise[:, None] * (
                    phase[start:end] / CONTROL_INTERVAL
                )
            gain, bias, offset, makeup = ramps

            # Shaper at the top rate; parameters hold for each input sample's sub-samples.
            top = channel.oversampler.upsample(x)
            v = np.repeat(gain, factor) * top + np.repeat(bias, factor)
            history = np.concatenate([[channel.previous_v2, channel.previous_v], v])
            previous_v, previous_v2 = history[1:-1], history[:-2]
            channel.previous_v2, channel.previous_v = float(history[-2]), float(history[-1])
            if factor == 1:
                root = np.sqrt(1.0 + v * v)
                previous_root = np.concatenate([[channel.previous_root], root[:-1]])
                channel.previous_root = float(root[-1])
                if self._adaa:
                    shaped = (v + previous_v) / (root + previous_root)
                else:
                    shaped = shaper(0.5 * (v + previous_v))
                post = channel.first_order_post
            else:
                if self._adaa:
                    shaped = second_order_adaa(v, previous_v, previous_v2)
                else:
                    shaped = shaper(three_sample_mean(v, previous_v, previous_v2))
                post = channel.second_order_post
            top = (shaped - np.repeat(offset, factor)) * np.repeat(makeup, factor)
            top = channel.top_rate_pad.process(post.process(top))
            wet = channel.oversampler.downsample(top)

            # DC first (bias and asymmetric clipping leave some, and the input may carry some), so
            # the match weighs what is heard.
            blocker = ([1.0, -1.0], [1.0, -self._dc_pole])
            wet, channel.dc_state = scipy.signal.lfilter(*blocker, wet, zi=channel.dc_state)
            # the dry as heard up to +12 dBFS (an absurd sample's power would outlast the short average)
            heard_dry = np.clip(dry, -MATCH_MAX_DRY, MATCH_MAX_DRY)
            dry_blocked, channel.dry_dc_state = scipy.signal.lfilter(*blocker, heard_dry, zi=channel.dry_dc_state)

            # Loudness match: gated short-term powers; the time average of their ratio's logarithm,
            # moved at the control ticks where the dry was heard since the last.
            def average(x, coefficient, state):
                return scipy.signal.lfilter([1 - coefficient], [1, -coefficient], x, zi=[coefficient * state])[0]

            dry_power = dry_blocked * dry_blocked
            heard = (dry_power > MATCH_GATE_POWER).astype(np.float64)
            dry_power = average(heard * dry_power, self._match_short, channel.dry_power)
            wet_power = average(heard * wet * wet, self._match_short, channel.wet_power)
            settled = average(heard, self._match_short, channel.settled)
            prior = channel.prior * self._match_short ** np.cumsum(heard)
            channel.dry_power, channel.wet_power = float(dry_power[-1]), float(wet_power[-1])
            channel.settled, channel.prior = float(settled[-1]), float(prior[-1])
            # The ratio's average and the trim move over seconds: both are taken at each control
            # tick (the trim ramped to over the next interval), as C++.
            ticks = np.flatnonzero(phase == 0)
            ratio = np.clip(
                (dry_power[ticks] + MATCH_FLOOR_POWER) / (wet_power[ticks] + MATCH_FLOOR_POWER),
                1 / MATCH_MAX_POWER_RATIO,
                MATCH_MAX_POWER_RATIO,
            )
            log_ratio = np.log(ratio)
            log_ratio_sum = np.full(len(ticks), channel.log_ratio_sum)
            ratio_weight = np.full(len(ticks), channel.ratio_weight)
            # heard since the last tick, at each tick (at the tick alone, a tone whose period
            # divides the interval could go unheard for good)
            intervals = np.split(heard > 0, ticks + 1)  # each ending at a tick, then the rest
            heard_at_ticks = np.array([interval.any() for interval in intervals[:-1]], dtype=bool)
            if len(ticks):
                heard_at_ticks[0] |= channel.heard_since_tick
            channel.heard_since_tick = bool(intervals[-1].any()) or (channel.heard_since_tick and not len(ticks))
            moved = np.flatnonzero(heard_at_ticks)
            if len(moved):  # an average over those ticks, held in between
                last = np.searchsorted(moved, np.arange(len(ticks)), side="right") - 1
                sums = average(
                    settled[ticks][moved] * log_ratio[moved], self._match_tick_average, channel.log_ratio_sum
                )
                weights = average(settled[ticks][moved], self._match_tick_average, channel.ratio_weight)
                log_ratio_sum = np.where(last >= 0, sums[last], channel.log_ratio_sum)
                ratio_weight = np.where(last >= 0, weights[last], channel.ratio_weight)
                channel.log_ratio_sum, channel.ratio_weight = float(log_ratio_sum[-1]), float(ratio_weight[-1])
            at_ticks = np.concatenate(
                [
                    [channel.trim_from, channel.trim_to],
                    np.exp(0.5 * log_ratio_sum / (ratio_weight + prior[ticks])),  # the prior: worth a ratio of 1
                ]
            )
            passed = np.searchsorted(ticks, np.arange(n), side="right")  # ticks at or before each sample
            trim_from, trim_to = at_ticks[passed], at_ticks[passed + 1]
            channel.trim_from, channel.trim_to = float(at_ticks[-2]), float(at_ticks[-1])
            wet = wet * (trim_from + (trim_to - trim_from) * (phase / CONTROL_INTERVAL))

            # Tilt: complementary one-pole split at the pivot.
            a = self._tilt_coefficient
            lowpass, channel.tilt_state = scipy.signal.lfilter([a], [1.0, a - 1.0], wet, zi=channel.tilt_state)
            tilted = lowpass * tilt_low_gain + (wet - lowpass) * tilt_high_gain
            out[c] = dry * (1.0 - mix) + tilted * output_gain * mix
        self._position += n
        return out
