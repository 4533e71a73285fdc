"""The one parameter table, declared in C++ (cpp/include/stemglue/parameters.h).

The build dumps the header to ``stemglue/parameter_table.json`` (python/dump_parameter_table.cpp), so
this module, and with it the numpy reference, never imports the compiled extension. The value
mappings below mirror cpp/src/parameters.cpp operation for operation; tests/test_parameters.py
checks that they return what the C++ returns.
"""

from __future__ import annotations

import functools
import json
import math
import numbers
from dataclasses import dataclass
from importlib import resources

TABLE_FILE = "parameter_table.json"


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

    def validate(self, value: object, name: str | None = None) -> float:
        """The value as a float, or a ValueError naming this parameter (as name, else its id) and its
        legal values."""
        name = name or self.id
        if isinstance(value, bool):
            value = float(value)
        if not isinstance(value, numbers.Real):
            raise ValueError(f"{name} must be a number; got {value!r}")
        plain = float(value)
        if self.is_valid(plain):
            return plain
        # A bound read back from a host's 32-bit float (0.3 as 0.30000001) is the bound.
        bound = min(max(plain, self.min), self.max)
        if self.kind == "continuous" and abs(plain - bound) <= abs(bound) * 2.0**-23:
            return bound
        raise ValueError(f"{name} must be {self.legal_values()}; got {value!r}")

    def legal_values(self) -> str:
        unit = f" {self.unit}" if self.unit and self.unit != "x" else ""
        if self.kind == "choice":
            return "one of " + ", ".join(f"{c:g}" for c in self.choices)
        if self.kind == "toggle":
            return "0 or 1 (or a bool)"
        whole = "a whole number " if self.kind == "integer" else ""
        return f"{whole}between {self.min:g} and {self.max:g}{unit}"

    # --- the mappings of cpp/src/parameters.cpp ----------------------------------------------

    def constrain(self, plain: float) -> float:
        """The nearest legal plain value (clamped to range, snapped to kind); non-finite -> default."""
        plain = float(plain)
        if not math.isfinite(plain):
            return self.default
        if self.kind == "choice":
            return self.choices[self._nearest_choice(plain)]
        if self.kind == "toggle":
            return 1.0 if plain >= 0.5 else 0.0
        if self.kind == "integer":
            return _clamp(_round_half_away(plain), self.min, self.max)
        return _clamp(plain, self.min, self.max)

    def is_valid(self, plain: float) -> bool:
        """Whether a plain value is legal as given (in range, and whole / a choice where required)."""
        plain = float(plain)
        if not math.isfinite(plain):
            return False
        if self.kind == "choice":
            return plain in self.choices
        if self.kind == "toggle":
            return plain in (0.0, 1.0)
        if self.kind == "integer":
            return plain == _round_half_away(plain) and self.min <= plain <= self.max
        return self.min <= plain <= self.max

    def to_normalized(self, plain: float) -> float:
        """Plain value -> [0, 1], the mapping every host sees."""
        plain = self.constrain(plain)
        if self.kind == "choice":
            return self._nearest_choice(plain) / (len(self.choices) - 1) if len(self.choices) > 1 else 0.0
        proportion = (plain - self.min) / (self.max - self.min)
        return math.pow(proportion, self._skew_exponent())

    def from_normalized(self, normalized: float) -> float:
        """[0, 1] -> plain value, snapped to the parameter's kind."""
        normalized = float(normalized)
        normalized = _clamp(normalized, 0.0, 1.0) if math.isfinite(normalized) else 0.0
        if self.kind == "choice":
            return self.choices[int(_round_half_away(normalized * (len(self.choices) - 1)))]
        proportion = math.pow(normalized, 1.0 / self._skew_exponent())
        return self.constrain(self.min + proportion * (self.max - self.min))

    def _skew_exponent(self) -> float:
        # Exponent k of normalized = proportion**k, chosen so that skew_center maps to 0.5.
        proportion = (self.skew_center - self.min) / (self.max - self.min)
        if proportion <= 0.0 or proportion >= 1.0 or abs(proportion - 0.5) < 1e-12:
            return 1.0
        return math.log(0.5) / math.log(proportion)

    def _nearest_choice(self, plain: float) -> int:
        best = 0
        for i in range(1, len(self.choices)):
            if abs(self.choices[i] - plain) < abs(self.choices[best] - plain):  # ties keep the first, as C++
                best = i
        return best


def _clamp(value: float, low: float, high: float) -> float:
    """std::clamp: the same comparisons, so the same result for -0.0 and at the edges."""
    return low if value < low else high if high < value else value


def _round_half_away(value: float) -> float:
    """std::round (halves away from zero); Python's round() rounds halves to even."""
    whole = math.trunc(value)  # the fractional part value - whole is exact
    if abs(value - whole) >= 0.5:
        whole += 1 if value > 0 else -1
    return math.copysign(float(whole), value)


@dataclass(frozen=True)
class Module:
    """One module of the chain, in signal-flow order: its table module name, class name and purpose."""

    id: str
    class_name: str
    description: str
    random_keys: tuple[str, ...]  # the global keys it reads: "seed" (shared), "track_id" (its own)

    @property
    def file_name(self) -> str:
        """Its file in cpp/src/, python/stemglue/reference/ and tests/ (GlueCompressor -> glue_compressor)."""
        return "".join(f"_{c.lower()}" if c.isupper() and i else c.lower() for i, c in enumerate(self.class_name))


@functools.cache
def _table() -> dict:
    try:
        text = resources.files("stemglue").joinpath(TABLE_FILE).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ImportError(
            f"stemglue/{TABLE_FILE} is missing: it is generated from cpp/include/stemglue/parameters.h "
            "when the package is built; install it with `pip install .`"
        ) from None
    return json.loads(text)


@functools.cache
def parameters() -> tuple[Parameter, ...]:
    """Every parameter of StemGlue, in table order."""
    rows = _table()["parameters"]
    return tuple(
        Parameter(
            **{
                **row,
                # JSON writes 6.0 as 6; the table's numbers are doubles
                **{key: float(row[key]) for key in ("min", "max", "default", "skew_center", "smoothing_ms")},
                "choices": tuple(float(choice) for choice in row["choices"]),
            }
        )
        for row in rows
    )


@functools.cache
def modules() -> tuple[Module, ...]:
    """The chain's modules in signal-flow order."""
    return tuple(Module(**{**row, "random_keys": tuple(row["random_keys"])}) for row in _table()["modules"])


def parameter(parameter_id: str) -> Parameter:
    """One parameter by id, or a ValueError listing the ids that exist."""
    for spec in parameters():
        if spec.id == parameter_id:
            return spec
    known = ", ".join(spec.id for spec in parameters())
    raise ValueError(f"unknown parameter {parameter_id!r}; known parameters: {known}")
