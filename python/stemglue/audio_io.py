"""Reading and writing audio files: clear one-line errors, inputs never touched, atomic outputs."""

from __future__ import annotations

import contextlib
import os
import struct
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile

#: A stem whose peak stays below this is "empty" (generative stem splitters return such stems at
#: about -55 dBFS): a session reports it and adds no noise to it.
NEARLY_SILENT_DBFS = -50.0


class AudioFileError(Exception):
    """A file that cannot be used, with a one-line reason naming it."""


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _check_input_path(path: Path) -> None:
    if path.is_dir():
        raise AudioFileError(f"{path}: is a directory, not an audio file")
    if not path.exists():
        raise AudioFileError(f"{path}: no such file")
    if not path.is_file():
        raise AudioFileError(f"{path}: not a regular file")


def open_input(path: Path) -> soundfile.SoundFile:
    """The file opened for reading in blocks, or an AudioFileError naming it."""
    path = Path(path)
    _check_input_path(path)
    try:
        source = soundfile.SoundFile(str(path), mode="r")
    except PermissionError as error:
        raise AudioFileError(f"{path}: cannot be read ({error.strerror})") from None
    except (soundfile.LibsndfileError, RuntimeError, ValueError, OSError) as error:
        raise AudioFileError(f"{path}: not a readable audio file ({_first_line(error)})") from None
    if source.frames == 0:
        source.close()
        raise AudioFileError(f"{path}: the file holds no samples")
    return source


@dataclass(frozen=True)
class ScannedAudio:
    """What reading a file through once tells: its format, its length and its peak."""

    sample_rate: int
    channels: int
    frames: int  # those that could be read
    peak: float  # the largest absolute sample (NaN and infinities left out)
    non_finite: int  # samples that are NaN or infinite (processing reads them as silence)


def scan_audio(path: Path) -> ScannedAudio:
    """Read the file through in blocks, holding one at a time: a file that fails anywhere gives an
    AudioFileError naming it before anything is written from it."""
    with open_input(path) as source:
        peak, frames, non_finite = 0.0, 0, 0
        try:
            for data in source.blocks(blocksize=1 << 16, dtype="float32"):
                frames += len(data)
                finite = np.isfinite(data)
                non_finite += int(data.size - np.count_nonzero(finite))
                peak = max(peak, float(np.max(np.abs(data), where=finite, initial=0.0)))
        except (soundfile.LibsndfileError, RuntimeError) as error:
            raise AudioFileError(f"{path}: reading failed after {frames} frames ({error})") from None
        return ScannedAudio(int(source.samplerate), int(source.channels), frames, peak, non_finite)


def non_finite_note(count: int) -> str:
    """What a stem's NaN or infinite samples became."""
    return f"{count} {'sample' if count == 1 else 'samples'} NaN or infinite, read as silence"


def read_audio(path: Path) -> tuple[np.ndarray, int]:
    """(audio as float32 (channels, samples), sample rate), read whole."""
    with open_input(path) as source:
        data = source.read(dtype="float32", always_2d=True)
        return np.ascontiguousarray(data.T), int(source.samplerate)


def wav_claimed_frames(path: Path) -> int | None:
    """The frame count a RIFF/WAVE file's header claims (data chunk size / block align), or None.

    libsndfile silently clamps a data chunk that runs past the end of the file (a truncated
    download or an interrupted recording), so the caller compares this with what it can read.
    """
    try:
        with open(path, "rb") as handle:
            if handle.read(4) != b"RIFF" or handle.read(4) == b"" or handle.read(4) != b"WAVE":
                return None
            block_align = None
            while header := handle.read(8):
                if len(header) < 8:
                    return None
                chunk_id, size = header[:4], struct.unpack("<I", header[4:])[0]
                if chunk_id == b"fmt ":
                    fmt = handle.read(size)
                    if len(fmt) < 14:
                        return None
                    block_align = struct.unpack("<H", fmt[12:14])[0]
                    if size % 2:
                        handle.seek(1, os.SEEK_CUR)
                elif chunk_id == b"data":
                    return size // block_align if block_align else None
                else:
                    handle.seek(size + size % 2, os.SEEK_CUR)  # chunks are padded to even sizes
    except OSError:
        return None
    return None


def file_in_the_way(path: Path) -> Path | None:
    """The nearest existing one of path's folders when it is a file, not a folder (else None)."""
    nearest = next((parent for parent in Path(path).parents if parent.exists()), None)
    return nearest if nearest is not None and not nearest.is_dir() else None


def check_parent_folder(path: Path) -> None:
    """Refuse a path whose folder is not one: a file where a folder of it should be, or no folder."""
    path = Path(path)
    if (file := file_in_the_way(path)) is not None:
        raise AudioFileError(f"{path}: cannot write there: {file} is a file, not a folder")
    if not path.parent.is_dir():
        raise AudioFileError(f"{path}: the folder {path.parent} does not exist")


def check_output_path(path: Path, *, overwrite: bool) -> None:
    """Refuse an existing output (without overwrite) or a folder that is not one, before any work."""
    path = Path(path)
    if path.is_dir():
        raise AudioFileError(f"{path}: is a directory; give a file name for the output")
    if path.exists() and not overwrite:
        raise AudioFileError(f"{path}: exists already; pass --overwrite to replace it")
    check_parent_folder(path)


def current_umask() -> int:
    """The process's umask (reading it means setting it: set it straight back)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_output(path: Path, *, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary path in the output's folder; on success it replaces ``path`` at once.

    A temp file in the same folder makes os.replace a rename on one file system, so a reader never
    sees a half-written output; on any error or Ctrl-C (BaseException) the temp file is removed.
    """
    path = Path(path)
    check_output_path(path, overwrite=overwrite)
    try:
        handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as error:
        raise AudioFileError(f"{path}: cannot write there ({error.strerror or _first_line(error)})") from None
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        if path.exists() and not overwrite:  # appeared while we rendered: still never overwrite
            raise AudioFileError(f"{path}: exists already; pass --overwrite to replace it")
        os.chmod(temporary, 0o666 & ~current_umask())  # mkstemp makes 0600; give the usual permissions
        try:
            os.replace(temporary, path)
        except OSError as error:
            raise AudioFileError(f"{path}: cannot replace it ({error.strerror or _first_line(error)})") from None
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


#: libsndfile's sf_command to switch the PEAK chunk of float files on or off (sndfile.h).
_SFC_SET_ADD_PEAK_CHUNK = 0x1050


def _libsndfile_reason(handle: object, error: BaseException) -> str:
    """libsndfile's own account of its last error on handle (NULL: of the last open), which for a
    system error holds the system's ("No space left on device"; soundfile says only "System error.")."""
    text = soundfile._ffi.string(soundfile._snd.sf_strerror(handle)).decode(errors="replace").strip()
    return text.removeprefix("System error :").strip().rstrip(".") or _first_line(error)


class _Output(soundfile.SoundFile):
    """A SoundFile whose failed writes name the output and the reason (a full disk says so)."""

    shown: Path  # the output the user asked for (the file written may be its temporary)
    peak = 0.0  # the largest magnitude written

    def write(self, data: np.ndarray) -> None:
        try:
            super().write(data)
        except (soundfile.LibsndfileError, RuntimeError) as error:
            raise AudioFileError(f"{self.shown}: writing failed ({_libsndfile_reason(self._file, error)})") from None
        if data.size:
            self.peak = max(self.peak, float(np.max(np.abs(data))))


def over_full_scale(outputs: list[soundfile.SoundFile]) -> str | None:
    """A warning naming the outputs (opened by open_output) whose peaks passed 0 dBFS, or None."""
    over = [f"{sink.shown.name} {20 * np.log10(sink.peak):+.1f} dBFS" for sink in outputs if sink.peak > 1.0]
    if not over:
        return None
    return f"peaks over full scale: {', '.join(over)} (kept in the float WAV; a fixed-point export clips them)"


def open_output(path: Path, sample_rate: int, channels: int, shown: Path | None = None) -> soundfile.SoundFile:
    """A 32-bit float WAV opened for writing in blocks (float: the chain may exceed 0 dBFS); errors
    name `shown` (default: path).

    Without libsndfile's PEAK chunk: it holds the time of writing, so two identical renders would
    differ in their bytes."""
    shown = Path(shown or path)
    try:
        sink = _Output(
            str(path), mode="w", samplerate=int(sample_rate), channels=int(channels), subtype="FLOAT", format="WAV"
        )
    except (soundfile.LibsndfileError, RuntimeError) as error:
        raise AudioFileError(f"{shown}: cannot write ({_libsndfile_reason(soundfile._ffi.NULL, error)})") from None
    except OSError as error:
        raise AudioFileError(f"{shown}: cannot write ({error.strerror or _first_line(error)})") from None
    sink.shown = shown
    soundfile._snd.sf_command(sink._file, _SFC_SET_ADD_PEAK_CHUNK, soundfile._ffi.NULL, 0)
    return sink


def write_audio(path: Path, audio: np.ndarray, sample_rate: int, *, overwrite: bool = False) -> None:
    """Write (channels, samples) audio as 32-bit float WAV, atomically (temp file + rename)."""
    audio = np.asarray(audio, dtype=np.float32)
    with (
        atomic_output(path, overwrite=overwrite) as temporary,
        open_output(temporary, sample_rate, audio.shape[0], shown=path) as sink,
    ):
        sink.write(audio.T)
