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
    ("name", "processor_class", "settings"),
    [
        ("native Noise, every component at minimum", stemglue.Noise, NOISE_OFF),
        ("native Drift, every component at 0", stemglue.Drift, DRIFT_STILL),
        ("native Tube 2x, bloom 0 %", stemglue.Tube, {"bloom_percent": 0.0}),
        ("native Room, early/late 0 %", stemglue.Room, {"early_percent": 0.0}),
        ("native GlueCompressor, auto makeup off", stemglue.GlueCompressor, {"auto_makeup": 0}),
    ],
)
def test_components_at_minimum(realtime, program, name, processor_class, settings):
    """Against the same module at its defaults, timed in alternating rounds."""
    at_minimum, at_defaults = processor_class(**settings), processor_class()
    realtime(
        name,
        lambda audio: at_minimum(audio, SAMPLE_RATE, block_size=BLOCK_SIZE),
        program,
        baseline=f"{processor_class.__name__} at its defaults",
        baseline_function=lambda audio: at_defaults(audio, SAMPLE_RATE, block_size=BLOCK_SIZE),
    )
