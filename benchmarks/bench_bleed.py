"""Bleed speed against pedalboard's Chorus on the same audio in the same run (another stem as the
sidechain), and the reference against the native twin."""

import numpy as np
import stemglue
from conftest import BLOCK_SIZE, SAMPLE_RATE
from stemglue import reference


def test_pedalboard_chorus(realtime, program):
    import pedalboard

    chorus = pedalboard.Chorus()
    realtime("pedalboard Chorus", lambda audio: chorus(audio, SAMPLE_RATE, buffer_size=BLOCK_SIZE), program)


def other_stem(program):
    return np.ascontiguousarray(program[:, ::-1])


def test_native(realtime, program):
    bleed, other = stemglue.Bleed(distance_m=2.0, angle_deg=60.0), other_stem(program)
    realtime(
        "native Bleed",
        lambda audio: bleed(audio, SAMPLE_RATE, block_size=BLOCK_SIZE, sidechain=other),
        program,
        baseline="pedalboard Chorus",
    )


def test_reference(realtime, program):
    bleed, other = reference.Bleed(distance_m=2.0, angle_deg=60.0), other_stem(program)[:, :SAMPLE_RATE]
    realtime(
        "reference Bleed",
        lambda audio: bleed(audio, SAMPLE_RATE, block_size=BLOCK_SIZE, sidechain=other),
        program[:, :SAMPLE_RATE],
        rounds=2,
        baseline="native Bleed",
    )
