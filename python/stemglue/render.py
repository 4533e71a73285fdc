"""Offline rendering of files through the whole chain (one file for now; sessions of stems later)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from stemglue._native import StemGlue
from stemglue.audio_io import AudioFileError, read_audio, write_audio


def render_file(
    input_path: Path,
    output_path: Path,
    parameters: dict[str, float] | None = None,
    *,
    block_size: int = 512,
    overwrite: bool = False,
) -> np.ndarray:
    """Render one file through StemGlue, latency-compensated, same length; returns the output.

    The input is never modified (writing onto it is refused) and the output appears atomically.
    """
    input_path, output_path = Path(input_path), Path(output_path)
    if output_path.exists() and input_path.exists() and output_path.resolve() == input_path.resolve():
        raise AudioFileError(f"{output_path}: is the input file; choose another output")
    if output_path.exists() and not overwrite:
        raise AudioFileError(f"{output_path}: exists already; pass --overwrite to replace it")
    audio, sample_rate = read_audio(input_path)
    processor = StemGlue(**(parameters or {}))
    output = processor(audio, sample_rate, block_size=block_size)
    write_audio(output_path, output, sample_rate, overwrite=overwrite)
    return output
