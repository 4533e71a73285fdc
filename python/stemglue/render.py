"""Offline rendering of one file through the whole chain, streamed in blocks (sessions of stems later).

Streaming keeps memory flat for long files and lets Ctrl-C stop a render within a block: the
processor sees the same blocks as ``StemGlue()(audio, rate, block_size=...)``, so the output is the
one the library computes, plus the room's tail.
"""

from __future__ import annotations

import sys
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile

from stemglue import StemGlue, parameters
from stemglue.audio_io import (
    AudioFileError,
    atomic_output,
    non_finite_note,
    open_input,
    open_output,
    over_full_scale,
    wav_claimed_frames,
)

#: Longest tail added after the input, whatever the room: a safeguard should the table's RT60 grow.
MAX_TAIL_SECONDS = 10.0
#: Frames per file read and write: large enough that file access costs nothing, small enough
#: that memory stays a few MB (the processor still sees blocks of block_size).
CHUNK_FRAMES = 65536


def track_id_for(path: Path) -> int:
    """A stable track_id from the file's stem: CRC-32 (the same on every machine and Python, unlike
    hash()) of the name without folder or extension, so kick.wav and kick.flac share one track."""
    return zlib.crc32(Path(path).stem.encode("utf-8")) % 1_000_000


def tail_frames(values: dict[str, float], sample_rate: float) -> int:
    """How long the output continues after the input ends, as the core reports it (for the room: its
    travel plus 1.5 RT60, 90 dB down), capped at MAX_TAIL_SECONDS. The noise floor is left out: it
    never ends (-84 dBFS of hiss by default), so "until the output stays below -90 dBFS" would never
    stop; the render ends where the decaying sound has."""
    chain = StemGlue(**{**values, "noise_enabled": 0})
    chain.prepare(sample_rate, 512, 1)
    return min(chain.tail_samples, round(MAX_TAIL_SECONDS * sample_rate))


@dataclass(frozen=True)
class Rendered:
    """What a render did, for the command to report."""

    sample_rate: int
    channels: int
    input_frames: int
    output_frames: int
    track_id: int


def truncated(path: Path, frames: int) -> str | None:
    """The warning for a WAV whose header claims more frames than the file holds, or None."""
    claimed = wav_claimed_frames(path)
    if claimed is None or claimed <= frames:
        return None
    return f"{path}: truncated: the header claims {claimed} frames but the file holds {frames}; rendering the {frames}"


def warn_on_stderr(message: str) -> None:
    print(f"stemglue: warning: {message}", file=sys.stderr)


def render_file(
    input_path: Path,
    output_path: Path,
    parameters_by_id: dict[str, float] | None = None,
    *,
    block_size: int = 512,
    overwrite: bool = False,
    tail: bool = True,
    progress: Callable[[float], None] | None = None,
    warn: Callable[[str], None] = warn_on_stderr,
    start_sample: int = 0,
) -> Rendered:
    """Render one file through StemGlue, latency-compensated, followed by the room's tail
    (``tail=False``: the input's length). Without a ``track_id`` parameter the file's name gives one.
    ``start_sample`` places the file on the song's timeline (random streams are keyed by it).

    The input is never modified (writing onto it is refused) and the output appears atomically.
    """
    input_path, output_path = Path(input_path), Path(output_path)
    if output_path.suffix.lower() != ".wav":  # a FLAC or MP3 name would hold a WAV
        raise AudioFileError(f"{output_path}: the output is a 32-bit float WAV; name it .wav")
    if output_path.exists() and input_path.exists() and output_path.resolve() == input_path.resolve():
        raise AudioFileError(f"{output_path}: is the input file; choose another output")
    chosen = dict(parameters_by_id or {})
    chosen.setdefault("track_id", track_id_for(input_path))
    processor = StemGlue(**chosen)  # bad values fail here, before any file is touched
    values = {spec.id: spec.default for spec in parameters()} | chosen

    with open_input(input_path) as source:
        sample_rate, channels, frames = int(source.samplerate), int(source.channels), int(source.frames)
        if (truncation := truncated(input_path, frames)) is not None:
            warn(truncation)
        try:
            processor.prepare(sample_rate, block_size, channels)
        except ValueError as error:
            raise AudioFileError(
                f"{input_path}: {sample_rate} Hz with {channels} channels is not supported ({error})"
            ) from None
        processor.seek(start_sample)

        latency = processor.latency_samples
        tail_length = tail_frames(values, sample_rate) if tail else 0
        total = frames + tail_length
        chunk = block_size * max(1, CHUNK_FRAMES // block_size)  # whole blocks: the library's boundaries
        to_skip, written, read, non_finite = latency, 0, 0, 0
        with (
            atomic_output(output_path, overwrite=overwrite) as temporary,
            open_output(temporary, sample_rate, channels, shown=output_path) as sink,
        ):
            if chosen:  # how to redo it (libsndfile refuses an empty string)
                sink.comment = " ".join(f"{key}={value:g}" for key, value in chosen.items())
            sink.software = "stemglue render"
            while written < total:
                block = np.zeros((channels, chunk), dtype=np.float32)  # past the input: silence feeds the tail
                if read < frames:
                    try:
                        data = source.read(chunk, dtype="float32", always_2d=True)
                    except (soundfile.LibsndfileError, RuntimeError) as error:
                        raise AudioFileError(f"{input_path}: reading failed after {read} frames ({error})") from None
                    block[:, : len(data)] = data.T
                    read += len(data)
                    non_finite += int(data.size - np.count_nonzero(np.isfinite(data)))
                    if len(data) < chunk and read < frames:
                        warn(f"{input_path}: the file holds {read} of the {frames} frames it announces")
                        frames = read
                        total = frames + tail_length  # no silence where the file held nothing
                out = np.concatenate(
                    [processor.process(block[:, i : i + block_size]) for i in range(0, chunk, block_size)], axis=1
                )
                out = out[:, to_skip:]  # the first `latency` samples precede the input: drop them
                to_skip = max(0, to_skip - chunk)
                out = out[:, : total - written]
                sink.write(out.T)
                written += out.shape[1]
                if progress is not None:
                    progress(written / total)
    if non_finite:
        warn(f"{input_path}: {non_finite_note(non_finite)}")
    if warning := over_full_scale([sink]):
        warn(warning)
    return Rendered(sample_rate, channels, frames, total, int(chosen["track_id"]))
