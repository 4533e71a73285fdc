"""What the chain's enable switches cost: every module off against every module on, on the same
audio in the same run. A module whose switch has faded out does not run (only its latency
alignment does), so all off should be many times faster than all on. And what a component at its
minimum level costs: each module with components at their minimum against itself with them on."""

import time

import numpy as np
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


SMOOTH_SWITCHES = [
    spec.id for spec in stemglue.parameters() if spec.id.endswith("_enabled") and spec.timing == "smoothed"
]


def test_switch_on_worst_block(block_times):
    """Every smoothly switched module switched on at once, at 192 kHz in 32-sample blocks with the
    tube at 8x (a block's budget: 0.17 ms): each block's time, the fastest of its trials (a shared
    machine only adds time), then the slowest block of the 50 ms after the switch against the
    steady blocks before it. The modules restart (Noise warms its filters up over their memory) and
    catch up on their last latency and fade of input at two samples in each sample's time; in one
    block, with the warm-up one draw at a time, the switch's block took 0.63 to 0.69 ms."""
    sample_rate, block_size, trials = 192000, 32, 7
    audio = np.tile(0.3 * np.sin(2 * np.pi * 220 * np.arange(sample_rate // 2) / sample_rate), (2, 1)).astype(
        np.float32
    )
    starts = range(0, audio.shape[1] - block_size + 1, block_size)
    switch_on = sample_rate // 4 // block_size * block_size
    fastest = np.full(len(starts), np.inf)
    for _ in range(trials):
        chain = stemglue.StemGlue(tube_oversampling=8, **dict.fromkeys(SMOOTH_SWITCHES, 0))
        chain.prepare(sample_rate, block_size, 2)
        for k, start in enumerate(starts):
            if start == switch_on:
                for switch in SMOOTH_SWITCHES:
                    chain.set_parameter(switch, 1)
            began = time.perf_counter()
            chain.process(audio[:, start : start + block_size])
            fastest[k] = min(fastest[k], time.perf_counter() - began)
    first = switch_on // block_size
    after = fastest[first : first + int(0.05 * sample_rate) // block_size]
    steady = np.median(fastest[first // 2 : first])  # every module off (only the latency alignment runs)
    block_times(
        "switch-on of every module, 192 kHz, 32-sample blocks, Tube 8x",
        budget_ms=1e3 * block_size / sample_rate,
        worst_ms=1e3 * after.max(),
        worst_block=int(after.argmax()),
        steady_off_ms=1e3 * steady,
        on_ms=1e3 * np.median(fastest[-len(after) :]),
    )
