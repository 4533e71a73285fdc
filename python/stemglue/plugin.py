"""Where the built StemGlue.vst3 bundle and its factory .vstpreset files are, and installing them for DAWs."""

from __future__ import annotations

import filecmp
import os
import platform
import shutil
import tempfile
from pathlib import Path

BUNDLE_NAME = "StemGlue.vst3"
#: Where VST3 hosts look for a plugin's presets, under the VST3 folder: presets/<vendor>/<plugin>/.
PRESET_SUBFOLDER = Path("presets") / "StemGlue" / "StemGlue"


def plugin_path() -> Path:
    """The StemGlue.vst3 bundle built with this package (a directory, as hosts expect)."""
    bundle = Path(__file__).resolve().parent / BUNDLE_NAME
    binary = bundle / "Contents" / f"{platform.machine()}-linux" / "StemGlue.so"
    if not binary.is_file():
        raise FileNotFoundError(f"the VST3 bundle was not built with this install: {binary} is missing")
    return bundle


def preset_folder() -> Path:
    """The factory presets as .vstpreset files, written at build time (one per stemglue.presets() entry)."""
    folder = Path(__file__).resolve().parent / "vst3_presets"
    if not folder.is_dir():
        raise FileNotFoundError(f"the .vstpreset files were not built with this install: {folder} is missing")
    return folder


def _same_tree(a: Path, b: Path) -> bool:
    comparison = filecmp.dircmp(a, b)
    if comparison.left_only or comparison.right_only or comparison.funny_files:
        return False
    _, mismatch, errors = filecmp.cmpfiles(a, b, comparison.common_files, shallow=False)
    return not mismatch and not errors and all(_same_tree(a / d, b / d) for d in comparison.common_dirs)


def install_plugin(destination: Path | None = None, *, force: bool = False) -> Path:
    """Copy the bundle into destination (default ~/.vst3) and return the installed path; the
    factory presets go to destination/presets/StemGlue/StemGlue/, where hosts look for them.

    An identical bundle already there is left as it is; a different one is replaced only with
    force=True. The copy is made beside the target and renamed into place, so a host scanning
    the folder never sees half a bundle. Preset files are replaced by this build's (a user's own
    presets there, under other names, are left alone).
    """
    from stemglue.audio_io import file_in_the_way  # here: soundfile is no concern of `import stemglue`

    source = plugin_path()
    presets = preset_folder()
    folder = Path(destination) if destination is not None else Path.home() / ".vst3"
    target = folder / BUNDLE_NAME
    if (file := file_in_the_way(target)) is not None:
        raise NotADirectoryError(f"{folder}: cannot install there: {file} is a file, not a folder")
    if target.exists() and not (target.is_dir() and _same_tree(source, target)) and not force:
        raise FileExistsError(f"{target} exists and differs from this build; use --overwrite to replace it")
    _install_presets(presets, folder / PRESET_SUBFOLDER)
    if target.exists() and target.is_dir() and _same_tree(source, target):
        return target
    folder.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".StemGlue-", dir=folder))
    try:
        shutil.copytree(source, staging / BUNDLE_NAME)
        if target.exists():
            old = staging / "replaced"
            os.replace(target, old)
        os.replace(staging / BUNDLE_NAME, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _install_presets(source: Path, folder: Path) -> None:
    """Copy each .vstpreset file into folder, each written beside its target and renamed into place."""
    folder.mkdir(parents=True, exist_ok=True)
    for preset_file in sorted(source.glob("*.vstpreset")):
        staging = folder / f".{preset_file.name}.tmp"
        shutil.copyfile(preset_file, staging)
        os.replace(staging, folder / preset_file.name)
