"""Room and GlueCompressor speed against pedalboard's Reverb (an 8-comb Freeverb) and Compressor,
on the same audio in the same run."""

import pytest
import stemglue
from conftest import BLOCK_SIZE, SAMPLE_RATE
from stemglue import reference


def test_pedalboard_reverb(realtime, program):
    import pedalboard

    reverb = pedalboard.Reverb()
    realtime("pedalboard Reverb", lambda audio: reverb(audio, SAMPLE_RATE, buffer_size=BLOCK_SIZE), program)


def test_pedalboard_compressor(realtime, program):
    import pedalboard

    compressor = pedalboard.Compressor(threshold_db=-18, ratio=2)
    realtime("pedalboard Compressor", lambda audio: compressor(audio, SAMPLE_RATE, buffer_size=BLOCK_SIZE), program)


def test_native_room(realtime, program):
    room = stemglue.Room(mix_percent=100)
    realtime(
        "native Room",
        lambda audio: room(audio, SAMPLE_RATE, block_size=BLOCK_SIZE),
        program,
        baseline="pedalboard Reverb",
    )


def test_native_glue(realtime, program):
    glue = stemglue.GlueCompressor()
    realtime(
        "native GlueCompressor",
        lambda audio: glue(audio, SAMPLE_RATE, block_size=BLOCK_SIZE),
        program,
        baseline="pedalboard Compressor",
    )


@pytest.mark.parametrize(
    ("name", "make", "native"),
    [
        ("reference Room", lambda: reference.Room(mix_percent=100), "native Room"),
        ("reference GlueCompressor", reference.GlueCompressor, "native GlueCompressor"),
    ],
)
def test_reference(reference_speed, name, make, native):
    reference_speed(name, make(), native)
