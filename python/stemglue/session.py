"""Rendering a session: the stems of one multitrack through StemGlue together, as one recording.

What a session shares: one seed (tape transport, room, the band clock of Humanize), one stage
layout from which each stem's room position and the bleed between every pair follow. What each
stem owns: its track id (its hiss, tolerances, player). Per block, in a recording's order:

    each stem's performance (Humanize, when on)
    -> each microphone hears its own source and every other one (Bleed, one per pair)
    -> each stem's own chain from the Room on (its source position in the room)
    -> the mix: the sum of the stems through the bus glue

Stems are read whole, brought to one sample rate (soxr, very high quality), one channel count
(mono up-mixed to stereo when any stem is stereo) and one length (silence after the shorter
ones), and every such change is listed in session.json. The outputs appear together: they are
written into a temporary folder beside OUTDIR, which becomes OUTDIR at the end.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import soxr

from stemglue._native import Bleed, GlueCompressor, Humanize, StemGlue
from stemglue._parameters import modules, parameters
from stemglue.audio_io import AudioFileError, current_umask, open_output, read_audio
from stemglue.render import CHUNK_FRAMES, tail_frames, track_id_for
from stemglue.session_file import SessionSpec, read_session_file, spec_from_files
from stemglue.stage import LAYOUTS, BleedPair, Placement, bleed_matrix, place, room_source_percent

AUDIO_SUFFIXES = {".wav", ".flac", ".aif", ".aiff", ".ogg", ".w64", ".caf"}
SESSION_OUTPUTS = {"stems", "mix.wav", "session.json"}  # all --overwrite may replace


@dataclass
class Stem:
    name: str
    path: Path
    audio: np.ndarray  # (channels, frames) at the session's rate and channel count, padded
    conversions: list[str]


@dataclass(frozen=True)
class SessionRendered:
    sample_rate: int
    channels: int
    input_frames: int
    output_frames: int
    stems: list[str]
    pairs: int
    layout: str


def stem_files(inputs: list[Path]) -> list[Path]:
    """The audio files of a folder (sorted by name), or the files given."""
    if len(inputs) == 1 and Path(inputs[0]).is_dir():
        folder = Path(inputs[0])
        files = sorted(
            p
            for p in folder.iterdir()
            if p.is_file() and p.suffix.lower() in AUDIO_SUFFIXES and not p.name.startswith(".")  # ._x.wav: macOS
        )
        if not files:
            raise AudioFileError(f"{folder}: holds no audio files ({', '.join(sorted(AUDIO_SUFFIXES))})")
    else:
        files = [Path(p) for p in inputs]
    names = [p.stem for p in files]
    for name in names:
        if names.count(name) > 1:
            raise AudioFileError(f"{name}: two stems share this name; rename one (outputs are named by stem)")
    return files


def load_stems(named_files: list[tuple[str, Path]]) -> tuple[list[Stem], int, int]:
    """Every stem at one rate, channel count and length; (stems, sample rate, channels). A file
    that cannot be used stops the session before anything is written, naming it."""
    loaded = [(name, path, *read_audio(path)) for name, path in named_files]
    for _, path, audio, _ in loaded:
        if audio.shape[0] > 2:
            raise AudioFileError(f"{path}: {audio.shape[0]} channels; a session takes mono and stereo stems")
    rate = max(rate for *_, rate in loaded)
    channels = max(audio.shape[0] for _, _, audio, _ in loaded)
    stems = []
    for name, path, audio, source_rate in loaded:
        conversions = []
        if source_rate != rate:
            audio = np.ascontiguousarray(soxr.resample(audio.T, source_rate, rate, quality="VHQ").T, dtype=np.float32)
            conversions.append(f"resampled from {source_rate} Hz to {rate} Hz (soxr VHQ)")
        if audio.shape[0] < channels:
            audio = np.repeat(audio, channels, axis=0)
            conversions.append("up-mixed from mono to stereo")
        stems.append(Stem(name, path, audio, conversions))
    frames = max(stem.audio.shape[1] for stem in stems)
    for stem in stems:
        if stem.audio.shape[1] < frames:
            stem.conversions.append(f"padded with {frames - stem.audio.shape[1]} frames of silence to the longest stem")
            stem.audio = np.pad(stem.audio, ((0, 0), (0, frames - stem.audio.shape[1])))
    return stems, rate, channels


class _Delay:
    """A whole-sample delay across chunks (to line stems of different latencies up)."""

    def __init__(self, samples: int, channels: int) -> None:
        self.history = np.zeros((channels, samples), np.float32)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        if self.history.shape[1] == 0:
            return x
        joined = np.concatenate([self.history, x], axis=1)
        self.history = joined[:, x.shape[1] :]
        return joined[:, : x.shape[1]]


def _placements(spec: SessionSpec) -> dict[str, Placement]:
    """The layout's places for the roles, with each stem's own overrides."""
    placed = place({stem.name: stem.role for stem in spec.stems}, spec.layout)
    for stem in spec.stems:
        changes = {
            key: value
            for key, value in (
                ("source_m", stem.source_m),
                ("mic_distance_m", stem.mic_distance_m),
                ("pattern", stem.pattern),
            )
            if value is not None
        }
        placed[stem.name] = replace(placed[stem.name], **changes)
    return placed


def _pairs(spec: SessionSpec, placements: dict[str, Placement]) -> list[BleedPair]:
    """The bleed matrix with the session file's overrides: muted pairs left out, trims and polarity."""
    overrides = {(o.source, o.into): o for o in spec.overrides}
    pairs = []
    for pair in bleed_matrix(placements):
        override = overrides.get((pair.source, pair.into))
        if override is None:
            pairs.append(pair)
        elif not override.mute:
            level = round(pair.level_db + override.level_db, 2)
            pairs.append(replace(pair, trim_db=override.level_db, invert=override.invert, level_db=level))
    return pairs


def _only(values: dict[str, float], switched_on: set[str]) -> dict[str, float]:
    """The values with every module's switch off except those named."""
    return values | {
        f"{info.id}_enabled": float(info.id in switched_on and values[f"{info.id}_enabled"] > 0) for info in modules()
    }


def render_session(
    inputs: list[Path],
    outdir: Path,
    parameters_by_id: dict[str, float] | None = None,
    *,
    layout: str = "band-room",
    session_file: Path | None = None,
    block_size: int = 512,
    overwrite: bool = False,
    tail: bool = True,
    start_sample: int = 0,
    progress: Callable[[float], None] | None = None,
) -> SessionRendered:
    """Render the stems (files, one folder of them, or a session file's) as one session into
    OUTDIR: stems/<name>.wav, mix.wav and session.json. Bleed is on unless ``bleed_enabled`` is
    given as 0; parameters given here win over a session file's settings."""
    outdir = Path(outdir)
    if outdir.exists() and not overwrite:
        raise AudioFileError(f"{outdir}: exists already; pass --overwrite to replace it")
    if outdir.exists() and not outdir.is_dir():
        raise AudioFileError(f"{outdir}: is a file; the session's output is a folder")
    if outdir.exists() and (others := sorted({p.name for p in outdir.iterdir()} - SESSION_OUTPUTS)):
        raise AudioFileError(
            f"{outdir}: holds other files ({', '.join(others[:3])}); --overwrite replaces only a session's "
            "outputs: choose a new folder"
        )
    if not outdir.parent.is_dir():
        raise AudioFileError(f"{outdir}: the folder {outdir.parent} does not exist")
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}; choose one of {', '.join(LAYOUTS)}")
    if session_file is not None:
        spec = read_session_file(session_file)
        spec.settings |= dict(parameters_by_id or {})
    else:
        spec = spec_from_files(stem_files(inputs), layout, dict(parameters_by_id or {}))
    for stem in spec.stems:
        if outdir.resolve() in Path(stem.path).resolve().parents:
            raise AudioFileError(f"{stem.path}: lies inside the output folder {outdir}; choose another output")
    chosen = {"bleed_enabled": 1.0} | spec.settings
    StemGlue(**chosen)  # bad values fail here, before any file is read
    for stem in spec.stems:
        StemGlue(**chosen | stem.settings)
    values = {p.id: p.default for p in parameters()} | chosen
    stem_values = {stem.name: values | stem.settings for stem in spec.stems}

    stems, rate, channels = load_stems([(stem.name, stem.path) for stem in spec.stems])
    roles = {stem.name: stem.role for stem in spec.stems}
    placements = _placements(spec)
    pairs = _pairs(spec, placements) if values["bleed_enabled"] > 0 else []
    # A stem's own track_id (its settings), else the session's plus its index (one id for all would
    # give every stem one floor), else one from its file's name.
    track_ids = {}
    for index, stem in enumerate(spec.stems):
        if "track_id" in stem.settings:
            track_ids[stem.name] = int(stem.settings["track_id"])
        elif "track_id" in chosen:
            track_ids[stem.name] = int(chosen["track_id"]) + index
        else:
            track_ids[stem.name] = track_id_for(stem.path)

    # Each stem: its player, then (after the microphones) its chain from the room to the tape. The
    # glue acts on the mix, as a bus compressor does: the stems are what feeds the bus.
    own_chain = {info.id for info in modules()} - {"humanize", "bleed", "glue"}
    performers, rooms = {}, {}
    for stem in stems:
        own = stem_values[stem.name] | {"track_id": track_ids[stem.name]}
        humanize = {p.id.removeprefix("humanize_"): own[p.id] for p in parameters() if p.module == "humanize"}
        keys = {"seed": own["seed"], "track_id": own["track_id"]}
        performers[stem.name] = Humanize(**humanize | keys) if own["humanize_enabled"] > 0 else None
        position = room_source_percent(placements[stem.name].source_m, own["room_size_m"])
        rooms[stem.name] = StemGlue(**_only(own, own_chain) | position)
    microphones = {(pair.source, pair.into): Bleed(**pair.bleed_settings()) for pair in pairs}
    glue = {p.id.removeprefix("glue_"): values[p.id] for p in parameters() if p.module == "glue"}
    bus = GlueCompressor(**glue) if values["glue_enabled"] > 0 else None
    for processor in [*(p for p in performers.values() if p), *microphones.values(), *rooms.values()]:
        processor.prepare(rate, block_size, channels)
        processor.seek(start_sample)
    if bus is not None:
        bus.prepare(rate, block_size, channels)
    # Stems whose settings give other latencies wait for the slowest: the performances line up
    # before the microphones, the stems before the mix.
    performer_latency = {name: p.latency_samples if p else 0 for name, p in performers.items()}
    performed_latency = max(performer_latency.values())
    room_latency = max(r.latency_samples for r in rooms.values())
    bleed_latency = Bleed().latency_samples if pairs else 0  # every pair's
    heard_through = {pair.into for pair in pairs}
    line_up = {
        name: (
            _Delay(performed_latency - performer_latency[name], channels),
            # a stem whose every incoming pair is muted waits as long as a Bleed would have delayed it
            _Delay(0 if name in heard_through else bleed_latency, channels),
            _Delay(room_latency - rooms[name].latency_samples, channels),
        )
        for name in performers
    }
    latency = performed_latency + bleed_latency + room_latency
    frames = stems[0].audio.shape[1]
    quiet = {"humanize_enabled": 0, "bleed_enabled": 0}
    # The room's tail (each stem's settings), after the longest bleed path.
    longest_bleed = int(np.ceil(max((pair.delay_ms for pair in pairs), default=0.0) * rate / 1000))
    tail_length = max(tail_frames(v | quiet, rate) for v in stem_values.values()) + longest_bleed if tail else 0
    total = frames + tail_length

    try:
        staging = Path(tempfile.mkdtemp(prefix=f".{outdir.name}.", dir=outdir.parent))
    except OSError as error:
        raise AudioFileError(f"{outdir}: cannot write there ({error.strerror})") from None
    try:
        (staging / "stems").mkdir()
        sinks = {stem.name: open_output(staging / "stems" / f"{stem.name}.wav", rate, channels) for stem in stems}
        mix_sink = open_output(staging / "mix.wav", rate, channels)
        chunk = block_size * max(1, CHUNK_FRAMES // block_size)
        to_skip, written, position = latency, 0, 0
        while written < total:
            inputs_now = {
                stem.name: np.pad(
                    stem.audio[:, position : position + chunk], ((0, 0), (0, max(0, position + chunk - frames)))
                )
                for stem in stems
            }
            position += chunk
            outputs = _render_chunk(inputs_now, performers, microphones, rooms, line_up, pairs, rate, block_size)
            mix = sum(outputs.values())
            if bus is not None:
                mix = _stream(bus, mix, rate, block_size)
            keep = slice(to_skip, to_skip + total - written)
            for name, out in outputs.items():
                sinks[name].write(out[:, keep].T)
            mix_sink.write(mix[:, keep].T)
            written += mix[:, keep].shape[1]
            to_skip = max(0, to_skip - chunk)
            if progress is not None:
                progress(written / total)
        for sink in [*sinks.values(), mix_sink]:
            sink.close()
        report = _session_report(
            stems, rate, channels, frames, total, values, spec, roles, placements, pairs, track_ids
        )
        (staging / "session.json").write_text(json.dumps(report, indent=2) + "\n")
        os.chmod(staging, 0o777 & ~current_umask())
        if outdir.exists():  # --overwrite: the old session goes only once the new one is complete
            old = Path(tempfile.mkdtemp(prefix=f".{outdir.name}.old.", dir=outdir.parent))
            os.replace(outdir, old / outdir.name)
            try:
                os.replace(staging, outdir)
            except BaseException:
                os.replace(old / outdir.name, outdir)  # put the old session back
                old.rmdir()
                raise
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(staging, outdir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return SessionRendered(rate, channels, frames, total, [stem.name for stem in stems], len(pairs), spec.layout)


def _stream(processor, audio: np.ndarray, rate: int, block_size: int, sidechain: np.ndarray | None = None):
    """The next stretch of a prepared processor's raw stream (its own block loop, in C++)."""
    return processor(audio, rate, block_size=block_size, reset=False, sidechain=sidechain)


def _render_chunk(inputs, performers, microphones, rooms, line_up, pairs: list[BleedPair], rate: int, block_size: int):
    """One chunk of every stem through performance, microphones and the rest of its chain."""
    performed = {
        name: line_up[name][0](
            audio if performers[name] is None else _stream(performers[name], audio, rate, block_size)
        )
        for name, audio in inputs.items()
    }
    heard = {}
    for name, own in performed.items():
        into = [pair for pair in pairs if pair.into == name]
        if not into:
            heard[name] = line_up[name][1](own)
            continue
        # The first pair's Bleed carries the stem's own sound (delayed by its latency, as every pair's
        # bleed is); the others add their source's bleed to silence.
        total = _stream(microphones[(into[0].source, name)], own, rate, block_size, performed[into[0].source])
        silence = np.zeros_like(own)
        for pair in into[1:]:
            total += _stream(microphones[(pair.source, name)], silence, rate, block_size, performed[pair.source])
        heard[name] = total
    return {name: line_up[name][2](_stream(rooms[name], audio, rate, block_size)) for name, audio in heard.items()}


def _session_report(stems, rate, channels, frames, total, values, spec, roles, placements, pairs, track_ids) -> dict:
    def placement_json(placement: Placement) -> dict[str, object]:
        return {
            "source_m": [round(v, 4) for v in placement.source_m],
            "mic_m": [round(float(v), 4) for v in placement.mic_m],
            "mic_aim": [round(float(v), 4) for v in placement.aim],
            "mic_distance_m": placement.mic_distance_m,
            "pattern": placement.pattern,
            "booth": placement.booth,
        }

    return {
        "sample_rate": rate,
        "channels": channels,
        "input_frames": frames,
        "output_frames": total,
        "seed": int(values["seed"]),
        "layout": spec.layout,
        "settings": values,
        "stems": {
            stem.name: {
                "file": str(stem.path),
                "role": roles[stem.name],
                "track_id": track_ids[stem.name],
                "settings": next(s.settings for s in spec.stems if s.name == stem.name),
                "placement": placement_json(placements[stem.name]),
                "conversions": stem.conversions,
            }
            for stem in stems
        },
        "bleed": [pair.as_dict() for pair in pairs],
    }
