"""Real-time factors measured in one run, so ratios between them survive a noisy, shared machine."""

import numpy as np
import pytest

SAMPLE_RATE = 48000
BLOCK_SIZE = 512
SECONDS = 10.0

_speeds: dict[str, tuple[float, str | None]] = {}  # name -> (real-time factor, baseline name)


@pytest.fixture(scope="session")
def program():
    """Ten seconds of the stereo demo mix at 48 kHz, float32."""
    from stemglue.demo import demo_mix

    return demo_mix(SAMPLE_RATE, SECONDS).astype(np.float32)


@pytest.fixture
def realtime(benchmark):
    """Benchmark fn(audio) and record its real-time factor (audio seconds per wall second)."""

    def run(name, function, audio, rounds=5, baseline=None):
        benchmark.pedantic(function, args=(audio,), rounds=rounds, iterations=1, warmup_rounds=1)
        factor = (audio.shape[1] / SAMPLE_RATE) / benchmark.stats.stats.mean
        benchmark.extra_info["realtime_factor"] = factor
        _speeds[name] = (factor, baseline)
        return factor

    return run


@pytest.fixture
def reference_speed(realtime, program):
    """A numpy reference on one second (it is slow), against its native twin's factor."""

    def run(name, processor, native):
        render = lambda audio: processor(audio, SAMPLE_RATE, block_size=BLOCK_SIZE)  # noqa: E731
        return realtime(name, render, program[:, :SAMPLE_RATE], rounds=2, baseline=native)

    return run


def pytest_terminal_summary(terminalreporter):
    if not _speeds:
        return
    terminalreporter.section("real-time factors (48 kHz stereo, 512-sample blocks) and ratios, one run")
    for name, (factor, baseline) in sorted(_speeds.items(), key=lambda item: -item[1][0]):
        ratio = f"  {factor / _speeds[baseline][0]:6.2f}x {baseline}" if baseline in _speeds else ""
        terminalreporter.write_line(f"{name:34} {factor:10.1f}x real time{ratio}")
