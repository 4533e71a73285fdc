"""Stage layouts: where each stem's source stands and where its microphone is, in one room. The
bleed between every pair of stems follows from them (an ambient microphone, overheads or room, is no
source: its stem is what it heard of the others), as Bleed models one pair: delay (distance -
the source's own mic distance) / 343 m/s, level own distance / distance x the pattern at the
arrival angle, and an isolation for sources behind booth walls.

Coordinates are metres in the Room's shoebox (x along its length, y across, z up; the default
8 m room is 8 x 5.76 x 3.04 m, the listener at 62 %, 50 %). A microphone sits `mic_distance_m`
from its source along `mic_direction` and aims back at it.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace

import numpy as np

from stemglue.reference.bleed import SPEED_OF_SOUND, pattern_gain
from stemglue.reference.room import dimensions

#: First-order pattern coefficient A of g = A + (1 - A) cos(angle), by name.
PATTERNS = {
    "omni": 1.0,
    "subcardioid": 0.7,
    "cardioid": 0.5,
    "supercardioid": 0.37,
    "hypercardioid": 0.25,
    "figure-8": 0.0,
}


@dataclass(frozen=True)
class Placement:
    """One source and its own microphone."""

    source_m: tuple[float, float, float]
    mic_distance_m: float
    mic_direction: tuple[float, float, float]  # from the source towards the microphone
    pattern: str
    booth: str = "room"  # sources in different booths hear each other through a wall
    # A microphone of the whole kit or room (overheads, room): its stem is what it heard of the
    # others, not a sound of its own, so it bleeds into no other microphone.
    ambient: bool = False

    @property
    def mic_m(self) -> np.ndarray:
        direction = np.asarray(self.mic_direction, float)
        return np.asarray(self.source_m, float) + self.mic_distance_m * direction / np.linalg.norm(direction)

    @property
    def aim(self) -> np.ndarray:
        """The microphone's axis: back at its own source."""
        direction = np.asarray(self.mic_direction, float)
        return -direction / np.linalg.norm(direction)


def _band_room() -> dict[str, Placement]:
    up, front = (0.0, 0.0, 1.0), (1.0, 0.0, 0.0)
    return {
        "kick": Placement((1.6, 2.9, 0.35), 0.15, front, "cardioid"),
        "snare": Placement((1.9, 3.1, 0.65), 0.1, (0.6, -0.3, 0.75), "supercardioid"),
        "hat": Placement((2.0, 3.45, 0.95), 0.15, up, "cardioid"),
        "tom": Placement((1.6, 3.2, 0.75), 0.1, up, "cardioid"),
        "overheads": Placement((1.7, 3.1, 1.0), 0.9, up, "cardioid", ambient=True),
        "drums": Placement((1.7, 3.1, 0.7), 1.0, (0.5, 0.0, 0.86), "cardioid"),
        "room": Placement((1.7, 3.1, 0.7), 3.5, (1.0, -0.2, 0.15), "omni", ambient=True),
        "bass": Placement((2.4, 1.2, 0.5), 0.2, front, "cardioid"),
        "guitar": Placement((3.4, 4.8, 0.5), 0.1, front, "supercardioid"),
        "keys": Placement((4.6, 1.6, 1.0), 0.5, up, "cardioid"),
        "vocal": Placement((4.4, 3.6, 1.6), 0.15, front, "cardioid"),
        "fx": Placement((4.8, 4.4, 1.0), 0.5, up, "cardioid"),
    }


def _drum_kit() -> dict[str, Placement]:
    """A close-miked kit, the kit's centre at (2, 2.9): drums bleed into each other, the rest of
    the band stands further off in the same room."""
    kit = _band_room()
    return kit | {
        "overheads": Placement((2.0, 3.1, 1.1), 0.8, (0.0, 0.0, 1.0), "cardioid", ambient=True),
        "room": Placement((2.0, 3.1, 0.8), 2.5, (1.0, 0.0, 0.25), "omni", ambient=True),
    }


def _iso_booths() -> dict[str, Placement]:
    """The band room's positions, but bass, guitar, keys and vocal each in a booth: what crosses
    between booths comes through a wall."""
    booths = {"bass": "bass booth", "guitar": "guitar booth", "keys": "keys booth", "vocal": "vocal booth"}
    return {role: replace(p, booth=booths.get(role, "room")) for role, p in _band_room().items()}


LAYOUTS = {"band-room": _band_room, "drum-kit": _drum_kit, "iso-booths": _iso_booths}
#: What a wall between booths takes off (a typical isolation booth: 25-40 dB at mid frequencies).
WALL_DB = -30.0
#: The room tone's source, the air handling: a vent high in the far corner of the live room
#: ("room"), as fractions of the Room's length, width and height.
ROOM_TONE_SOURCE = (0.95, 0.1, 0.9)

# File-name words -> role, first match wins ("overheads" before "hat", "vocal" before "fx").
_ROLE_WORDS = [
    ("overheads", r"overhead|\boh\b|cymbal"),
    ("room", r"\broom\b|ambien"),
    ("kick", r"kick|\bbd\b|bassdrum"),
    ("snare", r"snare|\bsd\b"),
    ("hat", r"hat|\bhh\b"),
    ("tom", r"\btoms?\b|floor ?tom"),
    ("drums", r"drum|perc|beat|clap|shaker|tambourine|conga|bongo"),
    ("bass", r"bass|\bsub\b|\b808\b"),
    ("guitar", r"guit|\bgtr\b"),
    ("vocal", r"vocal|\bvox\b|voice|sing|lead ?vox|choir|\bbg?vs?\b|\bbacking\b"),
    ("keys", r"keys|piano|organ|synth|\bpad\b|lead|rhodes|\bep\b|string"),
    ("fx", r"\bfx\b|sfx|riser|noise"),
]


def guess_role(name: str) -> str:
    """The role a stem's file name suggests (kick, snare, hat, tom, overheads, room, drums, bass,
    guitar, keys, vocal, fx); "keys" when nothing matches (an instrument on the floor of the room)."""
    words = re.sub(r"[_\-.]+", " ", name.lower())
    words = re.sub(r"(?<=[a-z])(?=\d)|(?<=\d)(?=[a-z])", " ", words)  # Tom1 -> tom 1
    return next((role for role, pattern in _ROLE_WORDS if re.search(pattern, words)), "keys")


def place(roles: dict[str, str], layout: str = "band-room") -> dict[str, Placement]:
    """Each stem's placement in a layout; stems sharing a role stand 1 m apart along the room."""
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}; choose one of {', '.join(LAYOUTS)}")
    placements, seen = LAYOUTS[layout](), {}
    placed = {}
    for stem, role in roles.items():
        base = placements[role]
        shift = seen.get(role, 0)
        seen[role] = shift + 1
        x, y, z = base.source_m
        placed[stem] = replace(base, source_m=(x + 1.0 * shift, y, z))
    return placed


@dataclass(frozen=True)
class BleedPair:
    """What the microphone of `into` picks up of the source of `source`."""

    source: str
    into: str
    distance_m: float  # from the source to this microphone
    source_distance_m: float  # from the source to its own microphone
    angle_deg: float  # off this microphone's axis
    pattern: float  # this microphone's A
    isolation_db: float  # a wall between booths, else 0
    delay_ms: float
    level_db: float  # broadband, below the off-axis loss of highs; trim included
    trim_db: float = 0.0  # a per-pair override (a session file's [[bleed]])
    invert: bool = False

    def bleed_settings(self) -> dict[str, float]:
        """stemglue.Bleed's keywords for this pair."""
        return {
            "distance_m": self.distance_m,
            "source_distance_m": self.source_distance_m,
            "angle_deg": self.angle_deg,
            "pattern": self.pattern,
            "level_db": self.isolation_db + self.trim_db,
            "invert": float(self.invert),
        }

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def bleed_matrix(placements: dict[str, Placement]) -> list[BleedPair]:
    """Every ordered pair of different stems whose source is a sound (not an ambient microphone),
    with its geometry, delay and level."""
    pairs = []
    for into, target in placements.items():
        mic, aim = target.mic_m, target.aim
        pattern = PATTERNS[target.pattern]
        for source, placement in placements.items():
            if source == into or placement.ambient:
                continue
            arrival = np.asarray(placement.source_m, float) - mic
            distance = float(max(np.linalg.norm(arrival), 0.1))
            angle = float(np.degrees(np.arccos(np.clip(np.dot(arrival / distance, aim), -1.0, 1.0))))
            own = float(placement.mic_distance_m)
            isolation = 0.0 if placement.booth == target.booth else WALL_DB
            gain = own / distance * abs(float(pattern_gain(pattern, angle)))
            pairs.append(
                BleedPair(
                    source=source,
                    into=into,
                    distance_m=round(distance, 4),
                    source_distance_m=own,
                    angle_deg=round(angle, 2),
                    pattern=pattern,
                    isolation_db=isolation,
                    delay_ms=round(max(0.0, distance - own) / SPEED_OF_SOUND * 1000, 4),
                    level_db=round(20 * np.log10(max(gain, 1e-12)) + isolation, 2),
                )
            )
    return pairs


def room_source_percent(source_m: tuple[float, float, float], size_m: float) -> dict[str, float]:
    """The Room's source position (per cent of its length and width, 5..95) for a source on the stage."""
    length, width, _ = dimensions(size_m)
    return {
        "room_source_x_percent": float(np.clip(100 * source_m[0] / length, 5, 95)),
        "room_source_y_percent": float(np.clip(100 * source_m[1] / width, 5, 95)),
    }


def room_tone_heard(placements: dict[str, Placement], size_m: float) -> dict[str, dict[str, float]]:
    """How each microphone hears the one room tone: ``delay_ms`` after the nearest microphone and
    ``level_db`` by inverse distance around the geometric mean of the distances (so the session's
    floor stays at the set level), less a wall for a microphone in a booth."""
    vent = dimensions(size_m) * np.asarray(ROOM_TONE_SOURCE)
    distances = {name: max(float(np.linalg.norm(p.mic_m - vent)), 0.1) for name, p in placements.items()}
    nearest, middle = min(distances.values()), float(np.exp(np.mean(np.log(list(distances.values())))))
    return {
        name: {
            "distance_m": round(distance, 4),
            "delay_ms": round((distance - nearest) / SPEED_OF_SOUND * 1000, 4),
            "level_db": round(
                20 * np.log10(middle / distance) + (0.0 if placements[name].booth == "room" else WALL_DB), 2
            ),
        }
        for name, distance in distances.items()
    }
