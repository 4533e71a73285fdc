"""Onsets in any stem and how they sit against a grid: the timing descriptors of a performance.

Detection is spectral flux (log magnitudes, positive changes summed over frequency) with a
moving-median threshold, so hits and note starts are found on drums, bass, keys and voice above
a noise floor. Each onset is then timed in the waveform: the point where the hit's (Hilbert)
envelope first rises a fifth of the way from the level before it (silence, or a note held under
the hit) to its peak, between samples. That point keeps its place under a per-hit gain, so two
hits of one shape are timed relative to each other to a small fraction of a millisecond, and the
grid offsets read what a player (or Humanize) did."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.fft
import scipy.ndimage
import scipy.signal

FRAME, HOP, LAG = 2048, 256, 4  # at 48 kHz: 43 ms frames every 5.3 ms, compared 21 ms apart
FRAMES_PER_PIECE = 2048
MIN_GAP_MS = 40.0  # two onsets closer than this are one
THRESHOLD = 0.2  # of the flux's high percentile, above the moving median
RELATIVE_HEIGHT = 1.5  # and this many times the moving median
#: and at least this: a new partial 40 dB under the stem's peak sums to several times more; the
#: window's ripple on a held tone to a fifth of it
MIN_FLUX = 1.0
#: The low band (a kick's, a bass's fundamental), searched on its own too where its strong onsets
#: stand this far above its median: onsets do (the test stems: 135 to 10^10 times), noise does not
#: (white noise: 5 times), and a stem's noise would otherwise be found there. Its few bins make its
#: flux noisy, so a peak found there alone must reach this share of its strong onsets too (decaying
#: noise otherwise gave onsets inside its decays).
LOW_BAND_HZ, LOW_BAND_OWN_ONSETS, LOW_BAND_PEAK_SHARE = 200.0, 20.0, 0.5
ATTACK_FRACTION = 0.2  # the onset: where the envelope has risen this share of the way to the hit's peak
#: Sixteenth-note grid steps a tempo estimate searches: 40 to 400 ms (37.5 to 375 bpm).
GRID_STEP_RANGE_S = (0.040, 0.400)
GRID_TIE = 0.02  # resultant lengths this close fit alike: the coarser step is the grid
#: A given tempo's beat divided into sixteenths, sixteenth-note triplets (which hold eighth-note
#: triplets) or twelfths (both at once): the coarsest that fits the onsets best is the grid. Triplets
#: timed against sixteenths read as 35 ms of spread for 5 ms played (a tryout).
BEAT_DIVISIONS = {4: "sixteenths", 6: "sixteenth-note triplets", 12: "twelfths of a beat (sixteenths and triplets)"}


def _mono(audio: np.ndarray) -> np.ndarray:
    return np.atleast_2d(np.asarray(audio, np.float64)).mean(axis=0)


def onset_strength(mono: np.ndarray, sample_rate: float) -> tuple[np.ndarray, int]:
    """(spectral flux per frame of each band, below and above LOW_BAND_HZ, as rows; hop in samples).
    Magnitudes are log-compressed relative to the largest any frame of this stem could hold (its
    peak sample times the window's sum), so a floor 60 dB down adds almost nothing. Frames are
    transformed a few thousand at a time in float32: a 3-minute stem never holds its whole
    spectrogram."""
    scale = sample_rate / 48000
    frame, hop = max(256, int(FRAME * scale)), max(32, int(HOP * scale))
    if len(mono) < frame + LAG * hop:
        return np.zeros((2, 0)), hop
    window = scipy.signal.get_window("hann", frame).astype(np.float32)
    frames = np.lib.stride_tricks.sliding_window_view(mono.astype(np.float32), frame)[::hop]
    reference = max(float(np.max(np.abs(mono))), 1e-30) * float(window.sum())
    low_bins = int(np.ceil(LOW_BAND_HZ * frame / sample_rate))
    flux = [np.zeros((2, LAG))]
    for start in range(0, len(frames) - LAG, FRAMES_PER_PIECE):
        piece = frames[start : start + FRAMES_PER_PIECE + LAG]
        magnitude = np.abs(scipy.fft.rfft(piece * window, axis=1))  # one thread: stems run one per core
        compressed = np.log1p((1000.0 / reference) * magnitude)
        # SuperFlux (Boeck & Widmer 2013): each frame against the frequency-max-filtered frame LAG
        # hops before, so partials that beat or wobble inside a note (a bass's unresolved
        # harmonics, vibrato) do not read as new notes
        before = scipy.ndimage.maximum_filter1d(compressed[:-LAG], 3, axis=1)
        rise = np.maximum(compressed[LAG:] - before, 0.0)
        flux.append(np.stack([np.sum(rise[:, :low_bins], axis=1), np.sum(rise[:, low_bins:], axis=1)]))
    return np.concatenate(flux, axis=1).astype(np.float64), hop


def _band_peaks(flux: np.ndarray, sample_rate: float, hop: int) -> np.ndarray:
    """The frames where one band's flux peaks above its moving median by a share of its strong
    onsets, well clear of that median (steady noise flickers around it), and not the ripple of a
    held tone."""
    if len(flux) < 3 or not np.any(flux > 0):
        return np.zeros(0, np.int64)
    median = scipy.ndimage.median_filter(flux, size=max(3, int(0.3 * sample_rate / hop)) | 1, mode="nearest")
    height = np.maximum(median + THRESHOLD * np.percentile(flux, 99.5), RELATIVE_HEIGHT * median)
    height = np.maximum(height, MIN_FLUX)
    gap = max(1, int(MIN_GAP_MS * 1e-3 * sample_rate / hop))
    return scipy.signal.find_peaks(flux, height=height, distance=gap)[0]


def detect_onsets(audio: np.ndarray, sample_rate: float) -> np.ndarray:
    """Onset times (fractional samples) of the hits and note starts in a stem: the peaks of the
    whole band's flux, and of the low band's alone where it holds onsets of its own (a kick or an
    808's sine sweep sums to little beside a snare's broadband flux: a tryout found none of 12)."""
    mono = _mono(audio)
    bands, hop = onset_strength(mono, sample_rate)
    low, whole = bands[0], bands[0] + bands[1]
    peaks = _band_peaks(whole, sample_rate, hop)
    strong = np.percentile(low, 99.5) if len(low) else 0.0
    if len(low) and strong > LOW_BAND_OWN_ONSETS * np.median(low):
        gap = MIN_GAP_MS * 1e-3 * sample_rate / hop
        extra = [
            peak
            for peak in _band_peaks(low, sample_rate, hop)
            if low[peak] >= LOW_BAND_PEAK_SHARE * strong and np.all(np.abs(peaks - peak) >= gap)
        ]
        peaks = np.sort(np.concatenate([peaks, np.asarray(extra, np.int64)]))
    # frame f's flux peaks about when the change passes the middle of the frame (f hop + frame / 2)
    rough = (peaks + 0.5) * hop + 0.5 * max(256, int(FRAME * sample_rate / 48000))
    return _timed(mono, rough, sample_rate)


def _timed(mono: np.ndarray, rough: np.ndarray, sample_rate: float) -> np.ndarray:
    """Each rough onset moved to where its hit's envelope first rises ATTACK_FRACTION of the way
    from the level before it (the median before the peak: a held note under the hit, or silence)
    to its peak (within 30 ms either side of the rough time), interpolated between samples. A hit
    that never rises through that level within the window keeps its rough time."""
    reach = int(0.030 * sample_rate)
    smooth = max(1, int(0.0005 * sample_rate))
    timed = []
    for position in rough.astype(np.int64):
        first, last = max(0, position - reach), min(len(mono), position + reach)
        if last - first < 4:
            continue
        envelope = np.abs(scipy.signal.hilbert(mono[first:last]))
        envelope = np.convolve(envelope, np.ones(smooth) / smooth, mode="same")
        peak = int(np.argmax(envelope))
        before = float(np.median(envelope[: peak + 1]))
        level = before + ATTACK_FRACTION * (envelope[peak] - before)
        below = np.flatnonzero(envelope[: peak + 1] < level)
        if len(below) == 0:
            timed.append(float(position))
            continue
        k = int(below[-1])  # the last sample under the level before the peak
        fraction = (level - envelope[k]) / max(envelope[k + 1] - envelope[k], 1e-30)
        timed.append(first + k + fraction)
    timed = np.unique(np.round(np.asarray(timed), 6))
    if len(timed) > 1:  # two rough onsets of one hit
        keep = np.concatenate([[True], np.diff(timed) >= MIN_GAP_MS * 1e-3 * sample_rate])
        timed = timed[keep]
    return timed


@dataclass(frozen=True)
class Grid:
    """A grid of `step_s` from `phase_s`: sixteenths at `tempo_bpm` when the tempo is known."""

    step_s: float
    phase_s: float
    estimated: bool
    per_beat: int = 4  # grid lines per beat (estimated grids are taken as sixteenths)

    @property
    def tempo_bpm(self) -> float:
        return 60.0 / (self.per_beat * self.step_s)


def _resultant(centred_s: np.ndarray, step_s: float) -> float:
    """How well onsets line up on a grid of this step at any phase: 1 all on it, near 0 spread over it."""
    return float(np.abs(np.mean(np.exp(2j * np.pi * centred_s / step_s))))


def _fitted_step(centred_s: np.ndarray, step_s: float) -> tuple[float, float, float]:
    """A step refined by a least-squares fit of each onset to its grid index (t = intercept + k step),
    with its intercept and resultant length."""
    intercept = 0.0
    for _ in range(3):
        index = np.round(centred_s / step_s)
        step_s, intercept = np.polyfit(index, centred_s, 1)
    return float(step_s), float(intercept), _resultant(centred_s - intercept, step_s)


def estimate_grid(onset_times_s: np.ndarray) -> Grid | None:
    """The grid the onsets sit on: the step whose phases line the onsets up best (the resultant
    length of exp(2 pi i t / step), searched over 40-400 ms), then step and phase refined by a
    least-squares fit of each onset to its grid index. Exactly quantized onsets fit every step that
    divides theirs equally well (quarters at 120 bpm: 250, 167, 125 ... ms): of the steps that fit
    within GRID_TIE of the best, the coarsest. None for fewer than 8 onsets."""
    times = np.asarray(onset_times_s, np.float64)
    if len(times) < 8:
        return None
    steps = np.geomspace(*GRID_STEP_RANGE_S, 4000)
    centred = times - times[0]
    resultant = np.empty(len(steps))
    for start in range(0, len(steps), 500):  # in pieces: onsets x steps complex values
        chunk = steps[start : start + 500]
        resultant[start : start + 500] = np.abs(np.mean(np.exp(2j * np.pi * centred[:, None] / chunk), axis=0))
    # The peaks, each refined before they are compared (over a long song the searched steps miss a
    # peak's top by a tenth and more): the best twenty, where ties are.
    inner = resultant[1:-1]
    peaks = np.flatnonzero((inner >= resultant[:-2]) & (inner >= resultant[2:])) + 1
    peaks = peaks[np.argsort(resultant[peaks])[::-1][:20]] if len(peaks) else np.array([int(np.argmax(resultant))])
    fits = [_fitted_step(centred, float(steps[i])) for i in peaks]
    best = max(fit[2] for fit in fits)
    step, intercept, _ = max((fit for fit in fits if fit[2] >= best - GRID_TIE), key=lambda fit: fit[0])
    return Grid(step_s=step, phase_s=float((times[0] + intercept) % step), estimated=True)


def given_grid(onset_times_s: np.ndarray, tempo_bpm: float) -> Grid:
    """A given tempo's grid from the file's start, its beat divided as BEAT_DIVISIONS fits the
    onsets best (sixteenths for fewer than 8 onsets)."""
    times = np.asarray(onset_times_s, np.float64)
    beat_s = 60.0 / tempo_bpm
    per_beat = 4
    if len(times) >= 8:
        fits = {division: _resultant(times - times[0], beat_s / division) for division in BEAT_DIVISIONS}
        per_beat = min(division for division, fit in fits.items() if fit >= max(fits.values()) - GRID_TIE)
    return Grid(step_s=beat_s / per_beat, phase_s=0.0, estimated=False, per_beat=per_beat)


def grid_offsets_ms(onset_times_s: np.ndarray, grid: Grid) -> np.ndarray:
    """Each onset's distance (ms) from its nearest grid line: positive when late."""
    relative = (np.asarray(onset_times_s, np.float64) - grid.phase_s) / grid.step_s
    return (relative - np.round(relative)) * grid.step_s * 1000
