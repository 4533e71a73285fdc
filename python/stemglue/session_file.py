"""Session files (TOML): which stems a session has, their roles and places on the stage, settings
for all stems and for each, and overrides of single bleed pairs. `stemglue session init FOLDER`
writes one with roles guessed from the file names; `stemglue render --session FILE -o OUTDIR`
renders it."""

from __future__ import annotations

import difflib
import json
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from stemglue._parameters import parameter, parameters
from stemglue.stage import LAYOUTS, PATTERNS, guess_role

ROLES = ("kick", "snare", "hat", "tom", "overheads", "room", "drums", "bass", "guitar", "keys", "vocal", "fx")


class SessionFileError(ValueError):
    """A session file that cannot be used, with a one-line reason naming it."""


@dataclass
class StemSpec:
    name: str
    path: Path
    role: str
    source_m: tuple[float, float, float] | None = None  # None: where the layout puts the role
    mic_distance_m: float | None = None
    pattern: str | None = None
    settings: dict[str, float] = field(default_factory=dict)  # this stem's own values


@dataclass
class PairOverride:
    source: str
    into: str
    level_db: float = 0.0  # added to the modelled level
    mute: bool = False
    invert: bool = False


@dataclass
class SessionSpec:
    layout: str
    settings: dict[str, float]
    stems: list[StemSpec]
    overrides: list[PairOverride] = field(default_factory=list)


def spec_from_files(files: list[Path], layout: str, settings: dict[str, float]) -> SessionSpec:
    """A session of the files, roles guessed from their names."""
    return SessionSpec(layout, dict(settings), [StemSpec(p.stem, p, guess_role(p.stem)) for p in files])


#: Where a source can stand, in metres from the room's corner along each axis: the largest
#: Room's length (a source outside a smaller room is placed at its wall by the Room).
MAX_STAGE_M = 30.0


def _metres(value: object, low: float, high: float) -> bool:
    """A number (not a bool, not NaN) from low to high."""
    return isinstance(value, int | float) and not isinstance(value, bool) and low <= value <= high


def _settings(table: object, where: str, path: Path) -> dict[str, float]:
    ids = {spec.id for spec in parameters()}
    if not isinstance(table, dict):
        raise SessionFileError(f"{path}: {where} must be a table of parameter = value")
    settings = {}
    for key, value in table.items():
        if key not in ids:
            close = difflib.get_close_matches(key, sorted(ids), n=1)
            hint = f"did you mean {close[0]!r}?" if close else "see `stemglue parameters`"
            raise SessionFileError(f"{path}: {where}: unknown parameter {key!r}; {hint}")
        spec = parameter(key)
        if isinstance(value, bool) and spec.kind != "toggle":  # a switch may be true or false
            raise SessionFileError(f"{path}: {where}.{key} must be a number")
        try:
            settings[key] = spec.validate(value)
        except ValueError as error:  # "<id> must be ...; got ..."
            raise SessionFileError(f"{path}: {where}.{error}") from None
    return settings


# The keys each table takes: a misspelt one (layuot, mic_distance) is refused, not ignored.
SESSION_KEYS = ("layout", "settings", "stems", "bleed")
STEM_KEYS = ("file", "role", "source_m", "mic_distance_m", "pattern", "settings")
BLEED_KEYS = ("source", "into", "level_db", "mute", "invert")


def _known_keys(table: dict, known: tuple[str, ...], where: str, path: Path) -> None:
    for key in table:
        if key not in known:
            close = difflib.get_close_matches(key, known, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"it takes {', '.join(known)}"
            raise SessionFileError(f"{path}: {where}unknown key {key!r}; {hint}")


def _choice(value: object, choices: tuple[str, ...], where: str, path: Path) -> str:
    """One of the choices, named in any case ("Bass" is "bass"), or a one-line error suggesting
    the nearest."""
    found = {choice.casefold(): choice for choice in choices}.get(str(value).strip().casefold())
    if found is None or not isinstance(value, str):
        close = difflib.get_close_matches(str(value).casefold(), choices, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise SessionFileError(f"{path}: {where} {value!r} is not one of {', '.join(choices)}{hint}")
    return found


def read_session_file(path: Path) -> SessionSpec:
    """The session a TOML file describes; stem files are relative to the file's folder."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SessionFileError(f"{path}: no such session file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise SessionFileError(f"{path}: cannot be read ({error})") from None
    except tomllib.TOMLDecodeError as error:
        raise SessionFileError(f"{path}: not valid TOML ({error})") from None
    _known_keys(data, SESSION_KEYS, "", path)
    layout = _choice(data.get("layout", "band-room"), LAYOUTS, "layout", path)
    settings = _settings(data.get("settings", {}), "settings", path)
    stems_table = data.get("stems")
    if not isinstance(stems_table, dict) or not stems_table:
        raise SessionFileError(f"{path}: no [stems.<name>] tables: a session needs its stems")
    stems = []
    for name, entry in stems_table.items():
        where = f"stems.{name}"
        if not name or name.startswith(".") or any(c in name for c in "/\\\0"):
            raise SessionFileError(f"{path}: {where}: a stem's name becomes its file name: no / \\ or leading dot")
        if not isinstance(entry, dict) or not isinstance(entry.get("file"), str):
            raise SessionFileError(f'{path}: {where} needs file = "<audio file>"')
        _known_keys(entry, STEM_KEYS, f"{where}: ", path)
        role = _choice(entry.get("role", guess_role(name)), ROLES, f"{where}.role", path)
        source = entry.get("source_m")
        if source is not None and (
            not isinstance(source, list) or len(source) != 3 or not all(_metres(v, 0, MAX_STAGE_M) for v in source)
        ):
            raise SessionFileError(f"{path}: {where}.source_m must be [x, y, z], each 0 to {MAX_STAGE_M:g} m")
        pattern = entry.get("pattern")
        if pattern is not None:
            pattern = _choice(pattern, PATTERNS, f"{where}.pattern", path)
        distance = entry.get("mic_distance_m")
        if distance is not None and not _metres(distance, 0.02, 5):
            raise SessionFileError(f"{path}: {where}.mic_distance_m must be 0.02 to 5 m")
        stems.append(
            StemSpec(
                name,
                (path.parent / entry["file"]),
                role,
                None if source is None else tuple(float(v) for v in source),
                None if distance is None else float(distance),
                pattern,
                _settings(entry.get("settings", {}), f"{where}.settings", path),
            )
        )
    names = {stem.name for stem in stems}
    overrides = []
    for index, entry in enumerate(data.get("bleed", [])):
        where = f"bleed[{index}]"
        if (
            not isinstance(entry, dict)
            or entry.get("source") not in names
            or entry.get("into") not in names
            or entry["source"] == entry["into"]
        ):
            raise SessionFileError(f"{path}: {where} needs source and into naming two of the stems")
        _known_keys(entry, BLEED_KEYS, f"{where}: ", path)
        level = entry.get("level_db", 0.0)
        if isinstance(level, bool) or not isinstance(level, int | float) or not -48 <= level <= 16:
            raise SessionFileError(f"{path}: {where}.level_db must be -48 to 16 dB")
        for switch in ("mute", "invert"):  # "false" in quotes would read as true
            if not isinstance(entry.get(switch, False), bool):
                raise SessionFileError(f"{path}: {where}.{switch} must be true or false (unquoted)")
        overrides.append(
            PairOverride(
                entry["source"], entry["into"], float(level), entry.get("mute", False), entry.get("invert", False)
            )
        )
    return SessionSpec(layout, settings, stems, overrides)


def _toml_string(text: str) -> str:
    """A TOML basic string, readable: JSON's escapes are TOML's, and letters beyond ASCII stay as
    they are (a tryout's "b\\u00e4ss" was hard to edit); DEL, which TOML wants escaped, is."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def session_file_text(
    files: list[Path],
    folder: Path,
    layout: str = "band-room",
    shared: dict[str, float] | None = None,
    by_stem: dict[str, dict[str, float]] | None = None,
) -> str:
    """A session file for the files, roles guessed from their names, ready to edit; with settings
    for every stem (`shared`) and per stem (`by_stem`, by file stem) where given."""
    shared, by_stem = shared or {}, by_stem or {}
    for path in files:  # a name the disk holds in another encoding cannot be written into UTF-8 TOML
        try:
            str(path).encode("utf-8")
        except UnicodeEncodeError:
            shown = str(path).encode("utf-8", "surrogateescape").decode("utf-8", "replace")
            raise SessionFileError(f"{shown}: its name is not UTF-8, which a session file needs; rename it") from None

    def inline(settings: dict[str, float]) -> str:
        return "{ " + ", ".join(f"{key} = {value:g}" for key, value in settings.items()) + " }"

    lines = [
        "# StemGlue session. Edit roles, places and settings, then:",
        "#   stemglue render --session session.toml -o OUTDIR",
        f"# Roles: {', '.join(ROLES)}. Layouts: {', '.join(LAYOUTS)}.",
        "# Positions are metres in the room (x along it, y across, z up); see `stemglue parameters`",
        "# for every setting.",
        "",
        f'layout = "{layout}"',
        "",
        "[settings]  # for every stem",
        "seed = 1",
        *(f"{key} = {value:g}" for key, value in shared.items()),
        *(line for line in ("# humanize_enabled = 1", "# room_rt60_s = 0.8") if line[2:].split(" =")[0] not in shared),
    ]
    for path in files:
        name = path.stem
        lines += [
            "",
            f"[stems.{_toml_string(name)}]",
            f"file = {_toml_string(Path(os.path.relpath(Path(path).resolve(), folder)).as_posix())}",
            f'role = "{guess_role(name)}"',
            "# source_m = [2.0, 3.0, 1.0]     # instead of the layout's place for the role",
            "# mic_distance_m = 0.3",
            '# pattern = "cardioid"          # omni, subcardioid, cardioid, supercardioid, hypercardioid, figure-8',
            f"settings = {inline(by_stem[name])}" if by_stem.get(name) else "# settings = { tube_drive_db = 9 }",
        ]
    lines += [
        "",
        "# One bleed pair changed (a drum sampler's bleed matrix): what `into`'s microphone hears of `source`.",
        "# [[bleed]]",
        f"# source = {_toml_string(files[0].stem)}",
        f"# into = {_toml_string(files[-1].stem)}",
        "# level_db = -6     # added to the modelled level",
        "# mute = false",
        "# invert = false",
        "",
    ]
    return "\n".join(lines)
