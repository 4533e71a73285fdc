"""Hostile parameter values through the raw bindings (stemglue._core), which hosts and the Python
layer both sit on: whatever double set_parameter() receives (NaN, +-inf, huge, negative, out of
range), the core must clamp it, never crash, and keep its output finite (DESIGN.md, "Hostile input
never leaks"). A ValueError from set_parameter is accepted as a clear refusal.

A bad value may corrupt memory or kill the process, so every batch of cases runs in a child
process; a crash fails the test naming the case that was running, and the rest still run.
"""

from __future__ import annotations

import json
import math
import signal
import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st
from stemglue import _core
from strategies import hostile_value

CLASSES = ["Tube", "Drift", "Noise", "Room", "GlueCompressor", "Engine"]
TABLE = [SimpleNamespace(**entry) for entry in _core.parameters()]
SAMPLES = 600


# --- the child: runs cases and reports each on its own line ------------------------------------------


def _signals(channels: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    noise = np.random.default_rng(seed).uniform(-1, 1, (channels, SAMPLES)).astype(np.float32)
    hostile = np.resize(np.array([np.nan, np.inf, 0.5, -np.inf, -0.25], np.float32), (channels, SAMPLES))
    return noise, np.ascontiguousarray(hostile)


def run_case(case: dict) -> str | None:
    """None if the case is fine, else what went wrong."""
    processor = getattr(_core, case["class"])()
    processor.prepare(case["rate"], case["block"], case["channels"])
    noise, hostile = _signals(case["channels"], case.get("seed", 0))
    processor.render(noise, case["block"])
    for parameter_id, value in case["settings"]:
        try:
            processor.set_parameter(parameter_id, value)
        except ValueError:
            return None  # a clear refusal is acceptable
    stages = [("gliding to the value", noise)]
    if case["reset"]:
        stages.append(("after reset()", None))
    stages += [("on noise", noise), ("on NaN/inf input", hostile), ("on noise afterwards", noise)]
    for stage, audio in stages:
        if audio is None:
            processor.reset()
            continue
        output = processor.render(audio, case["block"])
        bad = np.count_nonzero(~np.isfinite(output))
        if bad:
            return f"{bad} of {output.size} output samples non-finite {stage}"
    latency = processor.latency_samples
    if not 0 <= latency <= case["rate"]:
        return f"latency_samples {latency}"
    return None


def worker() -> None:
    cases = json.loads(sys.stdin.read())
    for index, case in enumerate(cases):
        print(f"start {index}", flush=True)
        try:
            problem = run_case(case)
        except Exception as error:  # noqa: BLE001 - reported to the parent, which fails the test
            problem = f"raised {type(error).__name__}: {error}"
        print(f"done {index} {json.dumps(problem)}", flush=True)


# --- the parent: runs batches in children, survives their crashes ----------------------------------------


def describe(case: dict) -> str:
    values = ", ".join(f"{parameter_id}={value!r}" for parameter_id, value in case["settings"])
    extra = f"rate {case['rate']}, block {case['block']}, {case['channels']} ch{', reset' if case['reset'] else ''}"
    return f"_core.{case['class']}: {values} ({extra})"


def crash_report(child: subprocess.CompletedProcess) -> str:
    how = f"signal {signal.Signals(-child.returncode).name}" if child.returncode < 0 else f"exit {child.returncode}"
    first_lines = " | ".join(line for line in child.stderr.splitlines()[:3])
    return f"CRASHED the process ({how}) {first_lines}".rstrip()


def confirm_alone(case: dict) -> str:
    """Heap corruption may crash a later case than the one that caused it: rerun the case alone."""
    child = subprocess.run(
        [sys.executable, __file__, "--worker"], input=json.dumps([case]), capture_output=True, text=True, timeout=300
    )
    if child.returncode != 0:
        return " (also alone)"
    return " (NOT alone: an earlier case in the same process may have corrupted memory)"


def run_cases(cases: list[dict]) -> list[str]:
    """Problems found, one line each. A child that dies is restarted after the case it died in."""
    problems = []
    remaining = cases
    while remaining:
        child = subprocess.run(
            [sys.executable, __file__, "--worker"],
            input=json.dumps(remaining),
            capture_output=True,
            text=True,
            timeout=300,
        )
        started = None
        finished = 0
        for line in child.stdout.splitlines():
            word, index, *rest = line.split(" ", 2)
            if word == "start":
                started = int(index)
            elif word == "done":
                finished = int(index) + 1
                problem = json.loads(rest[0])
                if problem:
                    problems.append(f"{describe(remaining[int(index)])}: {problem}")
        if child.returncode == 0 and finished == len(remaining):
            break
        if started is None or started < finished:  # died outside a case: nothing to attribute it to
            pytest.fail(f"fuzz worker failed (exit {child.returncode}):\n{child.stderr[-3000:]}", pytrace=False)
        problems.append(f"{describe(remaining[started])}: {crash_report(child)}{confirm_alone(remaining[started])}")
        remaining = remaining[started + 1 :]
    return problems


def check(cases: list[dict]) -> None:
    problems = sorted(run_cases(cases), key=lambda problem: "CRASHED" not in problem)  # crashes first
    if problems:
        shown = "\n".join(problems[:60])
        more = f"\n... and {len(problems) - 60} more" if len(problems) > 60 else ""
        pytest.fail(f"{len(problems)} of {len(cases)} cases failed:\n{shown}{more}", pytrace=False)


# --- the tests ------------------------------------------------------------------------------------------------


def edge_values(spec) -> list[float]:
    return [math.nan, math.inf, -math.inf, -1e9, 1e9, spec.min - 1, spec.max + 1, 16.0, -1.0, 1e300, spec.min, spec.max]


@pytest.mark.parametrize("class_name", CLASSES)
def test_every_parameter_at_every_edge_value(class_name):
    """Each table parameter alone at each edge value, set while running and then after reset()."""
    check(
        [
            {
                "class": class_name,
                "rate": 48000,
                "block": 256,
                "channels": 2,
                "reset": True,
                "settings": [[spec.id, value]],
            }
            for spec in TABLE
            for value in edge_values(spec)
        ]
    )


@st.composite
def cases(draw):
    parameters = draw(st.lists(st.sampled_from(TABLE), min_size=1, max_size=4))
    return {
        "class": draw(st.sampled_from(CLASSES)),
        "rate": draw(st.sampled_from([8000, 44100, 48000, 96000])),
        "block": draw(st.integers(1, 700)),
        "channels": draw(st.integers(1, 2)),
        "reset": draw(st.booleans()),
        "seed": draw(st.integers(0, 1000)),
        "settings": [[spec.id, draw(hostile_value(spec))] for spec in parameters],
    }


# Every example is a batch of cases in one child process (a child start costs about as much as
# the batch); no shrinking: the report already names the exact case.
@settings(max_examples=12, deadline=None, phases=[Phase.explicit, Phase.generate], database=None)
@given(batch=st.lists(cases(), min_size=10, max_size=10))
def test_any_combination_of_values(batch):
    """Several parameters at once, any block size, channel count and rate."""
    check(batch)


if __name__ == "__main__" and sys.argv[1:] == ["--worker"]:
    worker()
