"""Humanize speed against pedalboard's Chorus on the same audio in the same run."""

import stemglue
from conftest import BLOCK_SIZE, SAMPLE_RATE
from stemglue import reference


def test_pedalboard_chorus(realtime, program):
    import pedalboard

    chorus = pedalboard.Chorus()
    realtime("pedalboard Chorus", lambda audio: chorus(audio, SAMPLE_RATE, buffer_size=BLOCK_SIZE), program)


def test_native(realtime, program):
    humanize = stemglue.Humanize(timing_ms=8.0)
    realtime(
        "native Humanize",
        lambda audio: humanize(audio, SAMPLE_RATE, block_size=BLOCK_SIZE),
        program,
        baseline="pedalboard Chorus",
    )


def test_reference(reference_speed):
    reference_speed("reference Humanize", reference.Humanize(timing_ms=8.0), "native Humanize")
