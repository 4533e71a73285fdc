"""C++-only checks, built from this checkout with CMake and run with ctest: process() never
allocates and the vectorised dB conversions keep their accuracy (cpp/tests), and a dlopen host
exercises the built VST3 bundle's edge cases (plugin/tests)."""

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


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    build_dir = tmp_path_factory.mktemp("cpp-checks")
    configure = [tool("cmake"), "-S", str(ROOT), "-B", str(build_dir), "-G", "Ninja", f"-DCMAKE_MAKE_PROGRAM={tool('ninja')}",
                 "-DCMAKE_BUILD_TYPE=Release", "-DSTEMGLUE_BUILD_PYTHON=OFF", "-DSTEMGLUE_BUILD_CPP_TESTS=ON"]
    subprocess.run(configure, check=True, capture_output=True, text=True)
    result = subprocess.run([tool("cmake"), "--build", str(build_dir)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return build_dir


@pytest.mark.parametrize("check", ["process_does_not_allocate", "decibels", "vst3_host_checks"])
def test_cpp_check(build, check):
    result = subprocess.run([tool("ctest"), "--test-dir", str(build), "-R", f"^{check}$", "-V"], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-4000:]
    assert "100% tests passed" in result.stdout
    assert " passed, 0 failed" in result.stdout  # the check's own count: it ran and found nothing
