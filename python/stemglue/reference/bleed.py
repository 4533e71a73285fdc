"""Bleed, the reference for cpp/src/bleed.cpp: another source's sound as this channel's
microphone hears it, added to the channel.

    source     the sidechain, mixed to mono, as its own microphone recorded it at source_distance_m
    path       (distance - source distance) / 343 m/s later than at its own microphone (never
               earlier), read with the chain's windowed-sinc interpolator; level source distance /
               distance (inverse distance, no proximity boost)
    pattern    g = A + (1 - A) cos(angle): A 1 omni, 0.5 cardioid, 0.37 supercardioid, 0.25
               hypercardioid, 0 figure-8 (its rear lobe inverts polarity)
    colour     above a one-pole split at 3 kHz the gain drops by L (1 - cos(angle)) / 2 dB,
               L = 6 + 6 (1 - A): H = G (s + (1 - s) a / (1 - (1 - a) z^-1))
    overrides  a level trim and a polarity switch, as a drum sampler's bleed matrix per pair

The direct path is delayed by the interpolator's half length (the latency), so every distance is causal.
"""

from __future__ import annotations

import numpy as np
import scipy.signal

from stemglue.reference import sinc_interpolator
from stemglue.reference.delay_line import DelayLine
from stemglue.reference.module import ReferenceModule
from stemglue.reference.sanitize import sanitize

SPEED_OF_SOUND = 343.0
SPLIT_HZ = 3000.0
MAX_DISTANCE_M = 30.0


def pattern_gain(pattern: np.ndarray, angle_deg: np.ndarray) -> np.ndarray:
    """First-order polar pattern A + (1 - A) cos(angle)."""
    return pattern + (1.0 - pattern) * np.cos(angle_deg * (np.pi / 180.0))


def shelf_gain(pattern: np.ndarray, angle_deg: np.ndarray) -> np.ndarray:
    """Gain of the highs off axis: L (1 - cos(angle)) / 2 dB down, L = 6 dB (omni) to 12 dB (figure-8)."""
    rear_loss_db = 6.0 + 6.0 * (1.0 - pattern)
    return 10.0 ** (-(rear_loss_db * 0.5 * (1.0 - np.cos(angle_deg * (np.pi / 180.0)))) / 20.0)


def split_coefficient(sample_rate: float) -> float:
    return 1.0 - np.exp(-2.0 * np.pi * SPLIT_HZ / sample_rate)


class Bleed(ReferenceModule):
    """Reference Bleed: same keywords, call signature and output as stemglue.Bleed."""

    module = "bleed"

    @property
    def latency_samples(self) -> int:
        return sinc_interpolator.HALF

    def _prepare_module(self) -> None:
        rate = self._sample_rate
        self._reach = int(np.ceil(MAX_DISTANCE_M / SPEED_OF_SOUND * rate)) + 2 * sinc_interpolator.HALF + 1
        self._split = split_coefficient(rate)

    def _reset_module(self) -> None:
        self._history = np.zeros(self._reach)
        self._direct = [DelayLine(sinc_interpolator.HALF) for _ in range(self._num_channels)]
        self._split_state = 0.0

    def _process_block(self, block: np.ndarray) -> np.ndarray:
        n = block.shape[1]
        values = self._smoothed_values(n)
        side = self._sidechain
        source = np.zeros(n) if side is None or len(side) == 0 else np.mean(sanitize(side), axis=0)
        history = np.concatenate([self._history, source])
        self._history = history[n:]

        distance, source_distance = values["distance_m"], values["source_distance_m"]
        angle, pattern = values["angle_deg"], values["pattern"]
        delay = (
            np.maximum(0.0, distance - source_distance) * (self._sample_rate / SPEED_OF_SOUND) + sinc_interpolator.HALF
        )
        heard = sinc_interpolator.read(history, self._reach + np.arange(n), delay)
        gain = (
            source_distance
            / distance
            * pattern_gain(pattern, angle)
            * 10.0 ** (values["level_db"] / 20.0)
            * (1.0 - 2.0 * values["invert"])
        )
        shelf = shelf_gain(pattern, angle)
        a = self._split
        lowpass, state = scipy.signal.lfilter([a], [1.0, a - 1.0], heard, zi=[(1.0 - a) * self._split_state])
        if n:
            self._split_state = float(lowpass[-1])
        bleed = gain * (shelf * heard + (1.0 - shelf) * lowpass)

        x = sanitize(block)
        self._position += n
        return (
            np.stack([delay_line.process(channel) for delay_line, channel in zip(self._direct, x, strict=False)])
            + bleed
        )
