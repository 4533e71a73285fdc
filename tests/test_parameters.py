"""The one parameter table: well-formed, reachable from Python, and the only source of truth."""

import re

import pytest

import stemglue
import stemglue.reference
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


def test_processors_take_exactly_their_modules_parameters():
    tube_keywords = set(stemglue.Tube.parameter_keywords())
    assert tube_keywords == {spec.id.removeprefix("tube_") for spec in stemglue.parameters() if spec.module == "tube"}
    assert set(stemglue.StemGlue.parameter_keywords()) == {spec.id for spec in stemglue.parameters()}
    assert stemglue.reference.Tube.parameter_keywords().keys() == tube_keywords


@pytest.mark.parametrize(
    ("keywords", "message"),
    [
        ({"drive_db": 40}, r"tube_drive_db must be between -12 and 36 dB; got 40"),
        ({"drive_db": float("nan")}, r"tube_drive_db must be between"),
        ({"drive_db": "loud"}, r"tube_drive_db must be a number"),
        ({"oversampling": 3}, r"tube_oversampling must be one of 1, 2, 4, 8; got 3"),
        ({"adaa": 0.5}, r"tube_adaa must be 0 or 1"),
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
    with pytest.raises(ValueError, match="tube_bias must be between 0 and 1"):
        tube.bias = 2
    assert "drive_db=3" in repr(tube)


def test_seed_accepts_only_whole_numbers():
    with pytest.raises(ValueError, match="seed must be a whole number between 0 and 99999"):
        stemglue.StemGlue(seed=1.5)
    assert stemglue.StemGlue(seed=7).seed == 7
    assert _core.is_valid("seed", 99999) and not _core.is_valid("seed", 100000)


PROCESSOR_CLASSES = [stemglue.Tube, stemglue.Drift, stemglue.Noise, stemglue.Room, stemglue.GlueCompressor, stemglue.StemGlue,
                     stemglue.reference.Tube, stemglue.reference.Drift, stemglue.reference.Noise, stemglue.reference.Room,
                     stemglue.reference.GlueCompressor, stemglue.reference.StemGlue]


@pytest.mark.parametrize("processor_class", PROCESSOR_CLASSES, ids=lambda cls: f"{cls.__module__}.{cls.__name__}")
def test_every_keyword_property_reaches_its_own_parameter(processor_class):
    # e.g. Tube.mix_percent is tube_mix_percent, never the chain's mix_percent
    processor = processor_class()
    for keyword, spec in processor_class.parameter_keywords().items():
        value = spec.max if spec.kind != "choice" else spec.choices[-1]
        setattr(processor, keyword, value)
        assert processor.get_parameter(spec.id) == value and getattr(processor, keyword) == value
    assert processor.parameter_values == {spec.id: (spec.max if spec.kind != "choice" else spec.choices[-1])
                                          for spec in processor_class.parameter_keywords().values()}
