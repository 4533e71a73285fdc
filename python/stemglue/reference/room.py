"""Room, the reference for cpp/src/room.cpp.

    geometry  shoebox (L, 0.72 L, max(2.4, 0.38 L)); listener at (62 %, 50 %) with two mics 0.2 m
              apart across the width; source at (room_source_x, _y); all at 45 % of the height.
              Walls absorb alpha = 24 ln10 V / (c S RT60) (Sabine) and reflect beta = sqrt(1 - alpha).
    early     image sources of order 1..3 (Allen & Berkley) per mic: a tap at
              round(((d - d_direct) / c + predelay) fs) with gain beta^order d_direct / d
    late      the predelayed mono input -> 6 short series Schroeder allpasses (g 0.6) -> a 16-line
              FDN: prime delays from (0.35..1.65) x (12 ms + 2.5 ms per metre); each line's one-pole
              g (1 - p) / (1 - p z^-1) is exact at DC (RT60) and Nyquist (damping x RT60); the
              feedback is the 16-point Hadamard (/4) followed by slow rotations of line pairs
              (k, k + 8), (cos, sin) new every 128 samples and linear between (a chord, so it
              never adds energy); the outputs read two rows of the Hadamard mix, which the seed
              picks (the listener); seed and track id pick the input's +-1/4 sign pattern, so
              each track enters the seed's one tail through its own input vector (the FDN is
              linear: the tracks' tails sum to one FDN fed by all of them). The outputs are scaled to the reflections' diffuse level (see
              late_level), so early and late lie on one exponential decay
    output    early/late balance, mid/side width; x min(1, 2 (1 - mix)) + room mix (the dry at unity
              up to 50 %, pure wet at 100 %); then scaled by 1 + dry (sqrt(<in^2> / <out^2>) - 1),
              <> one-pole averages over 400 ms (the momentary loudness window), or half the RT60 if
              longer (so a long tail's own decay after the music is not turned down), of the
              summed channels' K-weighted powers (BS.1770) from zero: a loudness match, so the
              early reflections' comb on the dry does not change the loudness as meters read it.
              The averages and the root are taken every 32 samples (ticked_power_ratio)

The FDN is computed in sub-blocks no longer than its shortest line, so every read is of the past.

Changes while playing (RT60, damping, source position) glide over GLIDE_MS from the sample they
arrive at: the reflections crossfade from the old taps to the new, the j-th sample
glide_along(j + 1, length) of the way, the tail's level moves along, and each line's feed g (1 - p)
and pole p move the same way, sample by sample, from the values in use to the design. A change
during a crossfade or glide waits for its end (a host's per-block ramp becomes glides back to back).
"""

from __future__ import annotations

import numpy as np
import scipy.linalg
import scipy.signal

from stemglue.analysis.loudness import k_weighting
from stemglue.reference.module import ReferenceModule
from stemglue.reference.random import random_u64, random_uniform, stream_key, track_seed
from stemglue.reference.sanitize import sanitize
from stemglue.reference.ticked_power_ratio import TickedPowerRatio
from stemglue.reference.timeline_clock import ticks_around

SPEED_OF_SOUND = 343.0
LISTENER_X, LISTENER_Y, HEIGHT_FRACTION, MIC_SPACING = 0.62, 0.5, 0.45, 0.2
MAX_SIZE_M, MAX_PREDELAY_MS = 30.0, 50.0
DIFFUSER_MS = (0.7, 1.1, 1.7, 2.6, 4.1, 6.3)  # short: echo density builds within ~40 ms
DIFFUSER_GAIN = 0.6
LINES = 16
MAX_ROTATION_RAD = 0.25
ROTATION_TICK = 128  # samples per new rotation angle; linear between
ROTATION_STREAM, INPUT_SIGN_STREAM, OUTPUT_ROW_STREAM = 0x900, 0x901, 0x902
HADAMARD = scipy.linalg.hadamard(LINES).astype(np.float64)
MATCH_MS, MATCH_PER_RT60 = 400.0, 0.5  # the average: 400 ms, or half the RT60
GLIDE_MS = 20.0  # a change of the geometry or decay while playing glides over this long (stepped, it clicks)


def glide_along(done, length: int):
    """How far along a glide of length samples the sample `done` is: smoothstep, flat at both ends
    (no corners to add highs; back-to-back glides join smoothly)."""
    t = np.asarray(done) / length
    return t * t * (3.0 - 2.0 * t)


def input_signs(seed: int, track_id: int) -> np.ndarray:
    """+-1/4 per line (unit norm) from the first of the seed's 16-bit patterns whose first pass
    through the Hadamard gives no line more than a quarter of the input (all ones, say, would
    put everything into one line)."""
    key = stream_key(track_seed(seed, track_id), INPUT_SIGN_STREAM)
    attempt = 0
    while True:
        pattern = int(random_u64(key, np.array([attempt]))[0]) & 0xFFFF
        signs = np.where((pattern >> np.arange(LINES)) & 1, -0.25, 0.25)
        if np.max(np.abs(HADAMARD @ signs)) <= 2:  # coefficients of the +-1 pattern <= 8
            return signs
        attempt += 1


def output_rows(seed: int) -> tuple[int, int]:
    """The two (different, hence orthogonal) Hadamard rows the left and right outputs read."""
    draw = int(random_u64(stream_key(seed, OUTPUT_ROW_STREAM), np.array([0]))[0])
    left = draw % LINES
    return left, (left + 1 + (draw // LINES) % (LINES - 1)) % LINES


def dimensions(size_m: float) -> np.ndarray:
    return np.array([size_m, 0.72 * size_m, max(2.4, 0.38 * size_m)])


def wall_reflection(size_m: float, rt60_s: float) -> float:
    """Amplitude reflection of every wall, from Sabine's absorption for the RT60."""
    length, width, height = dimensions(size_m)
    volume = length * width * height
    surface = 2 * (length * width + length * height + width * height)
    absorption = np.clip(24 * np.log(10) * volume / (SPEED_OF_SOUND * surface * rt60_s), 0.01, 0.95)
    return float(np.sqrt(1 - absorption))


def positions(size_m: float, source_x: float, source_y: float) -> tuple[np.ndarray, list[np.ndarray]]:
    """Source and the two mic positions (m)."""
    room = dimensions(size_m)
    height = HEIGHT_FRACTION * room[2]
    source = np.array([source_x * room[0], source_y * room[1], height])
    mics = [
        np.array([LISTENER_X * room[0], LISTENER_Y * room[1] + offset * MIC_SPACING, height]) for offset in (-0.5, 0.5)
    ]
    return source, mics


def image_sources(size_m: float, source: np.ndarray) -> list[tuple[np.ndarray, int]]:
    """(position, order) of the image sources of order 1..3, in the C++ core's order."""
    room = dimensions(size_m)
    images = []
    for nx in range(-2, 3):
        for px in (0, 1):
            for ny in range(-2, 3):
                for py in (0, 1):
                    for nz in range(-2, 3):
                        for pz in (0, 1):
                            n, p = np.array([nx, ny, nz]), np.array([px, py, pz])
                            order = int(np.sum(np.abs(n - p) + np.abs(n)))
                            if 1 <= order <= 3:
                                images.append(((1 - 2 * p) * source + 2 * n * room, order))
    return images


def early_taps(size_m, rt60_s, predelay_ms, source_x, source_y, sample_rate):
    """Per mic: (delays in samples, gains) of the early reflections."""
    source, mics = positions(size_m, source_x, source_y)
    reflection = wall_reflection(size_m, rt60_s)
    images = image_sources(size_m, source)
    taps = []
    for mic in mics:
        direct = max(float(np.linalg.norm(source - mic)), 0.1)
        distances = np.array([np.linalg.norm(image - mic) for image, _ in images])
        orders = np.array([order for _, order in images])
        delays = np.round(((distances - direct) / SPEED_OF_SOUND + predelay_ms / 1000) * sample_rate).astype(np.int64)
        taps.append((delays, reflection**orders * direct / distances))
    return taps


def late_level(size_m: float, source_x: float, source_y: float, sample_rate: float) -> float:
    """The tail's output gain, so that it continues the reflections' decay at their level. Image
    sources fill space one per room volume, each heard at (d_direct / d)^2 of the direct energy:
    reflections bring 4 pi c d_direct^2 / V of it per second (mean over the mics), times the decay.
    The FDN spreads an impulse's unit energy evenly over its lines, so an output carries
    1 / (total line length) per sample, times the same decay."""
    source, mics = positions(size_m, source_x, source_y)
    direct_squared = np.mean([max(float(np.linalg.norm(source - mic)), 0.1) ** 2 for mic in mics])
    volume = float(np.prod(dimensions(size_m)))
    diffuse_per_sample = 4 * np.pi * SPEED_OF_SOUND * direct_squared / (volume * sample_rate)
    return float(np.sqrt(diffuse_per_sample * np.sum(line_delays(size_m, sample_rate))))


def line_delays(size_m: float, sample_rate: float) -> np.ndarray:
    """Mutually prime delays: the next unused prime above 0.35..1.65 x the mean line delay (short
    lines return early for density, long ones keep the modes dense)."""
    mean = (0.012 + 0.0025 * size_m) * sample_rate
    delays, previous = [], 1
    for i in range(LINES):
        candidate = max(previous + 1, int(np.floor(mean * (0.35 + 1.3 * i / (LINES - 1)) + 0.5)))
        while candidate < 2 or any(candidate % d == 0 for d in range(2, int(candidate**0.5) + 1)):
            candidate += 1
        delays.append(candidate)
        previous = candidate
    return np.array(delays)


def line_filters(
    delays: np.ndarray, rt60_s: float, damping: float, sample_rate: float
) -> tuple[np.ndarray, np.ndarray]:
    """(gain g, pole p) per line: |H(1)| = g for the RT60, |H(-1)| for damping x RT60."""
    seconds = delays / sample_rate
    gain_dc = 10.0 ** (-3 * seconds / rt60_s)
    ratio = 10.0 ** (-3 * seconds / (damping * rt60_s)) / gain_dc
    return gain_dc, (1 - ratio) / (1 + ratio)


def design_rt60(
    frequency_hz: np.ndarray, size_m: float, rt60_s: float, damping: float, sample_rate: float
) -> np.ndarray:
    """The decay time the lines are designed for at each frequency (their mean)."""
    delays = line_delays(size_m, sample_rate)
    gain, pole = line_filters(delays, rt60_s, damping, sample_rate)
    z = np.exp(-2j * np.pi * np.asarray(frequency_hz)[:, np.newaxis] / sample_rate)
    magnitude = np.abs(gain * (1 - pole) / (1 - pole * z))
    return np.mean(-3 * delays / (sample_rate * np.log10(magnitude)), axis=1)


class Room(ReferenceModule):
    """Reference Room: same keywords, call signature and output as stemglue.Room."""

    module = "room"

    def __init__(self, **values: object) -> None:
        self._delays = None  # the tail's design exists from the first reset after prepare
        super().__init__(**values)

    @property
    def latency_samples(self) -> int:
        return 0

    def early_taps(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """The early reflections now in use, per mic: (delays in samples, gains)."""
        return early_taps(
            self._size_m, self._rt60_s, self._predelay_ms, self._source_x, self._source_y, self._sample_rate
        )

    def _reset_module(self) -> None:
        rate = self._sample_rate
        self._match = TickedPowerRatio()  # sqrt(<in^2> / <out^2>) of the K-weighted powers
        self._weighting = k_weighting(rate)
        self._heard_in = np.zeros((2, self._num_channels, 2))  # K filter states, per channel
        self._heard_out = np.zeros((2, self._num_channels, 2))
        self._predelay = int(np.floor(self._predelay_ms * 0.001 * rate + 0.5))
        self._input = np.zeros(
            int(4 * dimensions(MAX_SIZE_M).sum() / SPEED_OF_SOUND * rate + MAX_PREDELAY_MS / 1000 * rate) + 2
        )
        self._diffuser_delays = [max(1, int(np.floor(ms * 0.001 * rate + 0.5))) for ms in DIFFUSER_MS]
        self._diffuser_states = [np.zeros(d) for d in self._diffuser_delays]
        self._delays = line_delays(self._size_m, rate)
        self._lines = [np.zeros(d) for d in self._delays]  # the last d samples written to each line
        self._line_states = np.zeros(LINES)
        self._glide = max(1, int(np.floor(GLIDE_MS * 0.001 * rate + 0.5)))
        self._feeds, self._poles = self._decay_design()
        self._decay_done, self._decay_pending = self._glide, None  # no glide runs
        self._reflections = self._reflections_design()
        self._fade_done, self._reflections_pending = self._glide, None  # no crossfade runs
        self._input_signs, self._output_rows = input_signs(self._seed, self._track_id), output_rows(self._seed)
        self._seek_module()

    def _seek_module(self) -> None:
        """The rotations where the timeline puts them: each angle a pure function of its tick."""
        self._offsets = random_uniform(stream_key(self._seed, ROTATION_STREAM), np.arange(LINES // 2))
        modulation = self._smoothers["modulation_percent"].current
        self._to = np.zeros((2, LINES // 2))
        for tick in ticks_around(self._position, ROTATION_TICK):
            self._rotate_to(tick, modulation)

    def _rotate_to(self, tick: int, modulation_percent: float) -> None:
        """The angles at a rotation tick (seeded start plus rate times the tick's time) become the target."""
        seconds = float(tick) * (ROTATION_TICK / self._sample_rate)
        cycles = self._offsets + (0.11 + 0.07 * np.arange(LINES // 2)) * seconds
        angle = 0.01 * modulation_percent * MAX_ROTATION_RAD * np.sin(2 * np.pi * (cycles - np.floor(cycles)))
        self._from, self._to = self._to, np.stack([np.cos(angle), np.sin(angle)])

    def _decay_design(self) -> tuple[np.ndarray, np.ndarray]:
        """(feed g (1 - p), pole p) per line."""
        gains, poles = line_filters(self._delays, self._rt60_s, self._damping, self._sample_rate)
        return gains * (1 - poles), poles

    def _reflections_design(self) -> tuple[list[tuple[np.ndarray, np.ndarray]], float]:
        """(taps per mic, the tail's output gain)."""
        return self.early_taps(), late_level(self._size_m, self._source_x, self._source_y, self._sample_rate)

    def _set_setting(self, name: str, value: float) -> None:
        if name == "size_m":  # structural: the base applies it at reset
            self._size_m = value
        elif name == "predelay_ms":
            self._predelay_ms = value
        elif name == "seed":
            self._seed = int(value)
        elif name == "track_id":
            self._track_id = int(value)
        else:  # the walls' absorption and the reflections follow these, gliding
            before = self._delays is not None and (self._rt60_s, self._damping, self._source_x, self._source_y)
            if name == "rt60_s":
                self._rt60_s = value
            elif name == "damping":
                self._damping = value
            elif name == "source_x_percent":
                self._source_x = 0.01 * value
            elif name == "source_y_percent":
                self._source_y = 0.01 * value
            if not before:  # designed at reset
                return
            changed = [
                a != b
                for a, b in zip(before, (self._rt60_s, self._damping, self._source_x, self._source_y), strict=True)
            ]
            if changed[0] or changed[1]:  # glided to now, or after the glide under way
                self._decay_pending = self._decay_design()
            if changed[0] or changed[2] or changed[3]:  # faded to now, or after the crossfade under way
                self._reflections_pending = self._reflections_design()
                if self._fade_done in (self._glide, 0):  # one not yet begun takes the newest design
                    if self._fade_done == self._glide:
                        self._faded_from = self._reflections
                    self._reflections, self._reflections_pending = self._reflections_pending, None
                    self._fade_done = 0

    def _absorb(self, signals: np.ndarray) -> np.ndarray:
        """Each line's g (1 - p) / (1 - p z^-1), its feed and pole gliding for GLIDE_MS after a change."""
        length = signals.shape[1]
        out = np.empty_like(signals)
        at = 0
        while at < length and (self._decay_done < self._glide or self._decay_pending is not None):
            if self._decay_done == self._glide:
                self._decay_from, self._decay_to = (self._feeds, self._poles), self._decay_pending
                self._decay_pending, self._decay_done = None, 0
            gliding = min(length - at, self._glide - self._decay_done)
            along = glide_along(self._decay_done + 1 + np.arange(gliding), self._glide)
            (feed_from, pole_from), (feed_to, pole_to) = self._decay_from, self._decay_to
            feeds = feed_from[:, None] + (feed_to - feed_from)[:, None] * along
            poles = pole_from[:, None] + (pole_to - pole_from)[:, None] * along
            state = self._line_states
            for j in range(gliding):
                state = feeds[:, j] * signals[:, at + j] + poles[:, j] * state
                out[:, at + j] = state
            self._line_states = state
            self._decay_done += gliding
            at += gliding
            if self._decay_done == self._glide:
                self._feeds, self._poles = self._decay_to
        if at < length:
            for i in range(LINES):
                out[i, at:], _ = scipy.signal.lfilter(
                    [self._feeds[i]], [1, -self._poles[i]], signals[i, at:], zi=[self._poles[i] * self._line_states[i]]
                )
                self._line_states[i] = out[i, -1]
        return out

    def _early(self, delayed, n: int) -> tuple[np.ndarray, np.ndarray]:
        """The reflections per mic, and the tail's gain per sample, crossfading after a change."""

        def taps_sum(taps, at, length):
            out = np.zeros((2, length))
            for mic, (delays, gains) in enumerate(taps):
                for delay, gain in zip(delays, gains, strict=False):
                    out[mic] += gain * delayed(int(delay))[at : at + length]
            return out

        early, gain = np.zeros((2, n)), np.full(n, self._reflections[1])
        at = 0
        while at < n and (self._fade_done < self._glide or self._reflections_pending is not None):
            if self._fade_done == self._glide:
                self._faded_from, self._reflections, self._reflections_pending = (
                    self._reflections,
                    self._reflections_pending,
                    None,
                )
                self._fade_done = 0
            length = min(n - at, self._glide - self._fade_done)
            along = glide_along(self._fade_done + 1 + np.arange(length), self._glide)
            old = taps_sum(self._faded_from[0], at, length)
            early[:, at : at + length] = old + along * (taps_sum(self._reflections[0], at, length) - old)
            gain[at : at + length] = self._faded_from[1] + along * (self._reflections[1] - self._faded_from[1])
            self._fade_done += length
            at += length
        early[:, at:] = taps_sum(self._reflections[0], at, n - at)
        gain[at:] = self._reflections[1]
        return early, gain

    def _rotations(self, n: int, modulation: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per sample and pair: (cos, sin) linear between ticks."""
        cosines, sines = np.empty((LINES // 2, n)), np.empty((LINES // 2, n))
        start = 0
        while start < n:
            if (self._position + start) % ROTATION_TICK == 0:
                self._rotate_to((self._position + start) // ROTATION_TICK + 1, modulation[start])
            end = min(n, start + ROTATION_TICK - (self._position + start) % ROTATION_TICK)
            fraction = ((self._position + np.arange(start, end)) % ROTATION_TICK) / ROTATION_TICK
            cosines[:, start:end] = self._from[0][:, None] + (self._to[0] - self._from[0])[:, None] * fraction
            sines[:, start:end] = self._from[1][:, None] + (self._to[1] - self._from[1])[:, None] * fraction
            start = end
        return cosines, sines

    def _late(self, u: np.ndarray, modulation: np.ndarray, gain: np.ndarray) -> np.ndarray:
        n = len(u)
        cosines, sines = self._rotations(n, modulation)
        out = np.zeros((2, n))
        shortest = int(self._delays[0])
        for start in range(0, n, shortest):
            end = min(n, start + shortest)
            length = end - start
            signals = self._absorb(np.stack([line[:length] for line in self._lines]))  # written delay samples ago
            mixed = HADAMARD @ signals / 4
            out[:, start:end] = mixed[list(self._output_rows)] * gain[start:end]
            a, b = mixed[: LINES // 2], mixed[LINES // 2 :]
            c, s = cosines[:, start:end], sines[:, start:end]
            feedback = np.vstack([c * a - s * b, s * a + c * b]) + self._input_signs[:, np.newaxis] * u[start:end]
            self._lines = [
                np.concatenate([line[length:], written]) for line, written in zip(self._lines, feedback, strict=False)
            ]
        return out

    def _process_block(self, block: np.ndarray) -> np.ndarray:
        n = block.shape[1]
        values = self._smoothed_values(n)
        x = sanitize(block)
        mono = np.mean(x, axis=0)
        self._input = np.concatenate([self._input[n:], mono])
        history = self._input
        end = len(history)

        def delayed(delay):
            return history[end - n - delay : end - delay]

        early, late_gain = self._early(delayed, n)

        u = delayed(self._predelay)
        for d, delay in enumerate(self._diffuser_delays):  # Schroeder allpasses: (z^-d - g) / (1 - g z^-d)
            b = np.zeros(delay + 1)
            a = np.zeros(delay + 1)
            b[0], b[-1], a[0], a[-1] = -DIFFUSER_GAIN, 1.0, 1.0, -DIFFUSER_GAIN
            u, self._diffuser_states[d] = scipy.signal.lfilter(b, a, u, zi=self._diffuser_states[d])
        late = self._late(u, values["modulation_percent"], late_gain)

        balance = 0.01 * values["early_percent"]
        wet = np.minimum(1, 2 * balance) * early + np.minimum(1, 2 * (1 - balance)) * late
        mid, side = 0.5 * (wet[0] + wet[1]), 0.5 * (wet[0] - wet[1]) * 0.01 * values["width_percent"]
        mix = 0.01 * values["mix_percent"]
        dry = np.minimum(1, 2 * (1 - mix.astype(np.float32).astype(np.float64)))
        out = np.empty_like(x)
        for c in range(x.shape[0]):
            room = mid if x.shape[0] == 1 else (mid + side if c % 2 == 0 else mid - side)
            out[c] = x[c] * dry + room * mix
        match_ms = max(MATCH_MS, 1000.0 * MATCH_PER_RT60 * self._rt60_s)
        average = float(np.exp(-1000.0 / (match_ms * self._sample_rate)))
        channels = x.shape[0]
        heard_in, self._heard_in[:, :channels] = scipy.signal.sosfilt(
            self._weighting, x, axis=1, zi=self._heard_in[:, :channels]
        )
        heard_out, self._heard_out[:, :channels] = scipy.signal.sosfilt(
            self._weighting, out, axis=1, zi=self._heard_out[:, :channels]
        )
        self._match.set_average(average)
        root = self._match.process(self._position, np.sum(heard_in**2, axis=0), np.sum(heard_out**2, axis=0))
        out *= 1 + dry * (root - 1)
        self._position += n
        return out
