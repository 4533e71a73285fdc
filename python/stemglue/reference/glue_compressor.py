"""Glue compressor, the reference for cpp/src/glue_compressor.cpp (Giannoulis, Massberg & Reiss).

sidechain  2nd-order Butterworth high-pass per channel; level = the larger magnitude, in dB
gain       soft-knee static curve -> target gain reduction g (dB)
detector   y1 = max(g, aR y1 + (1 - aR) g);  y = aA y + (1 - aA) y1   (smooth decoupled peak)
auto       fast branch (80 ms release) and a slow one (500 ms attack, 1.5 s release); the
           larger reduction wins
makeup     with glue_auto_makeup: a = min(sqrt(<p> / <p g^2>), 10^((<y> + 1) / 20)), p the input power
           (summed over channels; 0 below -60 dBFS), g = 10^(-y/20), y the reduction (dB), <> a
           one-pole average over 3 s from zero (frozen while auto makeup is off; taken every 32
           samples, the factor ramped between, and <y> of y at the ticks after intervals with p:
           ticked_power_ratio), so each is a mean from the first sample and holds through silence;
           the loudness given back over seconds, the dynamics within them left compressed, but never
           more than 1 dB beyond the reduction's time average: weighted by power, a short overload,
           reduced hard and loud, held the seconds after it up (100 samples at 1e6: +3.8 dB for 30 s).
           Its switch glides: a -> (1 - s) + s a, s the switch smoothed over 20 ms; the averages
           take the samples with s > 0
output     x ((1 - mix) + mix 10^(makeup / 20) g a); no latency. g is found once and used by both
           the auto makeup and the output, as C++ does
"""

from __future__ import annotations

import numpy as np
import scipy.signal

from stemglue.reference.module import ReferenceModule
from stemglue.reference.sanitize import sanitize
from stemglue.reference.ticked_power_ratio import TickedPowerRatio

AUTO_FAST_RELEASE_MS, AUTO_SLOW_ATTACK_MS, AUTO_SLOW_RELEASE_MS = 80.0, 500.0, 1500.0
FLOOR_DB = -200.0
AUTO_MAKEUP_MS, AUTO_MAKEUP_CAP_DB = 3000.0, 1.0
# Samples below -60 dBFS (summed power) do not move the averages, as BS.1770 gates silence: a noise
# floor or a host's silent pre-roll leaves them exactly where they were.
AUTO_MAKEUP_GATE_POWER = 1e-6  # the default floor peaks at -63 dBFS


def coefficient(milliseconds: float, sample_rate: float) -> float:
    return float(np.exp(-1000.0 / (milliseconds * sample_rate)))


def gain_reduction(x: np.ndarray, threshold: np.ndarray, ratio: np.ndarray, knee: np.ndarray) -> np.ndarray:
    """The static curve's gain reduction (dB, >= 0) for input levels x (dB)."""
    over = x - threshold
    inside = over + 0.5 * knee
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # knee 0: that branch is unused
        in_knee = (1 - 1 / ratio) * inside * inside / (2 * knee)
    return np.where(2 * over < -knee, 0.0, np.where(2 * np.abs(over) <= knee, in_knee, over * (1 - 1 / ratio)))


def highpass(frequency_hz: float, sample_rate: float) -> tuple[np.ndarray, np.ndarray]:
    """RBJ Butterworth high-pass (b, a), cutoff kept below Nyquist."""
    w = 2 * np.pi * min(frequency_hz, 0.45 * sample_rate) / sample_rate
    alpha, cosine = np.sin(w) / np.sqrt(2.0), np.cos(w)
    a0 = 1 + alpha
    return np.array([(1 + cosine) / 2, -(1 + cosine), (1 + cosine) / 2]) / a0, np.array(
        [1.0, -2 * cosine / a0, (1 - alpha) / a0]
    )


class GlueCompressor(ReferenceModule):
    """Reference GlueCompressor: same keywords, call signature and output as stemglue.GlueCompressor."""

    module = "glue"

    def __init__(self, **values: object) -> None:
        self.gain_reduction_db = 0.0
        super().__init__(**values)

    @property
    def latency_samples(self) -> int:
        return 0

    def _reset_module(self) -> None:
        self._filter_state = np.zeros((self._num_channels, 2))
        self._peak = self._smooth = self._slow = 0.0
        self.gain_reduction_db = 0.0
        self._makeup = TickedPowerRatio()  # auto makeup: sqrt(<p> / <p g^2>), capped
        self._makeup.set_cap(AUTO_MAKEUP_CAP_DB)

    def _auto_makeup_gain(self, x: np.ndarray, reduction_db: np.ndarray, reduction_gain: np.ndarray) -> np.ndarray:
        """sqrt(<p> / <p g^2>), g the compressor's gain, at most 1 dB over the reduction's time average;
        the averages move only while auto makeup is on."""
        power = np.sum(x * x, axis=0)
        power = np.where(power > AUTO_MAKEUP_GATE_POWER, power, 0.0)
        self._makeup.set_average(coefficient(AUTO_MAKEUP_MS, self._sample_rate))
        return self._makeup.process(self._position, power, power * reduction_gain * reduction_gain, reduction_db)

    def _set_setting(self, name: str, value: float) -> None:
        if name == "attack_ms":
            self._attack_ms = value
        elif name == "release_ms":
            self._release_ms = value
        elif name == "sidechain_hpf_hz":
            self._highpass_hz = value
        elif name == "auto_release":
            self._auto = value >= 0.5

    def _process_block(self, block: np.ndarray) -> np.ndarray:
        n = block.shape[1]
        rate = self._sample_rate
        values = self._smoothed_values(n)
        x = sanitize(block)
        b, a = highpass(self._highpass_hz, rate)
        sidechain = np.empty_like(x)
        for c in range(x.shape[0]):
            sidechain[c], self._filter_state[c] = scipy.signal.lfilter(b, a, x[c], zi=self._filter_state[c])
        level = np.max(np.abs(sidechain), axis=0)
        with np.errstate(divide="ignore"):
            level_db = np.where(level > 1e-10, 20 * np.log10(level), FLOOR_DB)
        target = gain_reduction(level_db, values["threshold_db"], values["ratio"], values["knee_db"])

        attack = coefficient(self._attack_ms, rate)
        release = coefficient(AUTO_FAST_RELEASE_MS if self._auto else self._release_ms, rate)
        slow_attack, slow_release = coefficient(AUTO_SLOW_ATTACK_MS, rate), coefficient(AUTO_SLOW_RELEASE_MS, rate)
        reduction = np.empty(n)
        peak, smooth, slow = self._peak, self._smooth, self._slow
        for j, g in enumerate(target):
            peak = max(g, release * peak + (1 - release) * g)
            smooth = attack * smooth + (1 - attack) * peak
            reduction[j] = smooth
            if self._auto:  # the slow branch charges only under sustained compression
                slow = max(slow_attack * slow + (1 - slow_attack) * g, slow_release * slow + (1 - slow_release) * g)
                reduction[j] = max(smooth, slow)
        self._peak, self._smooth, self._slow = peak, smooth, slow
        self.gain_reduction_db = float(reduction[-1]) if n else self.gain_reduction_db
        reduction_gain = 10 ** (-reduction / 20)  # the compressor's gain g
        # Switched, the factor crossfades with 1 (a step clicked); the averages take the samples that
        # hear any of it, a prefix of the block (a fade only rises or only falls inside one).
        amount = values["auto_makeup"]
        heard = int(np.count_nonzero(amount > 0.0))
        automatic = np.ones(n)
        if heard:
            factor = self._auto_makeup_gain(x[:, :heard], reduction[:heard], reduction_gain[:heard])
            automatic[:heard] = (1.0 - amount[:heard]) + amount[:heard] * factor
        mix = 0.01 * values["mix_percent"]
        gain = 10 ** (values["makeup_db"] / 20) * reduction_gain * automatic
        self._position += n  # the auto makeup's ticks fall on the timeline
        return x * ((1 - mix) + gain * mix)
