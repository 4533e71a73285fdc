"""The one parameter table, read from the C++ core (cpp/include/stemglue/parameters.h)."""

from __future__ import annotations

import functools
import numbers
from dataclasses import dataclass

from stemglue import _core


@dataclass(frozen=True)
class Parameter:
    """One row of the parameter table. Values are plain units unless a name says normalized."""

    id: str
    name: str
    unit: str
    module: str
    kind: str  # continuous | toggle | integer | choice
    min: float
    max: float
    default: float
    skew_center: float
    smoothing_ms: float
    timing: str  # smoothed | immediate | on_reset
    choices: tuple[float, ...]
    vst3_id: int
    description: str

    def validate(self, value: object) -> float:
        """The value as a float, or a ValueError naming this parameter and its legal values."""
        if isinstance(value, bool):
            value = float(value)
        if not isinstance(value, numbers.Real):
            raise ValueError(f"{self.id} must be a number; got {value!r}")
        plain = float(value)
        if not _core.is_valid(self.id, plain):
            raise ValueError(f"{self.id} must be {self.legal_values()}; got {value!r}")
        return plain

    def legal_values(self) -> str:
        unit = f" {self.unit}" if self.unit and self.unit != "x" else ""
        if self.kind == "choice":
            return "one of " + ", ".join(f"{c:g}" for c in self.choices)
        if self.kind == "toggle":
            return "0 or 1 (or a bool)"
        whole = "a whole number " if self.kind == "integer" else ""
        return f"{whole}between {self.min:g} and {self.max:g}{unit}"

    def to_normalized(self, plain: float) -> float:
        return _core.to_normalized(self.id, plain)

    def from_normalized(self, normalized: float) -> float:
        return _core.from_normalized(self.id, normalized)


@functools.cache
def parameters() -> tuple[Parameter, ...]:
    """Every parameter of StemGlue, in table order."""
    return tuple(
        Parameter(**{**row, "choices": tuple(row["choices"])}) for row in _core.parameters()
    )


def parameter(parameter_id: str) -> Parameter:
    """One parameter by id, or a ValueError listing the ids that exist."""
    for spec in parameters():
        if spec.id == parameter_id:
            return spec
    known = ", ".join(spec.id for spec in parameters())
    raise ValueError(f"unknown parameter {parameter_id!r}; known parameters: {known}")
