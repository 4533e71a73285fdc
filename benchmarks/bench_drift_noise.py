"""Drift and Noise speed against pedalboard's Chorus (its closest built-in to
a modulated delay) on the same audio in the same run."""

import pytest
import stemglue
from conftest import BLOCK_SIZE, SAMPLE_RATE
from stemglue import reference

AUDIBLE_NOISE = {"hiss_db": -60.0, "hum_db": -66.0, "room_db": -60.0, "modulation_db": -50.0}  # every component on


def test_pedalboard_chorus(realtime, program):
    import pedalboard

    chorus = pedalboard.Chorus()
    realtime("pedalboard Chorus", lambda audio: chorus(audio, SAMPLE_RATE, buffer_size=BLOCK_SIZE), program)


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("native Drift", lambda: stemglue.Drift()),
        ("native Noise", lambda: stemglue.Noise(**AUDIBLE_NOISE)),
    ],
)
def test_native(realtime, program, name, make):
    processor = make()
    realtime(
        name, lambda audio: processor(audio, SAMPLE_RATE, block_size=BLOCK_SIZE), program, baseline="pedalboard Chorus"
    )


@pytest.mark.parametrize(
    ("name", "make", "native"),
    [
        ("reference Drift", reference.Drift, "native Drift"),
        ("reference Noise", lambda: reference.Noise(**AUDIBLE_NOISE), "native Noise"),
    ],
)
def test_reference(reference_speed, name, make, native):
    reference_speed(name, make(), native)
