"""Reading and writing audio files: clear one-line errors, inputs never touched, atomic outputs."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import soundfile


class AudioFileError(Exception):
    """A file that cannot be used, with a one-line reason naming it."""


def read_audio(path: Path) -> tuple[np.ndarray, int]:
    """(audio as float32 (channels, samples), sample rate)."""
    path = Path(path)
    if not path.is_file():
        raise AudioFileError(f"{path}: no such file")
    try:
        data, sample_rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    except (soundfile.LibsndfileError, RuntimeError, ValueError) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise AudioFileError(f"{path}: not a readable audio file ({reason})") from None
    if data.shape[0] == 0:
        raise AudioFileError(f"{path}: the file holds no samples")
    return np.ascontiguousarray(data.T), int(sample_rate)


def write_audio(path: Path, audio: np.ndarray, sample_rate: int, *, overwrite: bool = False) -> None:
    """Write (channels, samples) audio as 32-bit float WAV, atomically (temp file + rename)."""
    path = Path(path)
    if path.exists() and not overwrite:
        raise AudioFileError(f"{path}: exists already; pass --overwrite to replace it")
    if not path.parent.is_dir():
        raise AudioFileError(f"{path}: the folder {path.parent} does not exist")
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    try:
        soundfile.write(temporary, np.asarray(audio, dtype=np.float32).T, int(sample_rate), subtype="FLOAT", format="WAV")
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)  # mkstemp makes 0600; give the usual permissions
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
