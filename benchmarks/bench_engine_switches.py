"""What the chain's enable switches cost: every module off against every module on, on the same
audio in the same run. A module whose switch has faded out does not run (only its latency
alignment does), so all off should be many times faster than all on. And what a component at its
minimum level costs: each module with components at their minimum against itself with them on."""

import pytest
import stemglue
from bench_drift_noise import AUDIBLE_NOISE
from conftest import BLOCK_SIZE, SAMPLE_RATE

ALL_OFF = {f"{info.id}_enabled": 0 for info in stemglue.modules()}


def test_chain_all_modules_on(realtime, program):
    chain = stemglue.StemGlue()
    realtime("StemGlue all modules on", lambda audio: chain(audio, SAMPLE_RATE, block_size=BLOCK_SIZE), program)


def test_chain_all_modules_off(realtime, program):
    chain = stemglue.StemGlue(**ALL_OFF)
    realtime(
        "StemGlue all modules off",
        lambda audio: chain(audio, SAMPLE_RATE, block_size=BLOCK_SIZE),
        program,
        baseline="StemGlue all modules on",
    )


NOISE_OFF = dict.fromkeys(AUDIBLE_NOISE, -120.0)
DRIFT_STILL = {"wow_percent": 0.0, "flutter_percent": 0.0, "tilt_db": 0.0, "gain_db": 0.0}


@pytest.mark.parametrize(
    ("name", "make", "baseline"),
    [
        ("native Noise, every component at minimum", lambda: stemglue.Noise(**NOISE_OFF), "native Noise"),
        ("native Drift, every component at 0", lambda: stemglue.Drift(**DRIFT_STILL), "native Drift"),
        ("native Tube 2x, bloom 0 %", lambda: stemglue.Tube(bloom_percent=0.0), "native Tube 2x"),
        ("native Room, early/late 0 %", lambda: stemglue.Room(early_percent=0.0), "native Room"),
        (
            "native GlueCompressor, auto makeup off",
            lambda: stemglue.GlueCompressor(auto_makeup=0),
            "native GlueCompressor",
        ),
    ],
)
def test_components_at_minimum(realtime, program, name, make, baseline):
    processor = make()
    realtime(name, lambda audio: processor(audio, SAMPLE_RATE, block_size=BLOCK_SIZE), program, baseline=baseline)
