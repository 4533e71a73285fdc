"""Tube speed: every oversampling factor, native vs reference, against pedalboard's Distortion."""

import pytest
import stemglue
from conftest import BLOCK_SIZE, SAMPLE_RATE
from stemglue import reference


def test_pedalboard_distortion(realtime, program):
    import pedalboard

    distortion = pedalboard.Distortion(drive_db=6)
    realtime("pedalboard Distortion", lambda audio: distortion(audio, SAMPLE_RATE, buffer_size=BLOCK_SIZE), program)


@pytest.mark.parametrize("factor", [1, 2, 4, 8])
def test_native_tube(realtime, program, factor):
    tube = stemglue.Tube(oversampling=factor)
    realtime(
        f"native Tube {factor}x",
        lambda audio: tube(audio, SAMPLE_RATE, block_size=BLOCK_SIZE),
        program,
        baseline="pedalboard Distortion",
    )


def test_reference_tube(reference_speed):
    reference_speed("reference Tube 2x", reference.Tube(), "native Tube 2x")
