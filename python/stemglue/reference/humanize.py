"""Humanize, the reference for cpp/src/humanize.cpp: per-event micro-timing and dynamics on audio.

detector  the mono sum through eight octave band-passes (62.5 Hz - 8 kHz, RBJ, Q sqrt 2), each
          squared and smoothed by a one-pole of a period of its centre (at least 3 ms); every
          HOP_MS of the timeline a frame of band levels 10 log10(envelope + 1e-7) (the floor keeps
          a -60 dBFS hiss flat). A band's rise is its level over its loudest of 3 to 12 frames
          ago (3 to 40 below 300 Hz): so a low note's pulses, one per period, and the beating of a
          chord's low notes never count, while an attack spread over three frames counts whole.
          flux = the sum over bands of (rise - 1 dB)^2 where positive, in dB^2: one band rising
          10 dB (a hi-hat) weighs more than four bands drifting 3 dB. An onset where the flux
          exceeds 14 dB^2 * 8^((50 - sensitivity)/100) plus its mean over the last 40 ms, or where
          the unfiltered level (smoothed over 2 ms) leaves a gap: 20 dB above its lowest of the
          last 15 ms, which lay 30 dB under its loudest of the last 60 ms (a note after a short
          rest, whose low bands still ring), or where a pitched note dips and swells back (a legato
          note: sung, bowed or blown without a rest; see below); at least 25 ms after the previous
          onset. Its estimate is backtracked (at most 30 ms) over the frames whose bands rose by
          more than 2 dB in all (a dip's: to a frame before its valley), and the guard is one frame before that.
legato    the level from 250 Hz up (the powers of those bands summed) has a valley in the last
          27.5 ms, at least 25 ms after the last onset and above -45 dB, that lies 3 to 8 dB under
          the loudest of the 20 ms before it (deeper is a rest, which the triggers above place
          better) and 1.5 dB deeper than the level's whole swing over the 80 ms before those, and
          the level has since risen 1 dB out of it; and the sound before the dip was pitched:
          the 250 and 500 Hz bands' sum, decimated to about 4 kHz, over the 20 ms before the dip,
          has a YIN cumulative-mean-normalised difference under 0.25 at some lag of 70 Hz to
          1 kHz (filtered from rest over 10 ms more). A chord's beating and a low note's pulses
          dip as deeply but are neither new nor pitched.
offset    feel + timing * P(u) + band_drift * B, in whole samples, at most max_shift either way.
          P is long-range correlated: white draws plus smooth randoms (smooth_random.py) with knots
          2, 4 ... 64 events apart, each octave adding the step a 1/f^correlation spectrum needs
          at its cutoff; keyed by the track. B is a smooth random keyed by the seed only (the band
          clock: every track of one seed breathes together), knots 8 beats or 4 s apart.
          With a tempo u counts sixteenths of the timeline (playing from bar 17 draws what a full
          render draws there); without one, events since the start.
gain      dynamics * P'(u) (its own streams) - dynamics^2 ln10 / 20 + accent by position in the beat
          (tempo known only), in dB. P' is unit normal, so the offset makes the mean power of the
          random part 1 (a log-normal's mean exceeds its median): the stem's long-term level does
          not move with the setting, while the hits' spread in dB stays the setting.
audio     y[n] = g x[n - L - o]: one integer delay at a time, no resampling. Each event's change
          is an equal-power crossfade of crossfade_ms, its angle a raised cosine so neither gain has
          a corner (linear in amplitude when only the gain changes), that ends
          GUARD_MS before the guard on the earlier of the two reads, so both read the gap before
          the onset. Consecutive offsets differ by at most half the gap between the events (hits
          never swap or re-read the previous attack); events closer than 2 (crossfade + guard)
          move with the one before.
latency   L = max_shift + crossfade + guard + (backtrack + 2) hops: the edit for an event starts at
          the earliest when the detector knows it.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.signal

from stemglue._parameters import parameter
from stemglue.reference.module import ReferenceModule
from stemglue.reference.random import random_gaussian, stream_key, track_seed
from stemglue.reference.sanitize import sanitize
from stemglue.reference.smooth_random import smooth_random

HOP_MS, GUARD_MS, MIN_IOI_MS = 2.5, 1.0, 25.0
BAND_CENTERS_HZ = (62.5, 125.0, 250.0, 500.0, 1000.0, 2000.0, 4000.0, 8000.0)
BAND_Q = math.sqrt(2.0)  # one octave
LEVEL_FLOOR = 1e-7  # mean square: -70 dBFS in a band
MIN_SMOOTHING_S = 0.003
FLUX_HISTORY_FRAMES = 16  # adaptive threshold over 40 ms
REFERENCE_LAG_FRAMES, REFERENCE_FRAMES, LOW_REFERENCE_FRAMES = 3, 12, 40  # a band's rise is over frames 3..12 back
LOW_BANDS = 3  # 62.5, 125 and 250 Hz: their reference reaches 100 ms back
LEVEL_HISTORY_FRAMES = LOW_REFERENCE_FRAMES  # previous frames kept, newest first
DEAD_ZONE_DB = 1.0  # of each band's rise, before it is squared
GAP_SMOOTHING_S, GAP_DROP_DB, GAP_RISE_DB = 0.002, 30.0, 20.0
GAP_FRAMES, GAP_CONTEXT_FRAMES = 6, 24  # the gap's lowest over 15 ms, under the loudest of 60 ms
BACKTRACK_FRAMES = 12  # an onset is placed up to 30 ms before the frame that found it
BACKTRACK_RISE_DB = 2.0  # a frame whose bands rose by more than this in all is part of the attack
DIP_MIN_DB, DIP_MAX_DB, DIP_NOVELTY_DB, DIP_RISE_DB, DIP_FLOOR_DB = 3.0, 8.0, 1.5, 1.0, -45.0
DIP_VALLEY_FRAMES = BACKTRACK_FRAMES - 1  # 27.5 ms: placed a frame before, the valley is within the backtrack
DIP_BEFORE_FRAMES, DIP_CONTEXT_FRAMES = 8, 40  # 20 ms, to 100 ms before the valley
DIP_LOWEST_BAND = 2  # the level from 250 Hz up: the low bands' slow envelopes would place a valley late
TOTAL_HISTORY_FRAMES = 64  # frames of the total level kept, newest first (>= valley + context + 1)
PITCHED_DIFFERENCE = 0.25  # YIN's normalised difference at the best lag: below it, pitched
PITCH_RATE_HZ, PITCH_MIN_HZ, PITCH_MAX_HZ = 4000.0, 70.0, 1000.0
PITCH_WINDOW_S, PITCH_SETTLE_S = 0.02, 0.01
PITCH_BANDS = (2, 3)  # 250 and 500 Hz: a voice's or an instrument's low harmonics
OCTAVES = 7  # white, then smooth randoms with knots 2 ... 64 events apart
TIMING_STREAM, DYNAMICS_STREAM, BAND_STREAM = 0x600, 0x680, 0x700
BAND_KNOT_SECONDS, BAND_KNOT_BEATS = 4.0, 8.0
KEYS_PER_BEAT = 48  # white draws with a tempo: one per 1/48 beat
MIN_TEMPO_BPM = 1.0


def whole(x: float) -> int:
    """Round half up, as C++ floor(x + 0.5)."""
    return int(math.floor(x + 0.5))


def hop_samples(sample_rate: float) -> int:
    return max(8, whole(sample_rate * HOP_MS / 1000.0))


def bandpass(center_hz: float, sample_rate: float) -> tuple[np.ndarray, np.ndarray]:
    """RBJ band-pass (0 dB peak), centre kept below 0.4 of the sample rate."""
    w = 2.0 * math.pi * min(center_hz, 0.4 * sample_rate) / sample_rate
    alpha = math.sin(w) / (2.0 * BAND_Q)
    a0 = 1.0 + alpha
    return np.array([alpha / a0, 0.0, -alpha / a0]), np.array([1.0, -2.0 * math.cos(w) / a0, (1.0 - alpha) / a0])


def smoothing_s(center_hz: float) -> float:
    """Envelope time constant of a band: a period of its centre (the ripple of a tone stays under
    0.4 dB), at least 3 ms."""
    return max(MIN_SMOOTHING_S, 1.0 / center_hz)


def pitch_sizes(sample_rate: float) -> tuple[int, int, int, int, int]:
    """Decimation, shortest and longest lag, window and settling, in decimated samples."""
    decimation = max(1, whole(sample_rate / PITCH_RATE_HZ))
    rate = sample_rate / decimation
    return (
        decimation,
        max(2, int(math.floor(rate / PITCH_MAX_HZ))),
        int(math.ceil(rate / PITCH_MIN_HZ)),
        whole(PITCH_WINDOW_S * rate),
        whole(PITCH_SETTLE_S * rate),
    )


def mono_history_samples(sample_rate: float) -> int:
    """How far back a pitch check reads the mono, from the end of the newest frame."""
    decimation, _, longest, window, settle = pitch_sizes(sample_rate)
    return (DIP_VALLEY_FRAMES + DIP_BEFORE_FRAMES) * hop_samples(sample_rate) + (window + longest + settle) * decimation


def threshold_db2(sensitivity: float) -> float:
    return 14.0 * 8.0 ** ((50.0 - sensitivity) / 100.0)


def octave_weights(correlation: float) -> np.ndarray:
    """Weights of the white draw and the smooth randoms (unit variance in all): each octave adds the
    power a 1/f^beta spectrum steps up by at its cutoff; beta 0 leaves the white draw alone."""
    beta = correlation
    variance = [1.0] + [(2.0 ** (j * beta) - 2.0 ** ((j - 1) * beta)) / 2.0**j for j in range(1, OCTAVES)]
    total = sum(variance)
    return np.array([math.sqrt(v / total) for v in variance])


def long_range(key: int, stream: int, u: float, white_key: int, correlation: float) -> float:
    """One unit-variance draw of the long-range-correlated process at u (events or sixteenths)."""
    weights = octave_weights(correlation)
    value = weights[0] * float(random_gaussian(stream_key(key, stream), np.array([white_key], dtype=np.uint64))[0])
    for j in range(1, OCTAVES):
        value += weights[j] * float(smooth_random(stream_key(key, stream + j), u / 2.0**j))
    return value


def accent_weight(beats: float) -> float:
    """+1/2 on the beat, 0 on the eighth between, -1/2 on the other sixteenths, 0 off the grid."""
    sixteenths = 4.0 * beats
    nearest = math.floor(sixteenths + 0.5)
    if abs(sixteenths - nearest) > 1.0 / 6.0:
        return 0.0
    return {0: 0.5, 2: 0.0}.get(int(nearest) % 4, -0.5)


class Humanize(ReferenceModule):
    """Reference Humanize: same keywords, call signature and output as stemglue.Humanize."""

    module = "humanize"

    def __init__(self, **values: object) -> None:
        self._seed = self._track_id = 0
        # structural: the table's defaults until a reset applies what was set
        self._max_shift_ms = parameter("humanize_max_shift_ms").default
        self._crossfade_ms = parameter("humanize_crossfade_ms").default
        self._settings: dict[str, float] = {}  # the rest of the module's rows, by name (every one is set)
        self.events: list[int] = []  # onset estimates on the timeline, as detected (for tests)
        self.edits: list[int] = []  # stream samples where a splice began (for tests)
        super().__init__(**values)

    def _set_setting(self, name: str, value: float) -> None:
        if name == "seed":
            self._seed = int(value)
        elif name == "track_id":
            self._track_id = int(value)
        elif name == "max_shift_ms":
            self._max_shift_ms = value
        elif name == "crossfade_ms":
            self._crossfade_ms = value
        else:
            self._settings[name] = value

    def _sizes(self) -> tuple[int, int, int, int]:
        """hop, max shift, crossfade, guard in samples."""
        rate = self._sample_rate or 48000.0
        return (
            hop_samples(rate),
            whole(self._max_shift_ms * rate / 1000.0),
            max(1, whole(self._crossfade_ms * rate / 1000.0)),
            whole(GUARD_MS * rate / 1000.0),
        )

    @property
    def latency_samples(self) -> int:
        hop, shift, crossfade, guard = self._sizes()
        return shift + crossfade + guard + (BACKTRACK_FRAMES + 2) * hop

    @property
    def tail_samples(self) -> int:
        return self._sizes()[1]

    def _prepare_module(self) -> None:
        rate = self._sample_rate
        self._filters = [bandpass(f, rate) for f in BAND_CENTERS_HZ]
        self._pitch_sizes = pitch_sizes(rate)
        times = [smoothing_s(f) for f in BAND_CENTERS_HZ]
        self._smoothing = [1.0 - math.exp(-1.0 / (t * rate)) for t in times]
        self._gap_smoothing = 1.0 - math.exp(-1.0 / (GAP_SMOOTHING_S * rate))

    def _reset_module(self) -> None:
        hop, shift, crossfade, guard = self._sizes()
        self._hop, self._shift, self._crossfade, self._guard = hop, shift, crossfade, guard
        self._latency = self.latency_samples
        self._history = np.zeros((self._num_channels, self._latency + shift))
        self._stream = 0  # samples processed since the reset
        self._timeline_offset = 0  # timeline position - stream position
        # detector
        self._filter_state = np.zeros((len(BAND_CENTERS_HZ), 2))
        self._envelopes = np.zeros(len(BAND_CENTERS_HZ))  # smoothed mean squares
        self._wide_envelope = 0.0  # the unfiltered mono's
        floor_db = 10.0 * math.log10(LEVEL_FLOOR)
        self._levels = np.full((LEVEL_HISTORY_FRAMES, len(BAND_CENTERS_HZ)), floor_db)  # newest first
        self._wide_levels = np.full(GAP_CONTEXT_FRAMES, floor_db)  # newest first
        self._flux_history = np.zeros(FLUX_HISTORY_FRAMES)
        floor = (len(BAND_CENTERS_HZ) - DIP_LOWEST_BAND) * LEVEL_FLOOR
        self._totals = np.full(TOTAL_HISTORY_FRAMES, 10.0 * math.log10(floor))  # from 250 Hz up, newest first
        self._mono = np.zeros(mono_history_samples(self._sample_rate))  # up to the stream position
        self._pitched_at: tuple[int, bool] | None = None  # the last pitch check: (its end, pitched)
        self._frames_since_onset = 1 << 30
        # planning and playback
        self._group = 0
        self._last_guard: int | None = None
        self._last_offset, self._last_gain = 0, 1.0
        self._queue: list[tuple[int, int, float]] = []  # (start, offset, gain) of planned edits
        self._offset, self._gain = 0, 1.0  # in effect outside an edit
        self._fade: tuple[int, int, float, int, float] | None = None  # start, from offset/gain, to offset/gain
        self.events, self.edits = [], []
        self._fade_weights = (np.arange(crossfade) + 0.5) / crossfade

    def _seek_module(self) -> None:
        self._timeline_offset = self._position - self._stream

    # --- detector and planning ------------------------------------------------------------------

    def _tempo_bpm(self) -> float:
        """Below 1 bpm a tempo is no tempo."""
        tempo = self._settings["tempo_bpm"]
        return tempo if tempo >= MIN_TEMPO_BPM else 0.0

    def _detect(self, mono: np.ndarray) -> None:
        squares = np.empty((len(self._filters), len(mono)))
        for b, (num, den) in enumerate(self._filters):
            band, self._filter_state[b] = scipy.signal.lfilter(num, den, mono, zi=self._filter_state[b])
            squares[b] = band * band
        envelopes = np.empty_like(squares)
        for b, smoothing in enumerate(self._smoothing):
            envelopes[b], _ = scipy.signal.lfilter(
                [smoothing], [1.0, smoothing - 1.0], squares[b], zi=[(1.0 - smoothing) * self._envelopes[b]]
            )
        a = self._gap_smoothing
        wide, _ = scipy.signal.lfilter([a], [1.0, a - 1.0], mono * mono, zi=[(1.0 - a) * self._wide_envelope])
        if len(mono):
            self._envelopes = envelopes[:, -1].copy()
            self._wide_envelope = float(wide[-1])
        hop = self._hop
        self._mono = np.concatenate([self._mono, mono])  # the chunk's frames' pitch checks read up to their ends
        self._mono_end = self._stream + len(mono)  # the stream position after self._mono
        first = (-(self._stream + self._timeline_offset)) % hop  # the first frame end in this chunk, minus one
        for last in range(first - 1 if first else hop - 1, len(mono), hop):
            self._frame_done(self._stream + last + 1, envelopes[:, last], wide[last])
        self._mono = self._mono[len(mono) :]

    def _frame_done(self, frame_end: int, envelopes: np.ndarray, wide_envelope: float) -> None:
        levels = np.array([10.0 * math.log10(e + LEVEL_FLOOR) for e in envelopes])
        flux = 0.0
        for b in range(len(levels)):  # in band order, as C++ sums
            reach = LOW_REFERENCE_FRAMES if b < LOW_BANDS else REFERENCE_FRAMES
            rise = levels[b] - np.max(self._levels[REFERENCE_LAG_FRAMES - 1 : reach, b]) - DEAD_ZONE_DB
            if rise > 0.0:
                flux += rise * rise
        mean = 0.0
        for value in self._flux_history:
            mean += value
        threshold = threshold_db2(self._settings["sensitivity"]) + mean / FLUX_HISTORY_FRAMES
        wide = 10.0 * math.log10(wide_envelope + LEVEL_FLOOR)
        quietest = np.min(self._wide_levels[:GAP_FRAMES])
        after_gap = quietest < np.max(self._wide_levels) - GAP_DROP_DB and wide > quietest + GAP_RISE_DB
        self._flux_history = np.roll(self._flux_history, 1)
        self._flux_history[0] = flux
        self._levels = np.roll(self._levels, 1, axis=0)
        self._levels[0] = levels
        self._wide_levels = np.roll(self._wide_levels, 1)
        self._wide_levels[0] = wide
        self._totals = np.roll(self._totals, 1)
        upper = envelopes[DIP_LOWEST_BAND:]
        self._totals[0] = 10.0 * math.log10(sum(float(e) for e in upper) + len(upper) * LEVEL_FLOOR)
        self._frames_since_onset += 1
        min_frames = whole(MIN_IOI_MS / HOP_MS)
        if self._frames_since_onset < min_frames:
            return
        valley = self._legato_valley(frame_end, min_frames)
        if valley is not None or flux > threshold or after_gap:
            self._frames_since_onset = 0
            # Back to the valley (a frame more: the smoothed level's valley lags the note's by about
            # one), or over the attack: the frames whose bands were still rising.
            if valley is None:
                back = 0
                while back < BACKTRACK_FRAMES and self._rise_db(back) > BACKTRACK_RISE_DB:
                    back += 1
            else:
                back = valley + 1
            self._plan(guard=frame_end - (back + 2) * self._hop, estimate=frame_end - (back + 1) * self._hop)

    def _legato_valley(self, frame_end: int, min_frames: int) -> int | None:
        """The age of the valley a legato note starts at (see the module's docstring), or None."""
        totals = self._totals
        age = 1 + int(np.argmin(totals[1 : DIP_VALLEY_FRAMES + 1]))  # the newest of equal lows
        valley = float(totals[age])
        if valley <= DIP_FLOOR_DB or totals[0] - valley < DIP_RISE_DB or self._frames_since_onset - age < min_frames:
            return None
        before = age + DIP_BEFORE_FRAMES
        dip = float(np.max(totals[age + 1 : before + 1])) - valley
        context = totals[before + 1 : age + DIP_CONTEXT_FRAMES + 1]
        if not DIP_MIN_DB <= dip <= DIP_MAX_DB or dip < float(np.max(context) - np.min(context)) + DIP_NOVELTY_DB:
            return None
        return age if self._pitched(frame_end - before * self._hop) else None

    def _pitched(self, end: int) -> bool:
        """Whether the mono before stream sample `end` is pitched (YIN, see the docstring); the
        last answer is kept, as a valley is checked again on the frames after it."""
        if self._pitched_at is None or self._pitched_at[0] != end:
            decimation, shortest, longest, window, settle = self._pitch_sizes
            count = (settle + longest + window) * decimation
            stop = len(self._mono) - (self._mono_end - end)
            segment = self._mono[stop - count : stop]
            band_limited = np.zeros(count)
            for b in PITCH_BANDS:  # in band order, as C++ adds them
                band_limited = band_limited + scipy.signal.lfilter(*self._filters[b], segment)
            decimated = band_limited[decimation - 1 :: decimation][settle:]  # the last at end - 1
            now = decimated[longest:]
            lags = np.arange(1, longest + 1)
            before = np.array([decimated[longest - lag : longest - lag + window] for lag in lags])
            difference = np.cumsum((now - before) ** 2, axis=1)[:, -1]  # summed in time order, as C++
            cumulative = np.cumsum(difference)
            normalised = np.where(
                cumulative > 0.0, difference * lags / np.where(cumulative > 0.0, cumulative, 1.0), 1.0
            )
            self._pitched_at = (end, bool(np.min(normalised[shortest - 1 :]) < PITCHED_DIFFERENCE))
        return self._pitched_at[1]

    def _rise_db(self, age: int) -> float:
        """How much the bands rose, in all, into the frame `age` frames back."""
        rise = 0.0
        for b in range(len(BAND_CENTERS_HZ)):
            rise += max(0.0, float(self._levels[age, b] - self._levels[age + 1, b]))
        return rise

    def _plan(self, guard: int, estimate: int) -> None:
        rate, settings = self._sample_rate, self._settings
        timeline = estimate + self._timeline_offset
        self.events.append(timeline)
        if self._last_guard is not None and guard - self._last_guard < 2 * (self._crossfade + self._guard):
            return  # too close: it moves with the event before
        tempo = self._tempo_bpm()
        correlation = settings["correlation"]
        own = track_seed(self._seed, self._track_id)
        if tempo > 0.0:
            beats = timeline * tempo / (60.0 * rate)
            u, white_key, band_u = 4.0 * beats, max(0, whole(KEYS_PER_BEAT * beats)), beats / BAND_KNOT_BEATS
            accent = settings["accent_db"] * accent_weight(beats)
        else:
            u, white_key, band_u = float(self._group), self._group, timeline / rate / BAND_KNOT_SECONDS
            accent = 0.0
        band = float(smooth_random(stream_key(self._seed, BAND_STREAM), band_u))
        offset_ms = (
            settings["feel_ms"]
            + settings["timing_ms"] * long_range(own, TIMING_STREAM, u, white_key, correlation)
            + settings["band_drift_ms"] * band
        )
        offset = min(self._shift, max(-self._shift, whole(offset_ms * rate / 1000.0)))
        if self._last_guard is not None:
            step = (guard - self._last_guard - self._crossfade - 2 * self._guard) // 2
            offset = min(self._last_offset + step, max(self._last_offset - step, offset))
        # P' is unit normal: lowered by s^2 ln10 / 20 dB, gains of s P' dB have a mean power of 1.
        dynamics_db = settings["dynamics_db"]
        gain_db = (
            dynamics_db * long_range(own, DYNAMICS_STREAM, u, white_key, correlation)
            - dynamics_db * dynamics_db * math.log(10.0) / 20.0
            + accent
        )
        gain = 10.0 ** (gain_db / 20.0)
        self._group += 1
        self._last_guard = guard
        if offset != self._last_offset or gain != self._last_gain:  # nothing to splice otherwise
            start = guard + self._latency + min(self._last_offset, offset) - self._guard - self._crossfade
            self._queue.append((start, offset, gain))
        self._last_offset, self._last_gain = offset, gain

    # --- audio ----------------------------------------------------------------------------------

    def _process_block(self, block: np.ndarray) -> np.ndarray:
        x = sanitize(block).astype(np.float64)
        n = x.shape[1]
        self._detect(np.sum(x, axis=0) / x.shape[0] if x.shape[0] else np.zeros(n))
        buffer = np.concatenate([self._history, x], axis=1)
        origin = self._stream - self._history.shape[1]  # stream position of buffer[:, 0]

        def read(first: int, count: int, offset: int) -> np.ndarray:
            at = first - self._latency - offset - origin
            return buffer[:, at : at + count]

        wet = np.empty_like(x)
        position, end = self._stream, self._stream + n
        while position < end:
            if self._fade is None and self._queue and self._queue[0][0] <= position:
                _, offset, gain = self._queue.pop(0)
                self._fade = (position, self._offset, self._gain, offset, gain)
                self.edits.append(position)
            if self._fade is not None:
                start, from_offset, from_gain, to_offset, to_gain = self._fade
                stop = min(end, start + self._crossfade)
                p = self._fade_weights[position - start : stop - start]
                if from_offset != to_offset:  # equal power, with flat ends (no corner in either gain)
                    angle = 0.25 * np.pi * (1.0 - np.cos(np.pi * p))
                    a, b = np.cos(angle), np.sin(angle)
                else:
                    a, b = 1.0 - p, p
                count = stop - position
                wet[:, position - self._stream : stop - self._stream] = a * from_gain * read(
                    position, count, from_offset
                ) + b * to_gain * read(position, count, to_offset)
                if stop == start + self._crossfade:
                    self._offset, self._gain, self._fade = to_offset, to_gain, None
            else:
                stop = min(end, self._queue[0][0]) if self._queue else end
                count = stop - position
                wet[:, position - self._stream : stop - self._stream] = self._gain * read(position, count, self._offset)
            position = stop
        mix = 0.01 * self._smoothed_values(n)["mix_percent"]
        out = mix * wet + (1.0 - mix) * read(self._stream, n, 0)
        self._history = buffer[:, buffer.shape[1] - self._history.shape[1] :]
        self._stream = end
        return out
