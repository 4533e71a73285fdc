"""The StemGlue.vst3 bundle: layout, exports, installation."""

import platform
import subprocess
import sys
from pathlib import Path

import pytest
import stemglue

COMMAND = str(Path(sys.executable).parent / "stemglue")


def test_bundle_layout():
    bundle = stemglue.plugin_path()
    assert bundle.name == "StemGlue.vst3" and bundle.is_dir()
    assert (bundle / "Contents" / f"{platform.machine()}-linux" / "StemGlue.so").is_file()


def test_only_the_three_entry_points_are_exported():
    binary = stemglue.plugin_path() / "Contents" / f"{platform.machine()}-linux" / "StemGlue.so"
    symbols = subprocess.run(["nm", "-D", "--defined-only", str(binary)], capture_output=True, text=True, check=True)
    exported = {line.split()[-1] for line in symbols.stdout.splitlines() if line.split()[1] in "TDBWVRi"}
    assert exported == {"GetPluginFactory", "ModuleEntry", "ModuleExit"}
    needed = subprocess.run(["readelf", "-d", str(binary)], capture_output=True, text=True, check=True).stdout
    assert "libstdc++" not in needed  # the C++ runtime is linked in, so hosts' own copies cannot clash


def test_install_plugin_copies_and_never_clobbers(tmp_path):
    destination = tmp_path / "vst3"
    result = subprocess.run([COMMAND, "install-plugin", "--destination", destination], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    installed = destination / "StemGlue.vst3" / "Contents" / f"{platform.machine()}-linux" / "StemGlue.so"
    assert (
        installed.read_bytes()
        == (stemglue.plugin_path() / installed.relative_to(destination / "StemGlue.vst3")).read_bytes()
    )
    # The same build again: nothing to do.
    assert stemglue.install_plugin(destination) == destination / "StemGlue.vst3"
    # A different bundle is kept unless forced.
    installed.write_bytes(b"someone else's build")
    result = subprocess.run([COMMAND, "install-plugin", "--destination", destination], capture_output=True, text=True)
    assert result.returncode == 2 and "--overwrite" in result.stderr
    assert installed.read_bytes() == b"someone else's build"
    stemglue.install_plugin(destination, force=True)
    assert installed.read_bytes() != b"someone else's build"
    assert sorted(p.name for p in destination.iterdir()) == ["StemGlue.vst3", "presets"]


def test_install_plugin_defaults_to_home_vst3(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    assert stemglue.install_plugin() == tmp_path / ".vst3" / "StemGlue.vst3"


@pytest.mark.parametrize("host", ["pedalboard", "dawdreamer"])
def test_hosts_are_installed(host):
    __import__(host)  # the real-host tests must never be skipped for want of a host
