"""The one parameter table: well-formed, reachable from Python, and the only source of truth."""

import math
import re

import numpy as np
import pytest
import stemglue
import stemglue.reference
from processor_classes import NATIVE_CLASSES, REFERENCE_CLASSES
from stemglue import _core


def test_table_is_well_formed():
    specs = stemglue.parameters()
    ids = [spec.id for spec in specs]
    assert len(ids) == len(set(ids))
    assert len({spec.vst3_id for spec in specs}) == len(specs)
    for spec in specs:
        assert re.fullmatch(r"[a-z][a-z0-9_]*", spec.id)
        assert spec.min <= spec.default <= spec.max
        assert spec.name and spec.description
        assert spec.kind in {"continuous", "toggle", "integer", "choice"}
        assert spec.timing in {"smoothed", "immediate", "on_reset"}
        assert 0 <= spec.vst3_id <= 0x7FFFFFFF
        if spec.kind == "choice":
            assert spec.default in spec.choices
        if spec.unit == "dB":
            assert spec.id.endswith("_db")
        if spec.unit == "%":
            assert spec.id.endswith("_percent")


@pytest.mark.parametrize("spec", stemglue.parameters(), ids=lambda spec: spec.id)
def test_normalization_round_trips(spec):
    assert spec.from_normalized(0.0) == spec.min
    assert spec.from_normalized(1.0) == spec.max
    assert spec.from_normalized(spec.to_normalized(spec.default)) == pytest.approx(spec.default, abs=1e-9)
    previous = float("-inf")
    for k in range(101):
        plain = spec.from_normalized(k / 100)
        assert plain >= previous  # monotonic
        previous = plain
        assert spec.validate(plain) == plain


def plain_probes(spec):
    """Values that reach every branch of constrain/is_valid/to_normalized: a grid over and beyond
    the range, halves (rounding), the choices and their midpoints, signed zero, huge and non-finite."""
    span = spec.max - spec.min
    values = list(np.linspace(spec.min - span, spec.max + span, 301))
    values += [
        spec.min,
        spec.max,
        spec.default,
        spec.skew_center,
        -0.0,
        0.0,
        0.5,
        -0.5,
        1.5,
        2.5,
        -2.5,
        0.49999999999999994,
    ]
    values += [math.floor(spec.min) + k + 0.5 for k in range(-2, 6)]
    values += list(spec.choices) + [(a + b) / 2 for a, b in zip(spec.choices, spec.choices[1:], strict=False)]
    values += [1e300, -1e300, 5e-324, math.inf, -math.inf, math.nan]
    values += list(np.random.default_rng(spec.vst3_id).uniform(spec.min - span, spec.max + span, 200))
    return [float(value) for value in values]


NORMALIZED_PROBES = [float(x) for x in np.linspace(-0.5, 1.5, 401)] + [
    -0.0,
    1e-300,
    0.5,
    1 - 1e-16,
    1e300,
    math.inf,
    -math.inf,
    math.nan,
]


def same(a, b):
    return a == b or (math.isnan(a) and math.isnan(b))


@pytest.mark.parametrize("spec", stemglue.parameters(), ids=lambda spec: spec.id)
def test_python_mappings_equal_the_cores(spec):
    # stemglue._parameters re-implements cpp/src/parameters.cpp so the reference runs without _core;
    # both must give the very same doubles, not merely close ones.
    for plain in plain_probes(spec):
        assert spec.is_valid(plain) == _core.is_valid(spec.id, plain), plain
        assert same(spec.to_normalized(plain), _core.to_normalized(spec.id, plain)), plain
        if hasattr(_core, "constrain"):  # TODO(core): bind constrain; to_normalized above goes through it
            assert same(spec.constrain(plain), _core.constrain(spec.id, plain)), plain
    for normalized in NORMALIZED_PROBES:
        assert same(spec.from_normalized(normalized), _core.from_normalized(spec.id, normalized)), normalized


def test_python_table_equals_the_cores():
    # The JSON written at build time is the table _core was compiled with, row for row.
    assert [row.__dict__ for row in stemglue.parameters()] == [
        {**row, "choices": tuple(row["choices"])} for row in _core.parameters()
    ]


def test_processors_take_exactly_their_modules_parameters():
    tube_keywords = set(stemglue.Tube.parameter_keywords())
    assert tube_keywords == {spec.id.removeprefix("tube_") for spec in stemglue.parameters() if spec.module == "tube"}
    assert set(stemglue.StemGlue.parameter_keywords()) == {spec.id for spec in stemglue.parameters()}
    assert stemglue.reference.Tube.parameter_keywords().keys() == tube_keywords


@pytest.mark.parametrize(
    ("keywords", "message"),
    [
        ({"drive_db": 40}, r"^drive_db must be between -12 and 36 dB; got 40"),
        ({"drive_db": float("nan")}, r"^drive_db must be between"),
        ({"drive_db": "loud"}, r"^drive_db must be a number"),
        ({"oversampling": 3}, r"^oversampling must be one of 1, 2, 4, 8; got 3"),
        ({"adaa": 0.5}, r"^adaa must be 0 or 1"),
        ({"warmth": 1}, r"Tube has no parameter 'warmth'"),
    ],
)
@pytest.mark.parametrize("module", [stemglue.Tube, stemglue.reference.Tube], ids=["native", "reference"])
def test_bad_values_are_rejected_with_the_parameter_and_its_range(module, keywords, message):
    with pytest.raises(ValueError, match=message):
        module(**keywords)


def test_properties_read_and_write_through_validation():
    tube = stemglue.Tube(drive_db=3)
    assert tube.drive_db == 3
    tube.bias = 0.5
    assert tube.get_parameter("tube_bias") == 0.5
    with pytest.raises(ValueError, match="^bias must be between 0 and 1"):  # named as the class names it
        tube.bias = 2
    assert "drive_db=3" in repr(tube)
    tube.set_parameter("drive_db", 9)  # by keyword or by table id
    assert tube.get_parameter("tube_drive_db") == tube.get_parameter("drive_db") == 9
    with pytest.raises(ValueError, match="Tube has no parameter 'room_size_m'; its parameters are: drive_db, "):
        tube.set_parameter("room_size_m", 3)


def test_seed_accepts_only_whole_numbers():
    with pytest.raises(ValueError, match="seed must be a whole number between 0 and 99999"):
        stemglue.StemGlue(seed=1.5)
    assert stemglue.StemGlue(seed=7).seed == 7
    assert _core.is_valid("seed", 99999) and not _core.is_valid("seed", 100000)


def far_value(spec):
    return spec.max if spec.kind != "choice" else spec.choices[-1]


@pytest.mark.parametrize("processor_class", NATIVE_CLASSES, ids=lambda cls: cls.__name__)
def test_every_keyword_property_reaches_its_own_parameter(processor_class):
    # e.g. Tube.mix_percent is tube_mix_percent, never the chain's mix_percent. Read back from the
    # C++ object, not from the Python side's bookkeeping.
    processor = processor_class()
    if not hasattr(processor._core, "get_parameter"):  # TODO(core): every _core processor gets get_parameter(id)
        pytest.skip("this build's _core processors have no get_parameter()")
    for keyword, spec in processor_class.parameter_keywords().items():
        setattr(processor, keyword, far_value(spec))
        assert processor._core.get_parameter(spec.id) == pytest.approx(far_value(spec), rel=1e-6), keyword
        assert getattr(processor, keyword) == far_value(spec)
    # and no keyword moved another parameter
    for spec in processor_class.parameter_keywords().values():
        assert processor._core.get_parameter(spec.id) == pytest.approx(far_value(spec), rel=1e-6), spec.id


@pytest.mark.parametrize("processor_class", REFERENCE_CLASSES, ids=lambda cls: cls.__name__)
def test_every_reference_keyword_property_sets_its_own_parameter(processor_class):
    # The reference has no separate core: its parameter values are what it renders with.
    processor = processor_class()
    for keyword, spec in processor_class.parameter_keywords().items():
        setattr(processor, keyword, far_value(spec))
        assert processor.get_parameter(spec.id) == far_value(spec) and getattr(processor, keyword) == far_value(spec)
    assert processor.parameter_values == {
        spec.id: far_value(spec) for spec in processor_class.parameter_keywords().values()
    }


def test_a_bound_read_back_as_a_32_bit_float_is_the_bound():
    """Ardour reads drift_flutter_percent's 0.3 back as 0.30000001, and StemGlue(**those values) refused it."""
    for spec in stemglue.parameters():
        if spec.kind == "continuous":
            for bound in (spec.min, spec.max):
                taken = spec.validate(float(np.float32(bound)))  # the bound, or its float if inside the range
                assert spec.min <= taken <= spec.max and taken in (bound, float(np.float32(bound))), spec.id
    assert stemglue.Drift(flutter_percent=float(np.float32(0.3))).flutter_percent == 0.3
    with pytest.raises(ValueError, match="flutter_percent must be between 0 and 0.3"):
        stemglue.Drift(flutter_percent=0.3 * (1 + 1e-6))  # beyond a float's rounding: refused
