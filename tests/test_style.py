"""The tree passes its own style checks: ruff (lint and format) for Python, clang-format for C++."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PYTHON_TREES = ["python", "tests", "benchmarks"]


def tool(name: str) -> str:
    path = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed; it is a test dependency (pip install '.[test]')")
    return path


def test_python_passes_ruff():
    lint = subprocess.run([tool("ruff"), "check", *PYTHON_TREES], cwd=ROOT, capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    formatting = subprocess.run(
        [tool("ruff"), "format", "--check", *PYTHON_TREES], cwd=ROOT, capture_output=True, text=True
    )
    assert formatting.returncode == 0, formatting.stdout + formatting.stderr


def test_cpp_passes_clang_format():
    files = subprocess.run(["git", "ls-files", "*.h", "*.cpp"], cwd=ROOT, capture_output=True, text=True, check=True)
    sources = files.stdout.split()
    assert sources, "no C++ sources found: is this a git checkout?"
    result = subprocess.run(
        [tool("clang-format"), "--dry-run", "--Werror", *sources], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[:4000]
