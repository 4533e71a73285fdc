"""Test signals. Every signal is float32-representable so native (float32) and reference
(float64) processors see identical input."""

from __future__ import annotations

import numpy as np
import scipy.signal
from stemglue.demo import demo_mix


def to_dbfs(value: float) -> float:
    return float(20 * np.log10(max(abs(value), 1e-300)))


def max_error_dbfs(a: np.ndarray, b: np.ndarray) -> float:
    assert a.shape == b.shape, (a.shape, b.shape)
    return to_dbfs(np.max(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64)), initial=0.0))


def parity_error_db(native: np.ndarray, reference: np.ndarray) -> float:
    """Max abs error of the float32 core against the float64 reference, in dB relative to full
    scale, or to the reference's peak where that exceeds full scale (a +24 dB trim must not turn
    float32 rounding, ~-144 dB relative, into a failure)."""
    scale = max(1.0, float(np.max(np.abs(reference), initial=0.0)))
    return max_error_dbfs(native, reference) - to_dbfs(scale)


def noise(channels: int, num_samples: int, seed: int = 0, level: float = 0.3) -> np.ndarray:
    return (np.random.default_rng(seed).standard_normal((channels, num_samples)) * level).astype(np.float32)


def sines(
    channels: int, num_samples: int, sample_rate: float, frequency_hz: float = 997.0, amplitude: float = 0.7
) -> np.ndarray:
    t = np.arange(num_samples) / sample_rate
    rows = [amplitude * np.sin(2 * np.pi * frequency_hz * (1 + 0.5 * c) * t) for c in range(channels)]
    return np.array(rows, dtype=np.float32)


def impulses(channels: int, num_samples: int, spacing: int = 1000, amplitude: float = 0.9) -> np.ndarray:
    signal = np.zeros((channels, num_samples), dtype=np.float32)
    signal[:, 100::spacing] = amplitude
    return signal


def music(channels: int, num_samples: int, sample_rate: float) -> np.ndarray:
    mix = demo_mix(sample_rate, num_samples / sample_rate + 0.01)[:, :num_samples]
    return (mix[:channels] * 1.2).astype(np.float32)


def all_signals(channels: int, num_samples: int, sample_rate: float) -> dict[str, np.ndarray]:
    return {
        "noise": noise(channels, num_samples),
        "sines": sines(channels, num_samples, sample_rate),
        "impulses": impulses(channels, num_samples),
        "music": music(channels, num_samples, sample_rate),
    }


# Synthetic stems with known onsets: (audio float32 (channels, samples), onset_samples int array).

STEM_PEAK = 0.5  # about -6 dBFS

CLICK_FREQUENCY_HZ = 2400.0
CLICK_RISE_S = 0.0006  # attack time constant: the envelope peaks 2.5 ms after the start
CLICK_DECAY_S = 0.020
CLICK_LENGTH_S = 0.100  # the last CLICK_FADE_S fade to zero, so a hit ends without a step
CLICK_FADE_S = 0.020
CLICK_PEAK = 0.5
# Peak of (1 - exp(-t/rise))^2 exp(-t/decay): where 2u/rise = (1-u)/decay, u = exp(-t/rise).
_CLICK_PEAK_TIME_S = CLICK_RISE_S * np.log(1 + 2 * CLICK_DECAY_S / CLICK_RISE_S)
_CLICK_ENVELOPE_PEAK = (1 - np.exp(-_CLICK_PEAK_TIME_S / CLICK_RISE_S)) ** 2 * np.exp(
    -_CLICK_PEAK_TIME_S / CLICK_DECAY_S
)


def click_waveform(time_s: np.ndarray) -> np.ndarray:
    """The click as a function of continuous time since its start (0 outside the hit). Rendering
    from the formula puts a hit at any fractional position exactly, with no interpolation error."""
    t = np.clip(np.asarray(time_s, dtype=np.float64), 0.0, CLICK_LENGTH_S)
    envelope = (1 - np.exp(-t / CLICK_RISE_S)) ** 2 * np.exp(-t / CLICK_DECAY_S) / _CLICK_ENVELOPE_PEAK
    fade = np.sin(0.5 * np.pi * np.clip((CLICK_LENGTH_S - t) / CLICK_FADE_S, 0.0, 1.0)) ** 2
    inside = (np.asarray(time_s) >= 0) & (np.asarray(time_s) < CLICK_LENGTH_S)
    return np.where(inside, CLICK_PEAK * envelope * fade * np.sin(2 * np.pi * CLICK_FREQUENCY_HZ * t), 0.0)


def click_length_samples(sample_rate: float) -> int:
    return int(np.ceil(CLICK_LENGTH_S * sample_rate))


def click_template(sample_rate: float = 48000) -> np.ndarray:
    """The mono click starting at sample 0: the template for locating clicks."""
    return click_waveform(np.arange(click_length_samples(sample_rate)) / sample_rate)


def click_track(
    onset_samples: np.ndarray,
    num_samples: int,
    sample_rate: float = 48000,
    gains_db: np.ndarray | None = None,
    channels: int = 1,
) -> np.ndarray:
    """Clicks starting at (fractional) sample positions, each scaled by its gain; float32
    (channels, num_samples), the same in every channel."""
    onset_samples = np.asarray(onset_samples, dtype=np.float64)
    gains = np.ones(len(onset_samples)) if gains_db is None else 10 ** (np.asarray(gains_db) / 20)
    length = click_length_samples(sample_rate) + 1
    mono = np.zeros(num_samples)
    for onset, gain in zip(onset_samples, gains, strict=True):
        first = max(int(np.ceil(onset)), 0)
        indices = np.arange(first, min(first + length, num_samples))
        mono[indices] += gain * click_waveform((indices - onset) / sample_rate)
    return np.tile(mono.astype(np.float32), (channels, 1))


def click_grid(
    bpm: float = 120,
    subdivision: int = 4,
    num_hits: int = 4800,
    sample_rate: float = 48000,
    hit: np.ndarray | None = None,
    channels: int = 1,
) -> tuple[np.ndarray, np.ndarray]:
    """A click (or `hit`, mono) on every 1/subdivision beat, the first one grid step in so that
    early displacements stay inside the signal. 4800 sixteenths at 120 bpm are 10 minutes."""
    step_samples = 60.0 / bpm / subdivision * sample_rate
    onsets = np.round(step_samples * np.arange(1, num_hits + 1)).astype(np.int64)
    hit_length = click_length_samples(sample_rate) if hit is None else len(hit)
    num_samples = int(onsets[-1] + max(hit_length, step_samples)) + 1
    if hit is None:
        return click_track(onsets, num_samples, sample_rate, channels=channels), onsets
    mono = np.zeros(num_samples)
    for onset in onsets:
        mono[onset : onset + len(hit)] += hit
    return np.tile(mono.astype(np.float32), (channels, 1)), onsets


def _normalize(audio: np.ndarray, peak: float = STEM_PEAK) -> np.ndarray:
    return (audio * (peak / np.max(np.abs(audio)))).astype(np.float32)


def _bandlimited_saw(frequency_hz: np.ndarray, sample_rate: float, top_hz: float) -> np.ndarray:
    """Additive sawtooth following a per-sample frequency, phase continuous. Harmonics fade out as
    they approach top_hz instead of switching, so vibrato and glides do not click."""
    phase = 2 * np.pi * np.cumsum(frequency_hz) / sample_rate
    saw = np.zeros(len(frequency_hz))
    fade_hz = 0.1 * top_hz
    for harmonic in range(1, int(top_hz / np.min(frequency_hz)) + 1):
        weight = np.clip((top_hz - harmonic * frequency_hz) / fade_hz, 0.0, 1.0)
        saw += weight * np.sin(harmonic * phase) / harmonic
    return saw


def _pan(mono: np.ndarray, left: float, right: float) -> np.ndarray:
    return np.vstack([left * mono, right * mono])


def _place(audio: np.ndarray, start: int, sound: np.ndarray) -> None:
    end = min(start + sound.shape[-1], audio.shape[-1])
    audio[..., start:end] += sound[..., : end - start]


def _kick(sample_rate: float) -> np.ndarray:
    t = np.arange(int(0.35 * sample_rate)) / sample_rate
    frequency_hz = 45.0 + 110.0 * np.exp(-t / 0.03)  # the pitch sweep that makes a kick
    phase = 2 * np.pi * np.cumsum(frequency_hz) / sample_rate
    return (1 - np.exp(-t / 0.0005)) * np.exp(-t / 0.12) * np.sin(phase)


def _snare(sample_rate: float, rng: np.random.Generator) -> np.ndarray:
    t = np.arange(int(0.3 * sample_rate)) / sample_rate
    band = scipy.signal.butter(2, [1000, 9000], "bandpass", fs=sample_rate, output="sos")
    rattle = scipy.signal.sosfilt(band, rng.standard_normal(len(t))) * np.exp(-t / 0.09)
    tone = 0.6 * np.sin(2 * np.pi * 185.0 * t) * np.exp(-t / 0.06)
    return (1 - np.exp(-t / 0.0005)) * (tone + 2.0 * rattle)


def _hat(sample_rate: float, rng: np.random.Generator, decay_s: float) -> np.ndarray:
    t = np.arange(int(6 * decay_s * sample_rate)) / sample_rate
    highpass = scipy.signal.butter(4, 7000, "highpass", fs=sample_rate, output="sos")
    return 0.5 * scipy.signal.sosfilt(highpass, rng.standard_normal(len(t))) * np.exp(-t / decay_s)


def drum_stem(duration_s: float = 8.0, sample_rate: float = 48000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Kick, snare and hats on a jittered sixteenth grid (94-112 bpm, so steps of 134-160 ms) with
    empty steps and varied velocities. Hits on the same step share one onset."""
    rng = np.random.default_rng(seed)
    step_s = 60.0 / rng.uniform(94, 112) / 4
    audio = np.zeros((2, int(duration_s * sample_rate)))
    onsets = []
    for step in range(int((duration_s - 0.5) / step_s)):
        position = step % 16
        kick = position in (0, 8) or (position in (6, 10, 14) and rng.random() < 0.3)
        snare = position in (4, 12) or (position in (7, 15) and rng.random() < 0.15)
        hat = rng.random() < (0.85 if position % 2 == 0 else 0.25)
        if not (kick or snare or hat):
            continue
        start = int(round((0.05 + step * step_s + rng.uniform(-0.006, 0.006)) * sample_rate))
        accent = 1.0 if position % 4 == 0 else 0.8
        if kick:
            _place(audio, start, _pan(_kick(sample_rate), 1.0, 1.0) * accent * rng.uniform(0.7, 1.0))
        if snare:
            _place(audio, start, _pan(_snare(sample_rate, rng), 1.0, 0.85) * accent * rng.uniform(0.5, 1.0))
        if hat:
            decay_s = 0.05 if rng.random() < 0.15 else 0.015  # now and then an open hat
            _place(audio, start, _pan(_hat(sample_rate, rng, decay_s), 0.7, 1.0) * accent * rng.uniform(0.4, 1.0))
        onsets.append(start)
    return _normalize(audio), np.array(onsets, dtype=np.int64)


def bass_stem(duration_s: float = 8.0, sample_rate: float = 48000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Low-passed sawtooth bass notes (E1-A2), 5 ms attacks, 140-600 ms long. Notes are separated by
    15-40 ms gaps or follow legato: the pitch changes with no gap and the level swells back up."""
    rng = np.random.default_rng(seed)
    num_samples = int(duration_s * sample_rate)
    onsets = [int(0.05 * sample_rate)]
    while onsets[-1] < (duration_s - 0.8) * sample_rate:
        onsets.append(onsets[-1] + int(rng.uniform(0.14, 0.6) * sample_rate))
    pitches_midi = rng.choice([28, 31, 33, 35, 36, 38, 40, 43, 45], size=len(onsets))
    legato = rng.random(len(onsets)) < 0.35  # legato[i]: note i follows note i-1 with no gap
    legato[0] = False
    frequency_hz = np.full(num_samples, 440.0 * 2 ** ((pitches_midi[0] - 69) / 12))
    envelope = np.zeros(num_samples)
    attack_samples = int(0.005 * sample_rate)
    release_samples = int(0.008 * sample_rate)
    level = 0.0
    for index, start in enumerate(onsets):
        end = onsets[index + 1] if index + 1 < len(onsets) else num_samples
        if index + 1 < len(onsets) and not legato[index + 1]:
            end -= int(rng.uniform(0.015, 0.04) * sample_rate)  # the gap before the next note
        frequency_hz[start:] = 440.0 * 2 ** ((pitches_midi[index] - 69) / 12)
        t = np.arange(end - start) / sample_rate
        sustain = 0.6 + 0.4 * np.exp(-t / 0.15)
        rise = np.clip(np.arange(end - start) / attack_samples, 0.0, 1.0)
        start_level = level if legato[index] else 0.0
        note = start_level + (sustain - start_level) * np.sin(0.5 * np.pi * rise) ** 2
        if index + 1 == len(onsets) or not legato[index + 1]:  # released before a gap and at the end
            note[-release_samples:] *= np.cos(0.5 * np.pi * np.arange(release_samples) / release_samples) ** 2
        envelope[start:end] = note * rng.uniform(0.7, 1.0) if not legato[index] else note
        level = envelope[end - 1]
    lowpass = scipy.signal.butter(2, 700, fs=sample_rate, output="sos")
    tone = scipy.signal.sosfilt(lowpass, _bandlimited_saw(frequency_hz, sample_rate, 2000.0))
    return _normalize(_pan(tone * envelope, 1.0, 0.97)), np.array(onsets, dtype=np.int64)


def _piano_note(frequency_hz: float, hold_s: float, sample_rate: float) -> np.ndarray:
    """Slightly inharmonic partials, the higher ones decaying faster, damped at the end of hold_s."""
    release_s = 0.06
    t = np.arange(int((hold_s + release_s) * sample_rate)) / sample_rate
    decay_s = 1.6 * (110.0 / frequency_hz) ** 0.3
    note = np.zeros(len(t))
    for partial in range(1, 9):
        partial_hz = partial * frequency_hz * np.sqrt(1 + 0.0004 * partial**2)
        if partial_hz > 8000:
            break
        note += np.sin(2 * np.pi * partial_hz * t) * np.exp(-t * (1 + 0.5 * (partial - 1)) / decay_s) / partial**1.3
    damper = np.clip((hold_s + release_s - t) / release_s, 0.0, 1.0)
    return note * np.clip(t / 0.002, 0.0, 1.0) * damper


def keys_stem(duration_s: float = 8.0, sample_rate: float = 48000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Piano-like chords (3-4 notes, C3-C5) on an eighth grid at 100 bpm, 40 % of them pushed or
    dragged 30-100 ms off the grid; each chord rings until a little after the next one."""
    rng = np.random.default_rng(seed)
    grid_s = 0.3
    audio = np.zeros((2, int(duration_s * sample_rate)))
    times_s = [0.1]
    while times_s[-1] < duration_s - 1.2:
        times_s.append(times_s[-1] + grid_s * rng.integers(1, 5))
    times_s = np.array(times_s)
    off_grid = rng.random(len(times_s)) < 0.4
    times_s += off_grid * rng.choice([-1, 1], len(times_s)) * rng.uniform(0.03, 0.1, len(times_s))
    onsets = np.round(times_s * sample_rate).astype(np.int64)
    scale_midi = [48, 50, 52, 53, 55, 57, 59, 60, 62, 64, 65, 67]
    for index, start in enumerate(onsets):
        next_s = times_s[index + 1] if index + 1 < len(times_s) else duration_s - 0.1
        hold_s = min(next_s - times_s[index] + rng.uniform(0.0, 0.15), duration_s - times_s[index] - 0.1)
        root = rng.integers(0, len(scale_midi) - 6)
        chord = [scale_midi[root + step] for step in (0, 2, 4, 6)[: rng.integers(3, 5)]]
        velocity = rng.uniform(0.5, 1.0)
        for midi in chord:
            note = _piano_note(440.0 * 2 ** ((midi - 69) / 12), hold_s, sample_rate) * velocity
            pan = (midi - 48) / 24  # low notes left, high notes right
            _place(audio, int(start), _pan(note, 1.0 - 0.3 * pan, 0.7 + 0.3 * pan))
    return _normalize(audio), onsets


VOWEL_FORMANTS = ((700.0, 110.0, 1.0), (1200.0, 120.0, 0.5), (2600.0, 160.0, 0.25))  # (Hz, bandwidth Hz, gain): "ah"


def vocal_stem(duration_s: float = 8.0, sample_rate: float = 48000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A sung line (G3-A4): a sawtooth through three formant resonators, 5.5 Hz vibrato of +-30
    cents, 250-900 ms notes with 20-40 ms attacks. Notes follow 30-80 ms gaps, or legato: a 40 ms
    glide to the new pitch starting at its onset, the level dipping and swelling back."""
    rng = np.random.default_rng(seed)
    num_samples = int(duration_s * sample_rate)
    onsets = [int(0.1 * sample_rate)]
    while onsets[-1] < (duration_s - 1.2) * sample_rate:
        onsets.append(onsets[-1] + int(rng.uniform(0.25, 0.9) * sample_rate))
    pitches_midi = rng.choice([55, 57, 59, 60, 62, 64, 65, 67, 69], size=len(onsets))
    legato = rng.random(len(onsets)) < 0.35
    legato[0] = False
    pitch_midi = np.full(num_samples, float(pitches_midi[0]))
    envelope = np.zeros(num_samples)
    glide_samples = int(0.04 * sample_rate)
    release_samples = int(0.03 * sample_rate)
    level = 0.0
    for index, start in enumerate(onsets):
        end = onsets[index + 1] if index + 1 < len(onsets) else num_samples - int(0.3 * sample_rate)
        if index + 1 < len(onsets) and not legato[index + 1]:
            end -= int(rng.uniform(0.03, 0.08) * sample_rate)
        previous = pitch_midi[start - 1]
        glide = np.clip(np.arange(num_samples - start) / glide_samples, 0.0, 1.0) if legato[index] else 1.0
        pitch_midi[start:] = previous + (pitches_midi[index] - previous) * glide
        attack_samples = int(rng.uniform(0.02, 0.04) * sample_rate)
        rise = np.sin(0.5 * np.pi * np.clip(np.arange(end - start) / attack_samples, 0.0, 1.0)) ** 2
        start_level = 0.6 * level if legato[index] else 0.0
        peak = rng.uniform(0.6, 1.0)
        note = start_level + (peak - start_level) * rise
        if legato[index]:  # the dip: the level falls to start_level at the onset, then swells
            dip = min(int(0.015 * sample_rate), start)
            envelope[start - dip : start] = np.linspace(level, start_level, dip, endpoint=False)
        if index + 1 == len(onsets) or not legato[index + 1]:  # released before a gap and at the end
            note[-release_samples:] *= np.cos(0.5 * np.pi * np.arange(release_samples) / release_samples) ** 2
        envelope[start:end] = note
        level = note[-1]
    t = np.arange(num_samples) / sample_rate
    vibrato_cents = 30.0 * np.sin(2 * np.pi * 5.5 * t)
    frequency_hz = 440.0 * 2 ** ((pitch_midi - 69 + vibrato_cents / 100) / 12)
    source = _bandlimited_saw(frequency_hz, sample_rate, 7000.0)
    voice = np.zeros(num_samples)
    for centre_hz, bandwidth_hz, gain in VOWEL_FORMANTS:
        b, a = scipy.signal.iirpeak(centre_hz, centre_hz / bandwidth_hz, fs=sample_rate)
        voice += gain * scipy.signal.lfilter(b, a, source)
    return _normalize(_pan(voice * envelope, 0.95, 1.0)), np.array(onsets, dtype=np.int64)


def with_hiss(audio: np.ndarray, level_dbfs: float = -60.0, seed: int = 0) -> np.ndarray:
    """The audio plus white noise of RMS level_dbfs, independent in each channel."""
    hiss = np.random.default_rng(seed).standard_normal(np.shape(audio)) * 10 ** (level_dbfs / 20)
    return (np.asarray(audio, dtype=np.float64) + hiss).astype(np.float32)


def music_with_an_overload(amplitude: float, samples: int, rate: int = 48000) -> tuple[np.ndarray, np.ndarray]:
    """10 s of music at -10 dBFS peak, and the same with a 100 Hz square of amplitude over `samples`
    samples at 3 s."""
    clean = music(2, 10 * rate, rate)
    clean *= 0.3 / np.abs(clean).max()
    hit = clean.copy()
    hit[:, 3 * rate : 3 * rate + samples] = amplitude * np.sign(np.sin(2 * np.pi * 100 * np.arange(samples) / rate))
    return clean, hit


def change_after_an_overload_db(processor_class, amplitude: float, samples: int, rate: int = 48000) -> float:
    """How much louder the music comes out of a fresh processor_class() 2 s after the overload than
    without it (music_with_an_overload): 0.5 s RMS in dB."""
    outputs = [processor_class()(x, rate).astype(np.float64) for x in music_with_an_overload(amplitude, samples, rate)]
    after = slice(3 * rate + samples + int(1.75 * rate), 3 * rate + samples + int(2.25 * rate))
    return float(10 * np.log10(np.mean(outputs[1][:, after] ** 2) / np.mean(outputs[0][:, after] ** 2)))
