"""C++-only checks, built from this checkout with CMake and run with ctest: process() never
allocates and the vectorised dB conversions keep their accuracy (cpp/tests), and a dlopen host
exercises the built VST3 bundle's edge cases (plugin/tests). A second, sanitized build
(STEMGLUE_SANITIZE: AddressSanitizer + UndefinedBehaviorSanitizer) runs the hostile-parameter check;
a third, baseline-only build (STEMGLUE_NO_MULTIVERSION) renders the bytes the vector clones render,
and so does a fourth compiled for AVX2 throughout."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TOOLS = Path(sys.executable).parent


def tool(name):
    found = TOOLS / name if (TOOLS / name).exists() else shutil.which(name)
    assert found, f"{name} is needed (it is in the [test] extra)"
    return str(found)


def configure_and_build(build_dir: Path, *options: str, target: str | None = None) -> Path:
    """A Release build of the C++ checks with Ninja (both from the [test] extra) and extra CMake options."""
    configure = [tool("cmake"), "-S", str(ROOT), "-B", str(build_dir), "-G", "Ninja",
                 f"-DCMAKE_MAKE_PROGRAM={tool('ninja')}", "-DCMAKE_BUILD_TYPE=Release", "-DSTEMGLUE_BUILD_PYTHON=OFF",
                 "-DSTEMGLUE_BUILD_CPP_TESTS=ON", *options]  # fmt: skip
    subprocess.run(configure, check=True, capture_output=True, text=True)
    command = [tool("cmake"), "--build", str(build_dir), "-j", "2"] + (["--target", target] if target else [])
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return build_dir


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    return configure_and_build(tmp_path_factory.mktemp("cpp-checks"))


@pytest.mark.parametrize(
    "check",
    ["process_does_not_allocate", "decibels", "sine_cosine", "sinc_interpolator", "delay_line", "vst3_host_checks"],
)
def test_cpp_check(build, check):
    result = subprocess.run(
        [tool("ctest"), "--test-dir", str(build), "-R", f"^{check}$", "-V"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout[-4000:]
    assert "100% tests passed" in result.stdout
    assert " passed, 0 failed" in result.stdout  # the check's own count: it ran and found nothing


@pytest.fixture(scope="module")
def sanitized_build(tmp_path_factory):
    """The core and the hostile-parameter check only, instrumented (no Python module, no plugin)."""
    build_dir = tmp_path_factory.mktemp("cpp-checks-sanitized")
    return configure_and_build(build_dir, "-DSTEMGLUE_BUILD_VST3=OFF", "-DSTEMGLUE_SANITIZE=ON",
                               target="test_hostile_parameters")  # fmt: skip


SANITIZER_REPORT = re.compile(r"ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|SUMMARY: \w+Sanitizer")


def test_hostile_parameters_under_sanitizers(sanitized_build):
    """Every module, every table parameter, set to NaN, +-inf, +-1e9, min - 1, max + 1, 16 and -1:
    no out-of-bounds access, no undefined behaviour, and finite output on noise and NaN/inf input."""
    environment = dict(os.environ, ASAN_OPTIONS="abort_on_error=0:detect_leaks=1", UBSAN_OPTIONS="print_stacktrace=1")
    result = subprocess.run(
        [str(sanitized_build / "cpp" / "test_hostile_parameters")],
        capture_output=True,
        text=True,
        env=environment,
        timeout=600,
    )
    cases = [line for line in result.stderr.splitlines() if line.startswith("case ")]
    report = [line for line in result.stderr.splitlines() if not line.startswith("case ")]
    where = f"in {cases[-1][5:]}" if cases else "before the first case"
    if SANITIZER_REPORT.search(result.stderr):
        pytest.fail(f"sanitizer report {where}:\n" + "\n".join(report[:40]), pytrace=False)
    failures = [line for line in result.stdout.splitlines() if line.startswith("FAIL")]
    if result.returncode != 0:
        pytest.fail(
            f"exit {result.returncode}; {len(failures)} non-finite cases:\n"
            + "\n".join(failures[:40])
            + "\n"
            + result.stdout[-300:],
            pytrace=False,
        )
    assert re.search(r"^[1-9]\d* passed, 0 failed$", result.stdout, re.MULTILINE), result.stdout[-2000:]


@pytest.fixture(scope="module")
def baseline_build(tmp_path_factory):
    """The core without its vector clones, and the fingerprint program only."""
    build_dir = tmp_path_factory.mktemp("cpp-checks-baseline")
    return configure_and_build(build_dir, "-DSTEMGLUE_BUILD_VST3=OFF", "-DSTEMGLUE_NO_MULTIVERSION=ON",
                               target="render_fingerprint")  # fmt: skip


def test_vector_clones_and_baseline_code_render_the_same_bytes(build, baseline_build):
    """Every module on, every oversampling factor, three block sizes: the clones this machine runs
    (x86-64-v4 or v3) and the baseline x86-64 code give bit-identical output."""
    cloned = subprocess.run([str(build / "cpp" / "render_fingerprint")], capture_output=True, text=True, check=True)
    if "ran the baseline code" in cloned.stdout:
        pytest.skip("this CPU lacks part of x86-64-v3: both builds run the baseline code, nothing to compare")
    baseline = subprocess.run(
        [str(baseline_build / "cpp" / "render_fingerprint")], capture_output=True, text=True, check=True
    )
    assert re.search(r"ran the x86-64-v[34] clones", cloned.stdout) and "ran the baseline code" in baseline.stdout
    assert cloned.stdout.split()[1] == baseline.stdout.split()[1], (cloned.stdout, baseline.stdout)


def test_avx2_code_renders_the_same_bytes(build, baseline_build, tmp_path_factory):
    """The AVX2 (x86-64-v3) code on its own, compiled for it throughout: on a machine whose loader
    picks the AVX-512 clones, the test above never runs the v3 ones."""
    cloned = subprocess.run([str(build / "cpp" / "render_fingerprint")], capture_output=True, text=True, check=True)
    if "ran the baseline code" in cloned.stdout:
        pytest.skip("this CPU lacks part of x86-64-v3: it cannot run AVX2 code")
    avx2_build = configure_and_build(tmp_path_factory.mktemp("cpp-checks-avx2"), "-DSTEMGLUE_BUILD_VST3=OFF",
                                     "-DSTEMGLUE_NO_MULTIVERSION=ON", "-DCMAKE_CXX_FLAGS=-march=x86-64-v3",
                                     target="render_fingerprint")  # fmt: skip
    avx2, baseline = (
        subprocess.run([str(folder / "cpp" / "render_fingerprint")], capture_output=True, text=True, check=True)
        for folder in (avx2_build, baseline_build)
    )
    assert avx2.stdout.split()[1] == baseline.stdout.split()[1], (avx2.stdout, baseline.stdout)
