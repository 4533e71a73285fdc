"""Rendering a session: the stems of one multitrack through StemGlue together, as one recording.

What a session shares: one seed (tape transport, room, the band clock of Humanize), one stage
layout from which each stem's room position and the bleed between every pair follow. What each
stem owns: its track id (its hiss, tolerances, player). Per block, in a recording's order:

    each stem's performance (Humanize, when on)
    -> each microphone hears its own source and every other one (Bleed, one per pair)
    -> each stem's own chain from the Room on (its source position in the room)
    -> the mix: the sum of the stems through the bus glue

Stems are read through once before anything is written (a bad file stops the session, naming
it), then streamed in chunks, so memory stays flat however long the session: brought to one
sample rate (soxr, very high quality, streamed), one channel count (mono up-mixed to stereo when
any stem is stereo) and one length (silence after the shorter ones). Every such change is listed
in session.json. The outputs appear together: they are
written into a temporary folder beside OUTDIR, which becomes OUTDIR at the end.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import KW_ONLY, dataclass, field, replace
from pathlib import Path

import numpy as np
import soxr

from stemglue._native import Bleed, GlueCompressor, Humanize, StemGlue
from stemglue._parameters import modules, parameter, parameters
from stemglue._processor import check_sample_rate
from stemglue.audio_io import (
    NEARLY_SILENT_DBFS,
    AudioFileError,
    check_parent_folder,
    current_umask,
    non_finite_note,
    open_input,
    open_output,
    over_full_scale,
    scan_audio,
)
from stemglue.reference.room import dimensions
from stemglue.render import CHUNK_FRAMES, tail_frames, track_id_for, truncated, warn_on_stderr
from stemglue.session_file import SessionSpec, read_session_file, spec_from_files
from stemglue.stage import (
    LAYOUTS,
    BleedPair,
    Placement,
    bleed_matrix,
    place,
    room_source_percent,
    room_tone_heard,
)

AUDIO_SUFFIXES = {".wav", ".flac", ".aif", ".aiff", ".ogg", ".w64", ".caf"}
#: What the stems of one session share: a stem's own value is taken, with a warning.
SHARED_SETTINGS = ("seed", "room_size_m", "room_rt60_s", "room_damping", "room_predelay_ms")
SESSION_OUTPUTS = {"stems", "mix.wav", "session.json", "report.html"}  # all --overwrite may replace


@dataclass(frozen=True)
class SessionRendered:
    sample_rate: int
    channels: int
    input_frames: int
    output_frames: int
    stems: list[str]
    pairs: int
    layout: str
    conversions: dict[str, list[str]]  # what each stem needed (resampled, up-mixed, nearly silent...)


@dataclass(frozen=True)
class Session:
    """One session to render, as plain data (paths and numbers): it pickles, so a catalogue of
    sessions renders in parallel processes or on a cluster, e.g. with dask.distributed::

        futures = client.map(stemglue.Session.render, sessions)

    ``session.render()`` is ``render_session`` with these arguments; two renders give the same bytes
    wherever they run."""

    inputs: tuple[Path, ...]
    outdir: Path
    parameters: dict[str, float] = field(default_factory=dict, hash=False)
    _: KW_ONLY
    layout: str = "band-room"
    session_file: Path | None = None
    block_size: int = 512
    overwrite: bool = False
    tail: bool = True
    start_sample: int = 0
    jobs: int = 1
    with_report: bool = False
    sample_rate: int | None = None

    def render(self, progress: Callable[[float], None] | None = None) -> SessionRendered:
        options = {key: value for key, value in vars(self).items() if key not in ("inputs", "outdir", "parameters")}
        return render_session(
            [Path(p) for p in self.inputs], Path(self.outdir), dict(self.parameters), progress=progress, **options
        )


def _not_session_outputs(outdir: Path) -> list[str]:
    """What in an existing output folder no session wrote: besides SESSION_OUTPUTS, anything in
    stems/ that is not a stem its session.json lists (a take edited and saved beside the renders
    would otherwise be deleted with them; a tryout lost one)."""
    others = sorted({p.name for p in outdir.iterdir()} - SESSION_OUTPUTS)
    stems = outdir / "stems"
    if stems.exists():
        try:
            listed = {f"{name}.wav" for name in json.loads((outdir / "session.json").read_text("utf-8"))["stems"]}
        except (OSError, ValueError, KeyError, TypeError):
            listed = set()  # no session's list: nothing in stems/ is known to be an output
        inside = list(stems.iterdir()) if stems.is_dir() else [stems]
        others += sorted(f"stems/{p.name}" for p in inside if p.name not in listed or not p.is_file())
    return others


def stem_files(inputs: list[Path], warn: Callable[[str], None] = warn_on_stderr) -> list[Path]:
    """The audio files of a folder (sorted by name), or the files given. Folders inside the folder
    are not read, with a warning: stems kept in one would be missing from the session unseen."""
    if len(inputs) == 1 and Path(inputs[0]).is_dir():
        folder = Path(inputs[0])
        inner = sorted(
            p.name
            for p in folder.iterdir()
            if p.is_dir() and p.suffix.lower() not in AUDIO_SUFFIXES and not p.name.startswith(".")
        )
        if inner:
            warn(
                f"{folder}: its sub-folders are not read ({', '.join(inner)}); only the audio files directly in it are"
            )
        files = sorted(
            p
            for p in folder.iterdir()
            if p.suffix.lower() in AUDIO_SUFFIXES and not p.name.startswith(".")  # ._x.wav: macOS
        )
        # Named as a stem but none (a folder, a broken link): refused, not left out of the session unseen.
        for p in files:
            if not p.is_file():
                what = "a folder" if p.is_dir() else "not a file (a broken link?)"
                raise AudioFileError(f"{p}: is {what}, named as a stem; move or rename it")
        if not files:
            raise AudioFileError(f"{folder}: holds no audio files ({', '.join(sorted(AUDIO_SUFFIXES))})")
    else:
        files = [Path(p) for p in inputs]
    names = [p.stem for p in files]
    for name in names:
        if names.count(name) > 1:
            raise AudioFileError(
                f"{name}: two stems share this name; rename one (a stem is named by its file name, and its results and outputs by the stem)"
            )
    return files


@dataclass
class Stem:
    """One stem's file as the session reads it: at the session's rate and channel count, in chunks."""

    name: str
    path: Path
    source_rate: int
    source_channels: int
    source_frames: int
    peak_dbfs: float
    conversions: list[str] = field(default_factory=list)

    def frames_at(self, rate: int) -> int:
        """Its length at the session's rate (soxr's output length: the input's, rounded)."""
        return (
            self.source_frames if rate == self.source_rate else int(self.source_frames * rate / self.source_rate + 0.5)
        )

    def chunks(self, rate: int, channels: int, chunk: int) -> Iterator[np.ndarray]:
        """(channels, chunk) float32 pieces of the stem, resampled (soxr VHQ, streamed) and up-mixed,
        then silence for ever: the session stops reading where it has written enough."""
        length = self.frames_at(rate)
        resampler = (
            soxr.ResampleStream(self.source_rate, rate, self.source_channels, dtype="float32", quality="VHQ")
            if rate != self.source_rate
            else None
        )
        pending, produced = [], 0
        with open_input(self.path) as source:
            for data in source.blocks(blocksize=chunk, dtype="float32", always_2d=True):
                if resampler is not None:
                    if not np.all(np.isfinite(data)):  # silence, as the DSP reads them: soxr spread one over 34 ms
                        data = np.nan_to_num(data, nan=0.0, posinf=0.0, neginf=0.0)
                    data = resampler.resample_chunk(data, last=False)
                pending.append(data)
                while sum(len(p) for p in pending) >= chunk:
                    joined = np.concatenate(pending)
                    pending = [joined[chunk:]]
                    produced += chunk
                    yield self._shaped(joined[:chunk], channels)
        if resampler is not None:
            pending.append(resampler.resample_chunk(np.zeros((0, self.source_channels), np.float32), last=True))
        rest = np.concatenate(pending)[: max(0, length - produced)] if pending else np.zeros((0, self.source_channels))
        while True:
            piece = np.zeros((chunk, self.source_channels), np.float32)
            piece[: len(rest)] = rest[:chunk]
            rest = rest[chunk:]
            yield self._shaped(piece, channels)

    @staticmethod
    def _shaped(data: np.ndarray, channels: int) -> np.ndarray:
        block = np.ascontiguousarray(data.T, dtype=np.float32)
        return np.repeat(block, channels, axis=0) if block.shape[0] < channels else block


def scan_stems(
    named_files: list[tuple[str, Path]],
    warn: Callable[[str], None] = warn_on_stderr,
    sample_rate: int | None = None,
) -> tuple[list[Stem], int, int, int]:
    """Every stem read through once, before anything is written: a file that cannot be used stops
    the session naming it. (stems, the session's rate, channels and length): sample_rate or the highest rate, stereo
    when any stem is, the longest stem; every change a stem needs is listed in its conversions. A
    truncated WAV renders what it holds, with a warning."""
    stems = []
    for name, path in named_files:
        scanned = scan_audio(path)
        if scanned.channels > 2:
            raise AudioFileError(f"{path}: {scanned.channels} channels; a session takes mono and stereo stems")
        peak_dbfs = 20 * np.log10(scanned.peak) if scanned.peak > 0 else -np.inf
        stems.append(Stem(name, Path(path), scanned.sample_rate, scanned.channels, scanned.frames, peak_dbfs))
        if (truncation := truncated(Path(path), scanned.frames)) is not None:
            warn(truncation)
            stems[-1].conversions.append(truncation.split(": ", 1)[1])
        if scanned.non_finite:
            stems[-1].conversions.append(non_finite_note(scanned.non_finite))
    rate = sample_rate or max(stem.source_rate for stem in stems)
    channels = max(stem.source_channels for stem in stems)
    length = max(stem.frames_at(rate) for stem in stems)
    for stem in stems:
        if stem.source_rate != rate:
            stem.conversions.append(f"resampled from {stem.source_rate} Hz to {rate} Hz (soxr VHQ)")
        if stem.source_channels < channels:
            stem.conversions.append("up-mixed from mono to stereo")
        if stem.frames_at(rate) < length:
            stem.conversions.append(
                f"padded with {length - stem.frames_at(rate)} frames of silence to the longest stem"
            )
    return stems, rate, channels, length


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


def _in_room(source_m: tuple[float, float, float], size_m: float) -> bool:
    return bool(np.all((np.asarray(source_m) >= 0) & (np.asarray(source_m) <= dimensions(size_m))))


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


def _hearing_room_tone(values: dict[str, float], heard: dict[str, float], own: dict[str, float]) -> dict[str, float]:
    """A stem's values with the room tone as its microphone hears the one source: later and
    softer with distance (a level at the minimum stays off; a stem's own settings win)."""
    room = parameter("noise_room_db")
    delay = parameter("noise_room_delay_ms")
    changes = {"noise_room_delay_ms": float(np.clip(heard["delay_ms"], delay.min, delay.max))}
    if values["noise_room_db"] > room.min:
        changes["noise_room_db"] = float(np.clip(values["noise_room_db"] + heard["level_db"], room.min, room.max))
    return values | {key: value for key, value in changes.items() if key not in own}


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
    jobs: int = 1,
    with_report: bool = False,
    sample_rate: int | None = None,
    warn: Callable[[str], None] = warn_on_stderr,
) -> SessionRendered:
    """Render the stems (files, one folder of them, or a session file's) as one session into
    OUTDIR: stems/<name>.wav, mix.wav and session.json (``with_report``: and report.html, the
    analysis of the rendered stems against their inputs). Bleed is on unless ``bleed_enabled`` is
    given as 0; parameters given here win over a session file's settings. ``sample_rate``: the
    session's (stems at other rates are resampled to it); by default the highest of the stems'."""
    if sample_rate is not None:
        if isinstance(sample_rate, bool) or int(sample_rate) != sample_rate:
            raise ValueError(f"sample_rate must be a whole number of Hz; got {sample_rate!r}")
        sample_rate = int(check_sample_rate(sample_rate))
    outdir = Path(outdir)
    if outdir.exists() and not overwrite:
        raise AudioFileError(f"{outdir}: exists already; pass --overwrite to replace it")
    if outdir.exists() and not outdir.is_dir():
        raise AudioFileError(f"{outdir}: is a file; the session's output is a folder")
    if outdir.exists() and (others := _not_session_outputs(outdir)):
        raise AudioFileError(
            f"{outdir}: holds other files ({', '.join(others[:3])}); --overwrite replaces only a session's "
            "outputs: choose a new folder"
        )
    check_parent_folder(outdir)
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs must be a whole number >= 1; got {jobs!r}")
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}; choose one of {', '.join(LAYOUTS)}")
    if session_file is not None:
        spec = read_session_file(session_file)
        spec.settings |= dict(parameters_by_id or {})
    else:
        spec = spec_from_files(stem_files(inputs, warn), layout, dict(parameters_by_id or {}))
    for stem in spec.stems:
        if outdir.resolve() in Path(stem.path).resolve().parents:
            raise AudioFileError(f"{stem.path}: lies inside the output folder {outdir}; choose another output")
    chosen = {"bleed_enabled": 1.0} | spec.settings
    StemGlue(**chosen)  # bad values fail here, before any file is read
    for stem in spec.stems:
        StemGlue(**chosen | stem.settings)
    values = {p.id: p.default for p in parameters()} | chosen
    stem_values = {stem.name: values | stem.settings for stem in spec.stems}

    stems, rate, channels, frames = scan_stems([(stem.name, stem.path) for stem in spec.stems], warn, sample_rate)
    for stem, given in zip(stems, spec.stems, strict=True):
        if stem.peak_dbfs < NEARLY_SILENT_DBFS:
            peak = "digital silence" if stem.peak_dbfs == -np.inf else f"peak {stem.peak_dbfs:.1f} dBFS"
            if "noise_enabled" in given.settings:
                stem.conversions.append(f"nearly silent ({peak}): its own noise_enabled setting kept")
            else:  # no hiss, hum or room tone: only the other stems' bleed reaches it
                stem_values[stem.name] = stem_values[stem.name] | {"noise_enabled": 0.0}
                stem.conversions.append(f"nearly silent ({peak}): noise off, so nothing is added to it but bleed")
    roles = {stem.name: stem.role for stem in spec.stems}
    placements = _placements(spec)
    # The layouts' places are for the default 8 m room; in a smaller one, or placed by hand, a source
    # can stand outside it: the Room hears it at its walls, while its bleed travels the distances.
    outside = [name for name, placed in placements.items() if not _in_room(placed.source_m, values["room_size_m"])]
    if outside:
        length, width, height = dimensions(values["room_size_m"])
        warn(
            f"{', '.join(outside)}: outside the room ({length:.1f} x {width:.1f} x {height:.1f} m at room_size_m "
            f"{values['room_size_m']:g}); the room hears {'it' if len(outside) == 1 else 'them'} at its walls "
            "(a session file's source_m places a stem)"
        )
    # One session, one room and one seed: a stem's own would put it in a room of its own.
    for stem in spec.stems:
        if own := [key for key in SHARED_SETTINGS if key in stem.settings and stem.settings[key] != values[key]]:
            warn(f"{stem.name}: its own {', '.join(own)} puts it in another room than the session's stems")
    room_tone = room_tone_heard(placements, values["room_size_m"])
    for stem in spec.stems:
        stem_values[stem.name] = _hearing_room_tone(stem_values[stem.name], room_tone[stem.name], stem.settings)
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
    if bus is not None:  # it hears the mix from its first kept sample, on the session's timeline
        bus.prepare(rate, block_size, channels)
        bus.seek(start_sample)
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
    quiet = {"humanize_enabled": 0, "bleed_enabled": 0}
    # The room's tail (each stem's settings), after the longest bleed path.
    longest_bleed = int(np.ceil(max((pair.delay_ms for pair in pairs), default=0.0) * rate / 1000))
    tail_length = max(tail_frames(v | quiet, rate) for v in stem_values.values()) + longest_bleed if tail else 0
    total = frames + tail_length

    try:
        staging = Path(tempfile.mkdtemp(prefix=f".{outdir.name}.", dir=outdir.parent))
    except OSError as error:
        raise AudioFileError(f"{outdir}: cannot write there ({error.strerror})") from None
    readers: dict[str, Iterator[np.ndarray]] = {}
    files = contextlib.ExitStack()
    # Stems are independent within each step of a chunk: with jobs > 1 they run in threads (the core
    # releases the GIL); each processor is only ever used by one thread at a time.
    workers = ThreadPoolExecutor(jobs, thread_name_prefix="stemglue-session") if jobs > 1 else None

    def each(function, names):
        if workers is None:
            return {name: function(name) for name in names}
        return dict(zip(names, workers.map(function, names), strict=True))

    try:
        (staging / "stems").mkdir()
        sinks = {  # closed on the way out, error or not
            stem.name: files.enter_context(
                open_output(
                    staging / "stems" / f"{stem.name}.wav", rate, channels, shown=outdir / "stems" / f"{stem.name}.wav"
                )
            )
            for stem in stems
        }
        mix_sink = files.enter_context(open_output(staging / "mix.wav", rate, channels, shown=outdir / "mix.wav"))
        chunk = block_size * max(1, CHUNK_FRAMES // block_size)
        readers |= {stem.name: stem.chunks(rate, channels, chunk) for stem in stems}
        to_skip, written = latency, 0
        while written < total:
            inputs_now = {name: next(reader) for name, reader in readers.items()}
            outputs = _render_chunk(inputs_now, performers, microphones, rooms, line_up, pairs, rate, block_size, each)
            keep = slice(to_skip, to_skip + total - written)
            mix = sum(outputs.values())[:, keep]
            if bus is not None and mix.shape[1]:
                mix = _stream(bus, np.ascontiguousarray(mix), rate, block_size)
            for name, out in outputs.items():
                sinks[name].write(out[:, keep].T)
            mix_sink.write(mix.T)
            written += mix.shape[1]
            to_skip = max(0, to_skip - chunk)
            if progress is not None:
                progress(written / total)
        files.close()
        over = over_full_scale([*sinks.values(), mix_sink])
        description = _session_report(
            stems, rate, channels, frames, total, values, spec, roles, placements, pairs, track_ids, room_tone
        )
        (staging / "session.json").write_text(json.dumps(description, indent=2) + "\n")
        if with_report:
            _write_analysis_report(staging, stems, channels, tempo_bpm=values["humanize_tempo_bpm"])
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
        if over:
            warn(f"{outdir}: {over}")
    except BaseException:
        files.close()
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        if workers is not None:
            workers.shutdown(cancel_futures=True)
        for reader in readers.values():
            reader.close()  # the stems' files
    conversions = {stem.name: stem.conversions for stem in stems if stem.conversions}
    return SessionRendered(
        rate, channels, frames, total, [stem.name for stem in stems], len(pairs), spec.layout, conversions
    )


def _write_analysis_report(staging: Path, stems: list[Stem], channels: int, tempo_bpm: float) -> None:
    """report.html: `stemglue analyze` of the rendered stems, compared with their inputs (a mono
    input up-mixed as the session did: otherwise its loudness would read 3 LU under its render's)."""
    from stemglue.analysis.multitrack import StemAudio, analyze, comparison, load_stems
    from stemglue.analysis.report import Report

    rendered = load_stems([staging / "stems" / f"{stem.name}.wav" for stem in stems])
    inputs = [
        StemAudio(stem.name, stem.path, None, stem.source_rate, stem.source_frames, stem.source_channels, channels)
        for stem in stems
    ]
    tempo = tempo_bpm if tempo_bpm >= 1 else None
    report, details = Report(inputs, title="StemGlue session: rendered stems against their inputs"), {}
    # Both timed against the inputs' grid: grids estimated apart (bleed adds onsets) read 120.01 and
    # 119.53 bpm for one session, and the report showed +4.6 ms of spread Humanize never added.
    found = {}
    before = analyze(inputs, tempo_bpm=tempo, details=found)
    result = analyze(rendered, details=details, each_stem=report.draw, grid=found["grid"])
    result["compare"] = comparison(result, before)
    report.write(result, details, staging / "report.html")


def _stream(processor, audio: np.ndarray, rate: int, block_size: int, sidechain: np.ndarray | None = None):
    """The next stretch of a prepared processor's raw stream (its own block loop, in C++)."""
    return processor(audio, rate, block_size=block_size, reset=False, sidechain=sidechain)


def _render_chunk(inputs, performers, microphones, rooms, line_up, pairs, rate: int, block_size: int, each):
    """One chunk of every stem through performance, microphones and the rest of its chain; ``each``
    runs a function for every stem (in worker threads with --jobs: the core runs without the GIL)."""

    def perform(name):
        audio = inputs[name]
        return line_up[name][0](
            audio if performers[name] is None else _stream(performers[name], audio, rate, block_size)
        )

    performed = each(perform, inputs)

    def hear(name):
        own, into = performed[name], [pair for pair in pairs if pair.into == name]
        if not into:
            return line_up[name][1](own)
        # The first pair's Bleed carries the stem's own sound (delayed by its latency, as every pair's
        # bleed is); the others add their source's bleed to silence.
        total = _stream(microphones[(into[0].source, name)], own, rate, block_size, performed[into[0].source])
        silence = np.zeros_like(own)
        for pair in into[1:]:
            total += _stream(microphones[(pair.source, name)], silence, rate, block_size, performed[pair.source])
        return total

    heard = each(hear, inputs)
    return each(lambda name: line_up[name][2](_stream(rooms[name], heard[name], rate, block_size)), inputs)


def _session_report(
    stems, rate, channels, frames, total, values, spec, roles, placements, pairs, track_ids, room_tone
) -> dict:
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
                "room_tone": room_tone[stem.name],
                "peak_dbfs": round(stem.peak_dbfs, 2) if np.isfinite(stem.peak_dbfs) else None,
                "conversions": stem.conversions,
            }
            for stem in stems
        },
        "bleed": [pair.as_dict() for pair in pairs],
    }
