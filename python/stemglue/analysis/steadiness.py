"""Pitch steadiness of sustained notes in any stem: how far the pitch strays within a note (cents
SD), and a voice's vibrato (rate and extent). Generated stems hold their notes dead still; players,
singers and tape do not.

Notes are found with a YIN pitch track (de Cheveigne & Kawahara 2002) in 40 ms frames every 10 ms:
a run of voiced frames, at least 200 ms, whose pitch moves by less than 50 cents per frame.
Within each note the fundamental is then shifted to baseband around that median, low-passed, and
its instantaneous frequency read from the phase, sample by sample: a frame-based pitch track would average
a 5.5 Hz vibrato away (by 8 % in a 40 ms frame), this reading does not."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.signal

FRAME_S, HOP_S = 0.040, 0.010  # the track only finds the notes: the cents come from the baseband
PITCH_RANGE_HZ = (55.0, 1200.0)
YIN_THRESHOLD = 0.15  # aperiodicity under which a frame is voiced
NOTE_STEP_CENTS = 50.0
MIN_NOTE_S = 0.2
MIN_VIBRATO_CENTS = 2.0
EDGE_S = 0.1  # left out at each end of a note: the narrow band-pass filter's ringing
#: A note's fundamental holds at least this share of its power (a sawtooth's: 61 %; a sung vowel's
#: rarely under 10 %): below, the pitch is a chord's (or a missing fundamental's), not a note's.
MIN_FUNDAMENTAL_SHARE = 10 ** (-25 / 10)
#: What is left must span this many periods of the low-pass's cutoff (a quarter octave of the
#: note): a short low note (a bass heard through another microphone) is all ringing otherwise.
MIN_READ_CUTOFF_PERIODS = 3.0


@dataclass(frozen=True)
class Steadiness:
    cents_sd: float | None  # pooled over notes, around each note's mean
    notes: int
    vibrato_hz: float | None  # the strongest 4-9 Hz movement of the longest notes
    vibrato_cents: float | None  # its extent, +- cents


def _yin(frames: np.ndarray, sample_rate: float) -> np.ndarray:
    """f0 (Hz) of each frame (rows), 0 where unvoiced: YIN's cumulative-mean-normalised difference
    over each frame's first half, the minimum of its first dip under the threshold, refined between
    lags by a parabola. All frames at once (one batch of FFTs)."""
    half = frames.shape[1] // 2
    shortest = max(2, int(sample_rate / PITCH_RANGE_HZ[1]))
    longest = min(half - 2, int(sample_rate / PITCH_RANGE_HZ[0]))
    size = 1 << int(np.ceil(np.log2(2 * frames.shape[1])))
    spectra = np.conj(np.fft.rfft(frames[:, :half], size, axis=1)) * np.fft.rfft(frames, size, axis=1)
    correlation = np.fft.irfft(spectra, size, axis=1)[:, : longest + 2]
    squares = np.concatenate([np.zeros((len(frames), 1)), np.cumsum(frames**2, axis=1)], axis=1)
    lags = np.arange(longest + 2)
    difference = squares[:, [half]] + (squares[:, lags + half] - squares[:, lags]) - 2 * correlation
    normalized = np.ones(difference.shape)
    normalized[:, 1:] = difference[:, 1:] * lags[1:] / np.maximum(np.cumsum(difference[:, 1:], axis=1), 1e-30)
    region = normalized[:, shortest : longest + 1]
    below = region < YIN_THRESHOLD
    voiced = below.any(axis=1)
    first = np.argmax(below, axis=1)
    # the dip's minimum: the lowest value from the first crossing to where the dip comes back up
    dip = np.where(np.arange(region.shape[1]) >= first[:, None], region, np.inf)
    dip = np.where(np.cumsum(~below & (np.arange(region.shape[1]) > first[:, None]), axis=1) > 0, np.inf, dip)
    tau = np.argmin(dip, axis=1) + shortest
    tau = np.clip(tau, 1, longest)
    rows = np.arange(len(frames))
    left, centre, right = normalized[rows, tau - 1], normalized[rows, tau], normalized[rows, tau + 1]
    curvature = left - 2 * centre + right
    fraction = np.where(curvature > 0, 0.5 * (left - right) / np.where(curvature > 0, curvature, 1.0), 0.0)
    return np.where(voiced, sample_rate / (tau + fraction), 0.0)


def _notes(f0: np.ndarray) -> list[tuple[int, int, float]]:
    """(first frame, end frame, median Hz) of each run of voiced frames whose pitch moves less than
    NOTE_STEP_CENTS from one frame to the next: a vibrato (at most ~30 cents per 10 ms) stays one
    note, a step to another note (100 cents and more) starts the next."""
    notes, start = [], 0
    while start < len(f0):
        if f0[start] <= 0:
            start += 1
            continue
        end = start + 1
        while end < len(f0) and f0[end] > 0 and abs(1200 * np.log2(f0[end] / f0[end - 1])) < NOTE_STEP_CENTS:
            end += 1
        notes.append((start, end, float(np.median(f0[start:end]))))
        start = end
    return notes


@dataclass(frozen=True)
class Note:
    """A sustained single note: its samples [start, stop) and median fundamental (Hz)."""

    start: int
    stop: int
    hz: float


def decimated(mono: np.ndarray, sample_rate: float) -> tuple[np.ndarray, float, int]:
    """A copy at about 12 kHz, its rate and the factor: the highest fundamental read (1200 Hz) is
    still far under its Nyquist, and the work is a quarter of 48 kHz's."""
    factor = max(1, int(sample_rate // 12000))
    return (scipy.signal.resample_poly(mono, 1, factor) if factor > 1 else mono), sample_rate / factor, factor


def sustained_notes(mono: np.ndarray, sample_rate: float, low: tuple | None = None) -> list[Note]:
    """The notes of at least MIN_NOTE_S that hold one pitch, from a YIN track of a 12 kHz copy
    (`low`: decimated(mono, sample_rate), when the caller has it)."""
    low, low_rate, factor = low if low is not None else decimated(mono, sample_rate)
    frame, hop = int(FRAME_S * low_rate), int(HOP_S * low_rate)
    if len(low) < frame:
        return []
    frames = np.lib.stride_tricks.sliding_window_view(low, frame)[::hop]
    loud = np.max(np.abs(frames), axis=1) > 0.03 * np.max(np.abs(low))  # within 30 dB of the peak
    f0 = np.zeros(len(frames))
    chosen = np.flatnonzero(loud)
    for start in range(0, len(chosen), 1024):  # batches: a 3-minute stem's frames at once would be large
        rows = chosen[start : start + 1024]
        f0[rows] = _yin(frames[rows], low_rate)
    min_frames = int(MIN_NOTE_S / HOP_S)
    return [
        Note(first * hop * factor, min(len(mono), ((end - 1) * hop + frame) * factor), hz)
        for first, end, hz in _notes(f0)
        if end - first >= min_frames and _has_its_fundamental(low[first * hop : (end - 1) * hop + frame], low_rate, hz)
    ]


def _has_its_fundamental(piece: np.ndarray, sample_rate: float, hz: float) -> bool:
    """Whether the pitch's own frequency holds at least MIN_FUNDAMENTAL_SHARE of the stretch's power:
    a chord of sines is periodic at its missing fundamental (C-E-G: 65 Hz, which is not there), and
    read as one note it gave a pitch SD of 501 cents and an H2 and H3 above a fundamental 120 dB under
    the stem (a tryout)."""
    window = scipy.signal.windows.blackmanharris(len(piece))
    spectrum = np.abs(np.fft.rfft((piece - np.mean(piece)) * window)) ** 2
    bins = np.fft.rfftfreq(len(piece), 1 / sample_rate)
    near = (bins >= hz * 0.97 - 2 * sample_rate / len(piece)) & (bins <= hz * 1.03 + 2 * sample_rate / len(piece))
    return bool(np.sum(spectrum[near]) >= MIN_FUNDAMENTAL_SHARE * np.sum(spectrum))


def pitch_steadiness(
    audio: np.ndarray, sample_rate: float, notes: list[Note] | None = None, low: tuple | None = None
) -> Steadiness:
    """Cents SD within the sustained notes (found here unless given), and the vibrato of the longest
    (`low`: the 12 kHz copy, decimated(mono, sample_rate), when the caller has it)."""
    mono = np.atleast_2d(np.asarray(audio, np.float64)).mean(axis=0)
    low = low if low is not None else decimated(mono, sample_rate)
    if notes is None:
        notes = sustained_notes(mono, sample_rate, low)
    if not notes:
        return Steadiness(None, 0, None, None)
    # the fundamentals are read on the 12 kHz copy too (every sample rate below is that copy's)
    mono, sample_rate, factor = low
    notes_cents = []
    edge = int(EDGE_S * sample_rate)
    for note in notes:
        start_sample, stop_sample, median_hz = note.start // factor, note.stop // factor, note.hz
        # The fundamental as a complex baseband signal: shifted down by the note's median, low-passed
        # (4th order, forwards and back, at a quarter octave) so the second harmonic, now a whole
        # median away, is over 100 dB down; its phase's slope is the frequency's offset. (An FFT
        # Hilbert transform of the note would ring from its ends by a cent.)
        context = int(0.1 * sample_rate)
        lo = max(0, start_sample - context)
        piece = mono[lo : min(len(mono), stop_sample + context)]
        carrier = np.exp(-2j * np.pi * median_hz * np.arange(len(piece)) / sample_rate)
        lowpass = scipy.signal.butter(4, median_hz * (2 ** (1 / 4) - 1), fs=sample_rate, output="sos")
        baseband = piece * carrier
        baseband = scipy.signal.sosfiltfilt(lowpass, baseband.real) + 1j * scipy.signal.sosfiltfilt(
            lowpass, baseband.imag
        )
        frequency = median_hz + np.diff(np.unwrap(np.angle(baseband))) * sample_rate / (2 * np.pi)
        inside = frequency[start_sample - lo + edge : stop_sample - lo - edge]
        shortest = MIN_READ_CUTOFF_PERIODS * sample_rate / (median_hz * (2 ** (1 / 4) - 1))
        if len(inside) < max(2, shortest) or np.any(inside <= 0):
            continue
        cents = 1200 * np.log2(inside / np.mean(inside))
        notes_cents.append(cents)
    if not notes_cents:
        return Steadiness(None, 0, None, None)
    pooled = np.concatenate(notes_cents)
    cents_sd = float(np.sqrt(np.mean(pooled**2)))
    # vibrato: the spectrum of the longest note's cents, 4-9 Hz
    series = max(notes_cents, key=len)
    vibrato_hz = vibrato_cents = None
    if len(series) > sample_rate * 0.5:
        spectrum = np.abs(np.fft.rfft((series - series.mean()) * np.hanning(len(series))))
        frequencies = np.fft.rfftfreq(len(series), 1 / sample_rate)
        band = (frequencies >= 4) & (frequencies <= 9)
        if np.any(band):
            strongest = int(np.flatnonzero(band)[np.argmax(spectrum[band])])
            left, centre, right = np.log(spectrum[strongest - 1 : strongest + 2] + 1e-30)
            curvature = left - 2 * centre + right
            shift = 0.5 * (left - right) / curvature if curvature < 0 else 0.0
            vibrato_hz = float((strongest + shift) * sample_rate / len(series))
            # its extent: a least-squares sinusoid at that rate (a bin's height would scallop)
            t = np.arange(len(series)) / sample_rate
            basis = np.stack([np.sin(2 * np.pi * vibrato_hz * t), np.cos(2 * np.pi * vibrato_hz * t)], axis=1)
            fitted = np.linalg.lstsq(basis, series - series.mean(), rcond=None)[0]
            vibrato_cents = float(np.hypot(*fitted))
            if vibrato_cents < MIN_VIBRATO_CENTS or not 4 <= vibrato_hz <= 9:
                vibrato_hz = vibrato_cents = None  # no vibrato to speak of
    return Steadiness(cents_sd, len(notes_cents), vibrato_hz, vibrato_cents)
