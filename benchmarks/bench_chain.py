"""The whole chain against pedalboard's four-effect chain (Chorus -> Distortion -> Compressor ->
Reverb) on the same audio in the same run, with Humanize on, and the built plugin hosted in
pedalboard against the chain it wraps."""

import pytest
import stemglue
from conftest import BLOCK_SIZE, SAMPLE_RATE
from stemglue.plugin import plugin_path

PEDALBOARD_CHAIN = "pedalboard Chorus > Distortion > Compressor > Reverb"


def test_pedalboard_chain(realtime, program):
    import pedalboard

    chain = pedalboard.Pedalboard(
        [pedalboard.Chorus(), pedalboard.Distortion(), pedalboard.Compressor(), pedalboard.Reverb()]
    )
    realtime(PEDALBOARD_CHAIN, lambda audio: chain(audio, SAMPLE_RATE, buffer_size=BLOCK_SIZE), program)


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("native StemGlue chain", lambda: stemglue.StemGlue()),
        ("native StemGlue chain + Humanize", lambda: stemglue.StemGlue(humanize_enabled=1.0)),
    ],
)
def test_native_chain(realtime, program, name, make):
    chain = make()
    realtime(name, lambda audio: chain(audio, SAMPLE_RATE, block_size=BLOCK_SIZE), program, baseline=PEDALBOARD_CHAIN)


def test_plugin_in_pedalboard(realtime, program):
    """The VST3 bundle's own process() (its parameter and state plumbing around the same core)."""
    import pedalboard

    plugin = pedalboard.load_plugin(str(plugin_path()))
    realtime(
        "StemGlue.vst3 in pedalboard",
        lambda audio: plugin(audio, SAMPLE_RATE, buffer_size=BLOCK_SIZE, reset=True),
        program,
        baseline="native StemGlue chain",
    )
