"""What a multitrack is missing: the sterility descriptors of each stem and of each pair, beside
the ranges recordings of people show, as plain data (what `stemglue analyze --json` writes).

Per stem: the noise floor in its gaps, onset timing against the grid, per-hit level spread,
loudness, loudness range and true peak. Per pair: bleed evidence (GCC-PHAT) and how many of their
onsets coincide. A value that does not apply is None, with the reason in the stem's `reasons`."""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soxr

from stemglue.analysis.bleed import MIN_SECONDS, evidence_from_spectra, segment_spectra, segment_stride
from stemglue.analysis.floor import noise_floor
from stemglue.analysis.loudness import (
    integrated_loudness_lufs,
    k_weighted_power,
    loudness_range_lu,
    true_peak_dbtp,
)
from stemglue.analysis.onsets import Grid, detect_onsets, estimate_grid, grid_offsets_ms
from stemglue.analysis.timing import hit_peak_levels_db, timing_statistics
from stemglue.audio_io import read_audio

#: What recordings of people show (../shared/reference/dsp-facts.md sections 1-3, 6): a stem
#: outside a range is flagged with what StemGlue module would move it.
HUMAN_RANGES = {
    "noise_floor_dbfs": (-100.0, -60.0, "noise"),
    "onset_sd_ms": (2.0, 20.0, "humanize timing"),
    "onset_lag1": (0.2, 0.95, "humanize correlation"),
    "hit_level_sd_db": (0.5, 3.0, "humanize dynamics"),
}
#: Onsets of two stems within this of each other coincide (machines: nearly all; players: few).
COINCIDENCE_MS = 1.0
#: A GCC-PHAT peak this many robust standard deviations above its curve is bleed.
BLEED_Z = 8.0
MIN_ONSETS = 8


@dataclass
class StemAudio:
    name: str
    path: Path | None
    audio: np.ndarray  # (channels, frames) float32
    sample_rate: int


def _hit_level_sd_db(mono: np.ndarray, onsets: np.ndarray, sample_rate: float) -> float | None:
    """Per-hit peak level SD (dB), pooled within hit classes: hits of one spectral centroid third
    octave are one instrument's, so a kick and a hat do not count as a level spread."""
    if len(onsets) < MIN_ONSETS:
        return None
    window = int(0.030 * sample_rate)
    levels = hit_peak_levels_db(mono, onsets, window, oversample=4)
    centroids = []
    for position in onsets.astype(np.int64):
        piece = mono[position : position + window]
        spectrum = np.abs(np.fft.rfft(piece * np.hanning(len(piece)))) if len(piece) > 8 else np.zeros(1)
        frequencies = np.fft.rfftfreq(max(len(piece), 1), 1 / sample_rate)[: len(spectrum)]
        centroids.append(np.sum(frequencies * spectrum) / max(np.sum(spectrum), 1e-30))
    classes = np.round(3 * np.log2(np.maximum(centroids, 20.0)))
    deviations = [levels[classes == c] - levels[classes == c].mean() for c in np.unique(classes)]
    deviations = [d for d in deviations if len(d) >= 4]
    count = sum(len(d) for d in deviations)
    if count < MIN_ONSETS:
        return None
    return float(np.sqrt(sum(np.sum(d**2) for d in deviations) / (count - len(deviations))))


def _coincidence(a: np.ndarray, b: np.ndarray, tolerance: float) -> float | None:
    """Share of the onsets of both stems with a partner in the other within the tolerance."""
    if len(a) == 0 or len(b) == 0:
        return None

    def matched(x: np.ndarray, y: np.ndarray) -> int:
        index = np.searchsorted(y, x)
        left, right = y[np.clip(index - 1, 0, len(y) - 1)], y[np.clip(index, 0, len(y) - 1)]
        return int(np.count_nonzero(np.minimum(np.abs(x - left), np.abs(x - right)) <= tolerance))

    return (matched(a, b) + matched(b, a)) / (len(a) + len(b))


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None or not np.isfinite(value) else round(float(value), digits)


def analyze_stem(stem: StemAudio, grid: Grid | None, onsets: np.ndarray) -> dict[str, object]:
    """The descriptors of one stem, its onsets already found (fractional samples)."""
    rate, mono = stem.sample_rate, np.atleast_2d(stem.audio).astype(np.float64).mean(axis=0)
    reasons: dict[str, str] = {}
    floor = noise_floor(stem.audio, rate)
    if floor.reason:
        reasons["noise_floor_dbfs"] = reasons["noise_floor_dba"] = floor.reason
    timing = {"onset_sd_ms": None, "onset_mean_ms": None, "onset_lag1": None, "onset_slope": None}
    if len(onsets) < MIN_ONSETS:
        for key in timing:
            reasons[key] = f"{len(onsets)} onsets; timing needs {MIN_ONSETS}"
    elif grid is None:
        for key in timing:
            reasons[key] = "no grid: give --tempo, or stems with enough onsets to find one"
    else:
        statistics = timing_statistics(grid_offsets_ms(onsets / rate, grid))
        timing = {
            "onset_sd_ms": statistics.sd_ms,
            "onset_mean_ms": None if grid.estimated else statistics.mean_ms,
            "onset_lag1": statistics.lag1,
            "onset_slope": statistics.slope,
        }
        if grid.estimated:
            reasons["onset_mean_ms"] = "the grid's phase is estimated from the onsets: give --tempo for the mean"
        if not np.isfinite(statistics.slope):
            reasons["onset_slope"] = "the periodogram slope needs 64 onsets"
    hit_sd = _hit_level_sd_db(mono, onsets, rate)
    if hit_sd is None:
        reasons["hit_level_sd_db"] = "fewer than 8 hits of one kind"
    power = k_weighted_power(stem.audio, rate)
    lufs = integrated_loudness_lufs(stem.audio, rate, power)
    if lufs is None:
        reasons["lufs"] = "silent, or shorter than a 400 ms block"
    lra = loudness_range_lu(stem.audio, rate, power)
    if lra is None:
        reasons["lra_lu"] = "under 5 s of sound: too short for a range"
    peak = true_peak_dbtp(stem.audio, rate)
    if peak is None:
        reasons["true_peak_dbtp"] = "digital silence"
    values = {
        "noise_floor_dbfs": _round(floor.dbfs, 2),
        "noise_floor_dba": _round(floor.dba, 2),
        "digital_silence": floor.digital_silence,
        "onsets": int(len(onsets)),
        **{key: _round(value, 3) for key, value in timing.items()},
        "hit_level_sd_db": _round(hit_sd, 3),
        "lufs": _round(lufs, 2),
        "lra_lu": _round(lra, 2),
        "true_peak_dbtp": _round(peak, 2),
    }
    flags = []
    if floor.digital_silence:
        flags.append("digital silence in the gaps: noise")
    for key, (low, high, module) in HUMAN_RANGES.items():
        value = values.get(key)
        if isinstance(value, float) and not low <= value <= high:
            flags.append(f"{key} {value:g} outside {low:g}..{high:g}: {module}")
    return {
        "file": None if stem.path is None else str(stem.path),
        "sample_rate": rate,
        "channels": int(np.atleast_2d(stem.audio).shape[0]),
        "seconds": round(np.atleast_2d(stem.audio).shape[1] / rate, 3),
        **values,
        "flags": flags,
        "reasons": reasons,
    }


def _at_rate(stem: StemAudio, rate: int) -> np.ndarray:
    mono = np.atleast_2d(stem.audio).astype(np.float64).mean(axis=0)
    return mono if stem.sample_rate == rate else soxr.resample(mono, stem.sample_rate, rate, quality="VHQ")


def _bleed_spectra(stems: list[StemAudio]) -> tuple[int, dict[str, np.ndarray | None]]:
    """(the pairs' rate, each stem's segment spectra at it, None for one too short or silent): taken
    once per stem, every pair reuses them."""
    rate = max(stem.sample_rate for stem in stems)
    monos = {stem.name: _at_rate(stem, rate) for stem in stems}
    stride = segment_stride(max(len(mono) for mono in monos.values()))
    return rate, {
        name: segment_spectra(mono, stride) if len(mono) >= MIN_SECONDS * rate and np.any(mono) else None
        for name, mono in monos.items()
    }


def analyze_pair(a: str, b: str, rate: int, spectra: dict, onsets_s: dict[str, np.ndarray]) -> dict[str, object]:
    evidence = None
    if spectra[a] is not None and spectra[b] is not None:
        evidence = evidence_from_spectra(spectra[a], spectra[b], rate)
    found = False
    if evidence is not None:
        curve = evidence.curve
        spread = 1.4826 * np.median(np.abs(curve - np.median(curve)))
        found = bool(evidence.strength > np.median(curve) + BLEED_Z * max(spread, 1e-12))
    coincidence = _coincidence(onsets_s[a], onsets_s[b], COINCIDENCE_MS / 1000)
    reasons = {}
    if evidence is None:
        reasons["bleed_lag_ms"] = reasons["bleed_strength"] = f"a stem is silent or shorter than {MIN_SECONDS:g} s"
    if coincidence is None:
        reasons["onset_coincidence"] = "a stem has no onsets"
    return {
        "a": a,
        "b": b,
        "bleed_found": found,
        "bleed_lag_ms": _round(evidence.lag_ms, 3) if evidence else None,
        "bleed_strength": _round(evidence.strength, 4) if evidence else None,
        "onset_coincidence": _round(coincidence, 3),
        "reasons": reasons,
    }


def load_stems(paths: list[Path]) -> list[StemAudio]:
    """Every file read, or an AudioFileError naming the first that cannot be."""
    stems = []
    for path in paths:
        audio, rate = read_audio(path)
        stems.append(StemAudio(Path(path).stem, Path(path), audio, rate))
    return stems


def _grid(tempo_bpm: float | None, onsets_s: dict[str, np.ndarray]) -> tuple[Grid | None, dict[str, object]]:
    """The grid the onsets are timed against, and how it was found."""
    if tempo_bpm:
        return Grid(step_s=60.0 / tempo_bpm / 4, phase_s=0.0, estimated=False), {"bpm": tempo_bpm, "source": "given"}
    grid = estimate_grid(np.sort(np.concatenate([np.zeros(0), *onsets_s.values()])))
    if grid is None:
        return None, {"bpm": None, "source": None, "reason": "too few onsets to find a grid"}
    return grid, {"bpm": round(grid.tempo_bpm, 3), "source": "estimated (its sixteenths fit the onsets best)"}


def analyze(
    stems: list[StemAudio],
    tempo_bpm: float | None = None,
    progress: Callable[[float], None] | None = None,
    details: dict | None = None,
) -> dict[str, object]:
    """The descriptors of every stem and pair. With a tempo, the grid is its sixteenths from each
    file's start; without, one grid is estimated from all stems' onsets (one band, one tempo).
    `details`, when given, receives what plots need: each stem's onset offsets (ms, None without a
    grid) and each pair's GCC-PHAT curve (lags in ms, values)."""
    # Stems are independent until the pairs: one per core (numpy and scipy's FFTs and filters
    # release the GIL).
    with ThreadPoolExecutor(max(1, min(len(stems), os.cpu_count() or 1))) as workers:
        found = workers.map(lambda s: detect_onsets(s.audio, s.sample_rate), stems)
        onsets = dict(zip([stem.name for stem in stems], found, strict=True))
        onsets_s = {stem.name: onsets[stem.name] / stem.sample_rate for stem in stems}
        grid, tempo = _grid(tempo_bpm, onsets_s)
        steps = len(stems) + len(stems) * (len(stems) - 1) // 2
        results = {}
        for stem, result in zip(
            stems, workers.map(lambda s: analyze_stem(s, grid, onsets[s.name]), stems), strict=True
        ):
            results[stem.name] = result
            if progress:
                progress(len(results) / steps)
    pairs = []
    rate, spectra = _bleed_spectra(stems)
    if details is not None:
        details["offsets_ms"] = {
            name: grid_offsets_ms(times, grid) if grid is not None and len(times) else None
            for name, times in onsets_s.items()
        }
        details["bleed_curves"] = {}
    for i, a in enumerate(stems):
        for b in stems[i + 1 :]:
            pairs.append(analyze_pair(a.name, b.name, rate, spectra, onsets_s))
            if details is not None and spectra[a.name] is not None and spectra[b.name] is not None:
                evidence = evidence_from_spectra(spectra[a.name], spectra[b.name], rate)
                details["bleed_curves"][(a.name, b.name)] = (evidence.curve_lags_ms, evidence.curve)
            if progress:
                progress((len(results) + len(pairs)) / steps)
    return {"tempo": tempo, "stems": results, "pairs": pairs, "ranges": {k: v[:2] for k, v in HUMAN_RANGES.items()}}


#: What --compare reports a change of, stem by stem.
COMPARED = (
    "noise_floor_dbfs",
    "noise_floor_dba",
    "onset_sd_ms",
    "onset_lag1",
    "hit_level_sd_db",
    "lufs",
    "true_peak_dbtp",
)


def deltas(after: dict, before: dict) -> dict[str, dict[str, float | None]]:
    """after - before for each descriptor of each stem both hold (by name); None where either is n/a."""
    changes = {}
    for name, stem in after["stems"].items():
        if name in before["stems"]:
            old = before["stems"][name]
            changes[name] = {
                key: None if stem[key] is None or old[key] is None else round(stem[key] - old[key], 3)
                for key in COMPARED
            }
    return changes
