"""Small sessions on disk for the tests of many sessions: folders of generated stems, and what a
rendered folder holds."""

from pathlib import Path

import soundfile
from signals import bass_stem, drum_stem, keys_stem

RATE = 48000


def write_sessions(root: Path, durations_s: tuple[float, ...]) -> list[Path]:
    """root/song0, root/song1 ...: drums, bass and keys of each duration, stereo float WAV."""
    folders = []
    for index, seconds in enumerate(durations_s):
        folder = root / f"song{index}"
        folder.mkdir()
        soundfile.write(folder / "drums.wav", drum_stem(seconds)[0].T, RATE, subtype="FLOAT")
        soundfile.write(folder / "bass.wav", bass_stem(seconds)[0].T, RATE, subtype="FLOAT")
        soundfile.write(folder / "keys.wav", keys_stem(seconds)[0].T, RATE, subtype="FLOAT")
        folders.append(folder)
    return folders


def outputs(folder: Path) -> dict[str, bytes]:
    """Every file under folder, by relative path."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
