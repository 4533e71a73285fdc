"""Noise floor, the reference for cpp/src/noise.cpp.

Summed onto the input, per timeline sample n (every draw keyed by (seed or track, stream, n)):

    hiss       (1 - c) g white[n] + c g pink[n], g chosen so the A-weighted RMS is the set level
    hum        the mains fundamental + transformer harmonics (+ rectifier buzz at twice the mains)
               from one wavetable phase shared by every channel: the nominal phase plus a smooth
               wander whose slope moves the frequency by 0.02 Hz RMS; its level wanders slowly
    room tone  noise falling 6 dB/octave above 60 Hz (rumble), its level wandering +-1.5 dB (2 s),
               heard room_delay_ms late: one source in the room, each microphone at its distance
    modulation noise times an attack/release envelope (2 ms, 40 ms) of the signal's peaks, stepped
               at control ticks (toward the peak |x| since the last one) and linear between them

A component at its minimum level is off: it draws nothing and its filter (the modulation's: its
envelope) does not advance. The wanders and the hum's phase are pure functions of the timeline; a
filter that starts (at a seek, or when its component is switched on) first runs over the draws of
its memory before that point (until its slowest pole has decayed by 120 dB), so playback from
anywhere gives the full render.
"""

from __future__ import annotations

import numpy as np
import scipy.signal

from stemglue._parameters import parameter
from stemglue.analysis.weighting import a_weighting
from stemglue.reference.module import ReferenceModule
from stemglue.reference.random import random_uniform, stream_key, track_seed
from stemglue.reference.sanitize import sanitize
from stemglue.reference.smooth_random import CONTROL_INTERVAL, SLOPE_RMS, WANDER_TICK_SAMPLES, smooth_random
from stemglue.reference.timeline_clock import TimelineClock

HISS_WHITE_STREAM, HISS_PINK_STREAM, ROOM_STREAM, ROOM_LEVEL_STREAM = 0x100, 0x200, 0x300, 0x380
ROOM_TIMELINE_ORIGIN = 1 << 32  # room tone drawn at position + origin - delay: never before index 0
MODULATION_STREAM, HUM_FREQUENCY_STREAM, HUM_LEVEL_STREAM, HUM_PHASE_STREAM = 0x400, 0x500, 0x501, 0x502

PINK_SECTIONS = 7
PINK_LOWEST_POLE_HZ = 20.0  # poles 20 Hz * 10^(k/2), zeros a quarter decade above each: pink from 20 Hz
ROOM_CORNER_HZ = 60.0  # room tone falls 6 dB/octave above (HVAC-like rumble)
ROOM_WANDER_DB, ROOM_WANDER_SECONDS = 1.5, 2.0
HUM_WANDER_HZ, HUM_WANDER_SECONDS = 0.02, 5.0
HUM_LEVEL_WANDER_DB, HUM_LEVEL_WANDER_SECONDS = 0.5, 4.0
HUM_RECIPE_DB = (0, -14, -6, -20, -12, -26, -18)  # harmonics 1..7: odd-heavy, like a transformer
BUZZ_HARMONICS = 24  # of twice the mains
HUM_TABLE_SIZE = 4096
MODULATION_ATTACK_MS, MODULATION_RELEASE_MS = 2.0, 40.0
A_WEIGHTING_GRID = 4096


def draw(key: int, indices: np.ndarray) -> np.ndarray:
    """Unit-variance uniform noise at the given sample indices."""
    return (random_uniform(key, indices) - 0.5) * 3.4641016151377544


def wander_gain(sigma_db: float, value: np.ndarray) -> np.ndarray:
    """Gain of a level wander of sigma_db, corrected so its mean power is 1."""
    return 10.0 ** ((sigma_db * value - sigma_db * sigma_db * np.log(10.0) / 20.0) / 20.0)


def first_order_sections(b0, b1, a1) -> np.ndarray:
    """y = b0 x + b1 x' + a1 y' per section, as scipy second-order sections. (The C++ runs the same
    filter in its parallel form, one partial fraction per vector lane; the parity tests hold the
    two within float rounding, -150 dBFS.)"""
    return np.array([[b0[k], b1[k], 0.0, 1.0, -a1[k], 0.0] for k in range(len(b0))])


def pink_sections(sample_rate: float) -> np.ndarray:
    poles = PINK_LOWEST_POLE_HZ * 10.0 ** (np.arange(PINK_SECTIONS) / 2.0)
    zeros = poles * 10.0**0.25
    return first_order_sections(
        np.ones(PINK_SECTIONS), -np.exp(-2 * np.pi * zeros / sample_rate), np.exp(-2 * np.pi * poles / sample_rate)
    )


def room_sections(sample_rate: float) -> np.ndarray:
    pole = np.exp(-2 * np.pi * ROOM_CORNER_HZ / sample_rate)
    return first_order_sections([1.0 - pole], [0.0], [pole])


def a_weighted_power(sections: np.ndarray, sample_rate: float) -> float:
    """A-weighted power of unit-variance white noise through the sections (flat PSD on 0..fs/2)."""
    frequency = (np.arange(A_WEIGHTING_GRID) + 0.5) * sample_rate / (2 * A_WEIGHTING_GRID)
    cosine = np.cos(2 * np.pi * frequency / sample_rate)
    power = np.ones(A_WEIGHTING_GRID)
    for b0, b1, _, _, minus_a1, _ in sections:
        a1 = -minus_a1
        power *= (b0 * b0 + b1 * b1 + 2 * b0 * b1 * cosine) / (1 + a1 * a1 - 2 * a1 * cosine)
    return float(np.mean(power * a_weighting(frequency) ** 2))


def hum_tables() -> tuple[np.ndarray, np.ndarray]:
    """One period (plus a guard point) of the hum recipe and of the buzz (RMS of a unit sine)."""
    phase = 2 * np.pi * np.arange(HUM_TABLE_SIZE + 1) / HUM_TABLE_SIZE
    hum = sum(10.0 ** (db / 20.0) * np.sin(k * phase) for k, db in enumerate(HUM_RECIPE_DB, start=1))
    buzz = sum(np.cos(2 * m * phase) / m for m in range(1, BUZZ_HARMONICS + 1))
    return hum, buzz / np.sqrt(sum(1.0 / (m * m) for m in range(1, BUZZ_HARMONICS + 1)))


def lookup(table: np.ndarray, phase: np.ndarray) -> np.ndarray:
    index = phase * HUM_TABLE_SIZE
    i = np.minimum(index.astype(np.int64), HUM_TABLE_SIZE - 1)
    return table[i] + (table[i + 1] - table[i]) * (index - i)


class _Wander:
    """A smooth random value (knots `seconds` apart), mapped (e.g. to a gain), linear between ticks."""

    def __init__(self, seconds: float, key: int, mapping=lambda v: v) -> None:
        self.seconds, self.key, self.mapping = seconds, key, mapping

    def values(self, positions: np.ndarray, sample_rate: float) -> np.ndarray:
        """At sample positions: from the value at the tick before to the one at the tick after."""
        tick = positions // np.uint64(WANDER_TICK_SAMPLES)
        fraction = (positions % np.uint64(WANDER_TICK_SAMPLES)) / WANDER_TICK_SAMPLES

        def at(ticks: np.ndarray) -> np.ndarray:
            seconds = ticks.astype(np.float64) * (WANDER_TICK_SAMPLES / sample_rate)
            return self.mapping(smooth_random(self.key, seconds / self.seconds))

        start = at(tick)
        return start + (at(tick + np.uint64(1)) - start) * fraction


class _FilteredNoise:
    """Keyed draws through sections, advanced only at the samples where it is on. A run of samples
    that starts it (at a seek or a switch-on) first warms it up from rest over the draws of its
    memory (until its slowest pole has decayed by 120 dB)."""

    def __init__(self, sections: np.ndarray, key: int) -> None:
        self.sections = sections
        self.key = key
        self.memory = int(np.ceil(np.log(1e-6) / np.log(-sections[0, 4])))
        self.state = None  # not running

    def values(self, positions: np.ndarray, on: np.ndarray) -> np.ndarray:
        out = np.zeros(len(positions))
        starts = np.flatnonzero(on & ~np.concatenate([[False], on[:-1]]))
        ends = np.flatnonzero(on & ~np.concatenate([on[1:], [False]])) + 1
        for start, end in zip(starts, ends, strict=True):
            position = int(positions[start])
            if start > 0 or self.state is None:  # not running: warm up
                self.state = np.zeros((len(self.sections), 2))
                if position > 0:
                    history = draw(self.key, np.arange(max(0, position - self.memory), position, dtype=np.uint64))
                    _, self.state = scipy.signal.sosfilt(self.sections, history, zi=self.state)
            out[start:end], self.state = scipy.signal.sosfilt(
                self.sections, draw(self.key, positions[start:end]), zi=self.state
            )
        if len(on) and not on[-1]:
            self.state = None
        return out


class Noise(ReferenceModule):
    """Reference Noise: same keywords, call signature and output as stemglue.Noise."""

    module = "noise"

    @property
    def latency_samples(self) -> int:
        return 0

    def _prepare_module(self) -> None:
        sample_rate = self._sample_rate
        self._pink = pink_sections(sample_rate)
        self._room = room_sections(sample_rate)
        self._white_power = a_weighted_power(np.zeros((0, 6)), sample_rate)
        self._pink_power = a_weighted_power(self._pink, sample_rate)
        self._room_power = a_weighted_power(self._room, sample_rate)
        self._hum_table, self._buzz_table = hum_tables()
        # per control tick
        self._attack = 1.0 - np.exp(-1000.0 * CONTROL_INTERVAL / (MODULATION_ATTACK_MS * sample_rate))
        self._release = 1.0 - np.exp(-1000.0 * CONTROL_INTERVAL / (MODULATION_RELEASE_MS * sample_rate))

    def _reset_module(self) -> None:
        # per channel: the modulation's envelope at the last and the next tick, and the peak since the last
        self._envelopes = [{"from": 0.0, "to": 0.0, "peak": 0.0} for _ in range(self._num_channels)]
        self._seek_module()

    def _seek_module(self) -> None:
        """Every stream where the timeline puts it; the filters warm up when they first sound. The
        session (seed) shares the mains' frequency wander and the room tone; the track owns the rest."""
        seed, own = self._seed, track_seed(self._seed, self._track_id)
        origin = float(random_uniform(stream_key(own, HUM_PHASE_STREAM), np.arange(1))[0])
        self._hum_clock = TimelineClock(origin, self._hum_hz / self._sample_rate)
        # the mains frequency wanders as a phase whose slope moves it by HUM_WANDER_HZ RMS
        self._hum_wander = _Wander(
            HUM_WANDER_SECONDS,
            stream_key(seed, HUM_FREQUENCY_STREAM),
            lambda v: HUM_WANDER_HZ * HUM_WANDER_SECONDS / SLOPE_RMS * v,
        )
        self._hum_level = _Wander(
            HUM_LEVEL_WANDER_SECONDS, stream_key(own, HUM_LEVEL_STREAM), lambda v: wander_gain(HUM_LEVEL_WANDER_DB, v)
        )
        self._channels = [
            {
                "white": stream_key(own, HISS_WHITE_STREAM + c),
                "pink": _FilteredNoise(self._pink, stream_key(own, HISS_PINK_STREAM + c)),
                "room": _FilteredNoise(self._room, stream_key(seed, ROOM_STREAM + c)),
                "room_level": _Wander(
                    ROOM_WANDER_SECONDS,
                    stream_key(seed, ROOM_LEVEL_STREAM + c),
                    lambda v: wander_gain(ROOM_WANDER_DB, v),
                ),
                "modulation": stream_key(own, MODULATION_STREAM + c),
            }
            for c in range(self._num_channels)
        ]

    def _set_setting(self, name: str, value: float) -> None:
        if name == "hum_hz":
            self._hum_hz = value
        elif name == "room_delay_ms":
            self._room_delay_ms = value
        elif name == "seed":
            self._seed = int(value)
        elif name == "track_id":
            self._track_id = int(value)

    def _level(self, name: str, n: int) -> np.ndarray:
        db = self._smoothers[name].next_values(n)
        return np.where(db <= parameter(f"noise_{name}").min, 0.0, 10.0 ** (db / 20.0))

    def _process_block(self, block: np.ndarray) -> np.ndarray:
        n = block.shape[1]
        positions = self._position + np.arange(n, dtype=np.uint64)
        hiss_level = self._level("hiss_db", n)
        color = self._smoothers["hiss_color"].next_values(n)
        hum_gain = self._level("hum_db", n) * 1.4142135623730951
        buzz = 0.01 * self._smoothers["buzz_percent"].next_values(n)
        room_gain = self._level("room_db", n)
        modulation_gain = self._level("modulation_db", n)
        floor_gain = 10.0 ** (self._smoothers["floor_db"].next_values(n) / 20.0)

        hiss = hiss_level * floor_gain / np.sqrt((1 - color) ** 2 * self._white_power + color**2 * self._pink_power)
        white_gain, pink_gain = (1 - color) * hiss, color * hiss
        hum_gain = hum_gain * floor_gain
        buzz_gain = buzz * hum_gain
        room_gain = room_gain * floor_gain / np.sqrt(self._room_power)
        modulation_gain = modulation_gain * floor_gain

        # Hum: the nominal phase (a pure function of the position) plus its wander.
        self._hum_clock.set_rate(self._position, self._hum_hz / self._sample_rate)
        clock = self._hum_clock
        phase = clock.anchor_value + clock.rate * (positions - np.uint64(clock.anchor_step)).astype(np.float64)
        phase += self._hum_wander.values(positions, self._sample_rate)
        phase -= np.floor(phase)
        level = self._hum_level.values(positions, self._sample_rate)
        hum = (hum_gain * lookup(self._hum_table, phase) + buzz_gain * lookup(self._buzz_table, phase)) * level

        # llround: halves away from zero (delays are never negative)
        room_offset = np.uint64(
            ROOM_TIMELINE_ORIGIN - int(np.floor(self._room_delay_ms * self._sample_rate / 1000.0 + 0.5))
        )
        out = np.empty_like(block)
        for c, channel in enumerate(self._channels):
            x = sanitize(block[c])
            envelope = np.zeros(n)
            state = self._envelopes[c]
            for j in np.flatnonzero(modulation_gain != 0):  # off, the envelope holds
                tick_phase = int(positions[j] % CONTROL_INTERVAL)
                if tick_phase == 0:
                    smoothing = self._attack if state["peak"] > state["to"] else self._release
                    state["from"] = state["to"]
                    state["to"] = (1.0 - smoothing) * state["to"] + smoothing * state["peak"]
                    state["peak"] = 0.0
                envelope[j] = state["from"] + (state["to"] - state["from"]) * (tick_phase / CONTROL_INTERVAL)
                state["peak"] = max(state["peak"], abs(float(x[j])))
            room_wander = channel["room_level"].values(positions, self._sample_rate)

            floor = hum.copy()
            on = white_gain != 0
            floor[on] += white_gain[on] * draw(channel["white"], positions[on])
            floor += pink_gain * channel["pink"].values(positions, pink_gain != 0)
            floor += room_gain * room_wander * channel["room"].values(positions + room_offset, room_gain != 0)
            on = modulation_gain != 0
            floor[on] += modulation_gain[on] * envelope[on] * draw(channel["modulation"], positions[on])
            out[c] = x + floor
        self._position += n
        return out
