"""How a stem's sounds die away: T30 and EDT read from its free decays (releases and the final
tail), the way ISO 3382-1 reads them from an impulse response. Stems recorded in one room decay
alike; generated stems decay as each sample or synth patch does, or stop dead.

Each stretch between two onsets (and from the last onset to the end) may hold one free decay: the
descent into the stretch's lowest level. It ends where the level first comes within 3 dB of that
lowest, and is found walking back from there while the level keeps rising (within
RISE_TOLERANCE_DB: a decaying tail flickers); it starts where the level last holds (within 1 dB of
its highest over the 100 ms before: the end of a sustain, or of other instruments' bleed, which so
does not count as the decay). Its Schroeder curve is integrated from there to 100 ms past the end
(not into a next note its onset was found late for), from the squared samples less the floor's
power (Chu's subtraction: the floor adds no energy on average), so hiss does not bend the curve
before -35 dB. EDT is the 0 to -10 dB slope, T30 the -5 to -35 dB slope, each extended to -60 dB."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from stemglue.analysis.floor import NoiseFloor, noise_floor

BLOCK_S = 0.001  # the decay curves' resolution: the energy is summed per millisecond
BLOCKS_PER_FRAME = 10  # the level envelope the decays are found in: 10 ms frames
FRAME_S = BLOCK_S * BLOCKS_PER_FRAME
SMOOTHING_FRAMES = 3  # the level is a 30 ms moving average: a bass's tail flickers in 10 ms frames
RISE_TOLERANCE_DB = 2.0
FLOOR_SPAN_DB = 3.0
#: The level holds where it stands within PLATEAU_DB of its highest over the PLATEAU_FRAMES before;
#: a decay of RT60 under 6 s falls more than that.
PLATEAU_DB, PLATEAU_FRAMES = 1.0, 10
#: How far the level must fall within the stretch (to the floor or to the next onset). EDT fits
#: 10 dB; a decay cut off 25 dB down bends its curve at -10 dB by 0.14 dB (1 %). T30 needs the
#: 45 dB of dynamic range ISO 3382-1 asks for. A sustained note cut by the next one falls little,
#: and is no free decay.
EDT_FALL_DB, T30_FALL_DB = 25.0, 45.0
MIN_FIT_POINTS = 10
#: T30 is one exponential's: its Schroeder curve straight from -5 to -35 dB. ISO 3382-1 calls a fit
#: with r^2 under 0.99 (non-linearity over 10 per mille) curved: a dry sound cut dead over a quiet
#: room falls in two slopes, and has an EDT but no T30.
MIN_STRAIGHTNESS = 0.99
MAX_CURVES = 12  # decay curves kept for the report's plot (the longest)


@dataclass(frozen=True)
class Decays:
    t30_s: float | None  # median over the decays with the range for it
    edt_s: float | None
    count: int  # decays with at least an EDT
    curves: list[np.ndarray] = field(default_factory=list, repr=False)  # EDC dB, one point per curve_step_s
    curve_step_s: float = FRAME_S
    t30_reason: str | None = None  # why t30_s (edt_reason: edt_s) is None
    edt_reason: str | None = None


def _fit(curve_db: np.ndarray, points_per_s: float, start_db: float, end_db: float) -> tuple[float, float] | None:
    """The time to fall 60 dB at the slope fitted to the curve between start_db and end_db, and the
    fit's r^2 (1: a straight line, one exponential decay)."""
    below_end = np.flatnonzero(curve_db < end_db)
    if len(below_end) == 0:
        return None
    span = np.flatnonzero(curve_db[: below_end[0]] <= start_db)
    if len(span) < MIN_FIT_POINTS:
        return None
    times, fitted = span / points_per_s, curve_db[span]
    slope, intercept = np.polyfit(times, fitted, 1)
    if slope >= 0:
        return None
    residual = fitted - (slope * times + intercept)
    return float(-60.0 / slope), float(1 - np.sum(residual**2) / max(np.sum((fitted - fitted.mean()) ** 2), 1e-30))


def _median(values: list[float]) -> float | None:
    return float(np.median(values)) if values else None


def free_decays(mono: np.ndarray, sample_rate: float, onsets: np.ndarray, floor: NoiseFloor | None = None) -> Decays:
    """T30 and EDT of the free decays between `onsets` (sample positions) and after the last.
    `floor`: the stem's noise floor when the caller has measured it (None: measured here)."""
    mono = np.asarray(mono, np.float64)
    block = max(1, int(BLOCK_S * sample_rate))
    frame = block * BLOCKS_PER_FRAME
    count = len(mono) // frame
    if count < 4:
        return Decays(None, None, 0, t30_reason="shorter than 40 ms", edt_reason="shorter than 40 ms")
    block_energy = np.sum(mono[: count * frame].reshape(count * BLOCKS_PER_FRAME, block) ** 2, axis=1)
    powers = block_energy.reshape(count, BLOCKS_PER_FRAME).sum(axis=1) / frame
    levels_db = 10 * np.log10(np.convolve(powers, np.ones(SMOOTHING_FRAMES) / SMOOTHING_FRAMES, "same") + 1e-300)
    floor = floor if floor is not None else noise_floor(mono[np.newaxis], sample_rate)
    floor_power = 10 ** (floor.dbfs / 10) if floor.dbfs is not None else 0.0
    blocks_per_s = sample_rate / block
    bounds = np.unique(np.concatenate([[0], np.asarray(onsets, np.int64) // frame, [count]]))
    t30s, edts, curves = [], [], []
    falls = fits = straight = 0  # decays that fell far enough, had an EDT, fell 45 dB
    for first, end in zip(bounds[:-1], bounds[1:], strict=True):
        if end - first < 4:
            continue
        # where the descent ends: the first frame within FLOOR_SPAN_DB of the stretch's lowest (the
        # floor it ends in flickers by more than RISE_TOLERANCE_DB)
        stretch = levels_db[first:end]
        lowest = first + int(np.argmax(stretch <= stretch.min() + FLOOR_SPAN_DB))
        top = begin = lowest
        while begin > first and levels_db[begin - 1] >= levels_db[top] - RISE_TOLERANCE_DB:
            begin -= 1
            top = begin if levels_db[begin] > levels_db[top] else top
        holds = [  # (the floor the decay ends in holds too: not counted)
            k
            for k in range(begin + 1, lowest + 1)
            if levels_db[k] >= levels_db[max(begin, k - PLATEAU_FRAMES) : k].max() - PLATEAU_DB
            and levels_db[k] >= levels_db[lowest] + EDT_FALL_DB
        ]
        start = holds[-1] if holds else begin
        fall_db = float(levels_db[start] - levels_db[lowest])
        if fall_db < EDT_FALL_DB:
            continue
        falls += 1
        stop = min(end, lowest + PLATEAU_FRAMES)
        # In a dense stem the quietest windows may hold tails rather than the floor: never take away
        # more than the descent ends in.
        subtracted = min(floor_power, float(powers[lowest]))
        energy = block_energy[start * BLOCKS_PER_FRAME : stop * BLOCKS_PER_FRAME] - block * subtracted
        remaining = np.cumsum(energy[::-1])[::-1]
        if remaining[0] <= 0:
            continue
        curve_db = 10 * np.log10(np.maximum(remaining / remaining[0], 1e-30))
        edt = _fit(curve_db, blocks_per_s, 0.0, -10.0)
        if edt is None:
            continue
        edts.append(edt[0])
        fits += 1
        if fall_db >= T30_FALL_DB:
            straight += 1
            t30 = _fit(curve_db, blocks_per_s, -5.0, -35.0)
            if t30 is not None and t30[1] >= MIN_STRAIGHTNESS:
                t30s.append(t30[0])
        curves.append(curve_db[::BLOCKS_PER_FRAME])
    curves = sorted(curves, key=len, reverse=True)[:MAX_CURVES]
    edt_reason = t30_reason = None
    if not edts:
        edt_reason = (
            "no free decay: no release or tail falls 25 dB before the next onset"
            if not falls
            else "its releases stop dead (under 10 ms to fall 10 dB): nothing to fit"
        )
    if not t30s:
        t30_reason = (
            "no release or tail falls the 45 dB T30 needs"
            if not straight
            else "its decays fall in more than one slope (a fit under r^2 0.99): no single T30"
        )
    return Decays(_median(t30s), _median(edts), len(edts), curves, frame / sample_rate, t30_reason, edt_reason)
