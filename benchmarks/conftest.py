"""Real-time factors measured in one run, so ratios between them survive a noisy, shared machine.
Each takes the fastest of its rounds: on a shared machine other work only ever adds time. A ratio
to a baseline is measured apart, in rounds that time the two back to back (A B, B A, ...), as the
median of the rounds' ratios, so that both members of a ratio see the machine in one state: timed
one after the other, Bleed's ratio to pedalboard's Chorus read 1.86, 2.78 and 1.72 in three runs of
one afternoon, with its code unchanged; the fastest of each over alternating rounds gave the chain
1.11x to 1.43x pedalboard's chain in six runs, the median of the rounds' ratios 1.21x to 1.33x."""

import os
import platform
import re
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

SAMPLE_RATE = 48000
BLOCK_SIZE = 512
SECONDS = 10.0
# A ratio's rounds: with 5, Noise's ratio to pedalboard's Chorus read 1.48x, 1.17x and 1.46x in three
# runs of one code; more rounds let the median pass over a few disturbed ones.
RATIO_ROUNDS = 15

# name -> (real-time factor, baseline name, ratio to the baseline in alternating rounds)
_speeds: dict[str, tuple[float, str | None, float | None]] = {}
_functions: dict[str, tuple[Callable, np.ndarray]] = {}  # name -> what was timed, and on what
_block_times: dict[str, dict[str, float]] = {}  # name -> block times around an event (ms) and where


def _alternating_ratio(function, audio, baseline, baseline_audio, rounds):
    """Real-time factor of function over baseline's: the median over `rounds` rounds, each timing
    both back to back (which goes first alternating), of the round's ratio. Both members of a
    round see the machine in one state; the fastest of each, taken apart, could come from two."""
    ratios = []
    pair = [(function, audio), (baseline, baseline_audio)]
    for round_index in range(rounds):
        seconds = [0.0, 0.0]
        for k in (0, 1) if round_index % 2 == 0 else (1, 0):
            timed, samples = pair[k]
            start = time.perf_counter()
            timed(samples)
            seconds[k] = time.perf_counter() - start
        ratios.append((audio.shape[1] / seconds[0]) / (baseline_audio.shape[1] / seconds[1]))
    return float(np.median(ratios))


@pytest.fixture(scope="session")
def program():
    """Ten seconds of the stereo demo mix at 48 kHz, float32."""
    from stemglue.demo import demo_mix

    return demo_mix(SAMPLE_RATE, SECONDS).astype(np.float32)


@pytest.fixture
def realtime(benchmark):
    """Benchmark fn(audio) and record its real-time factor (audio seconds per wall second)."""

    def run(name, function, audio, rounds=5, baseline=None, baseline_function=None, ratio_rounds=RATIO_ROUNDS):
        """baseline: the name of a processor timed earlier in the run, or of baseline_function
        (timed here on the same audio)."""
        benchmark.pedantic(function, args=(audio,), rounds=rounds, iterations=1, warmup_rounds=1)
        factor = (audio.shape[1] / SAMPLE_RATE) / benchmark.stats.stats.min
        benchmark.extra_info["realtime_factor"] = factor
        timed_baseline = (baseline_function, audio) if baseline_function else _functions.get(baseline)
        ratio = _alternating_ratio(function, audio, *timed_baseline, ratio_rounds) if timed_baseline else None
        _functions[name] = (function, audio)
        _speeds[name] = (factor, baseline, ratio)
        return factor

    return run


@pytest.fixture
def block_times():
    """Record single blocks' times (ms) around an event, for the summary's second table."""

    def record(name, **figures):
        _block_times[name] = figures

    return record


@pytest.fixture
def reference_speed(realtime, program):
    """A numpy reference on one second (it is slow), against its native twin's factor."""

    def run(name, processor, native):
        render = lambda audio: processor(audio, SAMPLE_RATE, block_size=BLOCK_SIZE)  # noqa: E731
        return realtime(name, render, program[:, :SAMPLE_RATE], rounds=2, baseline=native, ratio_rounds=2)

    return run


def _machine() -> tuple[str, float | None]:
    """The CPU's name and clock (MHz, as /proc/cpuinfo reports it now), for the table's heading and
    its cycles: without hardware counters, cycles are time x this clock, an estimate."""
    text = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = re.search(r"model name\s*:\s*(.+)", text)
    clock = re.search(r"cpu MHz\s*:\s*([0-9.]+)", text)
    name = f"{model.group(1) if model else platform.processor()}, {os.cpu_count()} cores"
    return name, float(clock.group(1)) if clock else None


def pytest_terminal_summary(terminalreporter):
    for label, figures in _block_times.items():
        terminalreporter.section("single blocks' times")
        terminalreporter.write_line(
            f"{label}: " + ", ".join(f"{key} {value:.3f}".rstrip("0").rstrip(".") for key, value in figures.items())
        )
    if not _speeds:
        return
    name, clock_mhz = _machine()
    terminalreporter.section("real-time factors (48 kHz stereo, 512-sample blocks), fastest of each's rounds, one run")
    terminalreporter.write_line(f"machine: {name}" + (f", {clock_mhz:.0f} MHz" if clock_mhz else ""))
    width = max(map(len, _speeds))
    terminalreporter.write_line(f"{'processor':{width}} {'x real time':>12} {'cycles/sample':>14}  against")
    for label, (factor, baseline, ratio) in sorted(_speeds.items(), key=lambda item: -item[1][0]):
        # per sample of each of the two channels
        cycles = f"{clock_mhz * 1e6 / (factor * SAMPLE_RATE * 2):14.0f}" if clock_mhz else f"{'':14}"
        against = f"  {ratio:5.2f}x {baseline}" if ratio is not None else ""
        terminalreporter.write_line(f"{label:{width}} {factor:12.1f} {cycles}{against}")
