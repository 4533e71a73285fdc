"""The factory presets, declared in C++ (cpp/include/stemglue/presets.h) and read here from the
build's parameter_table.json, as the parameters are.

A preset names only the values that differ from the table's defaults; it never sets bypass, seed
or track_id (those belong to an instance, not to a sound).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from types import MappingProxyType

from stemglue._parameters import _table


@dataclass(frozen=True)
class Preset:
    """One factory preset: its name, "character" or "stem", what it models, and its values."""

    name: str
    category: str
    description: str
    values: MappingProxyType  # parameter id -> plain value, only those that differ from the defaults

    def file_name(self) -> str:
        """Its .vstpreset file (in the package's presets/ folder and in ~/.vst3/presets/StemGlue/StemGlue/)."""
        return f"{self.name}.vstpreset"


@functools.cache
def presets() -> tuple[Preset, ...]:
    """Every factory preset, in the order of the plugin's program list."""
    return tuple(
        Preset(row["name"], row["category"], row["description"], MappingProxyType(dict(row["values"])))
        for row in _table()["presets"]
    )


def preset(name: str) -> Preset:
    """One preset by name (in any case), or a ValueError listing the names that exist."""
    for found in presets():
        if found.name.casefold() == " ".join(str(name).split()).casefold():  # 'Cassette' is 'cassette'
            return found
    known = ", ".join(repr(found.name) for found in presets())
    raise ValueError(f"unknown preset {name!r}; the presets are: {known}")


class FromPreset:
    """``from_preset`` for the whole-chain classes (stemglue.StemGlue and stemglue.reference.StemGlue)."""

    @classmethod
    def from_preset(cls, name: str, **overrides: object):
        """A chain with a factory preset's values; keywords (full table ids) override them.

        ``StemGlue.from_preset("cassette", seed=7, room_mix_percent=20)``; ``stemglue.presets()`` lists the names.
        """
        return cls(**{**preset(name).values, **overrides})
