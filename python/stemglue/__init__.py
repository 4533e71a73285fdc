"""StemGlue: puts back what machine-generated stems leave out.

Each module is a processor with pedalboard-style keywords (``Tube(drive_db=6)``) that renders
``(channels, samples)`` audio with ``fx(audio, sample_rate)``; ``StemGlue.from_preset(name)``
starts the whole chain from a factory preset (``presets()`` lists them). ``stemglue.reference`` holds the
readable numpy versions of the same processors, with the same parameters and output.
"""

from __future__ import annotations

from stemglue._parameters import Parameter, modules, parameter, parameters
from stemglue._presets import Preset, preset, presets
from stemglue.plugin import install_plugin, plugin_path

__version__ = "0.1.0"

__all__ = [
    "Bleed",
    "Drift",
    "GlueCompressor",
    "Humanize",
    "Noise",
    "Parameter",
    "Preset",
    "Room",
    "Session",
    "StemGlue",
    "Tube",
    "install_plugin",
    "modules",
    "parameter",
    "parameters",
    "preset",
    "presets",
    "plugin_path",
    "render_session",
]

# The native processors load the compiled extension on first use, so that `import stemglue.reference`
# (pure numpy) works where _core is not built or cannot load.
_NATIVE = {info.class_name for info in modules()} | {"StemGlue"}


_SESSION = {"Session", "render_session"}
# Subpackages imported on first use, so `stemglue.reference.Tube` works after `import stemglue`
# without loading numpy's twins, the analysis or the catalogue for those who never touch them.
_SUBMODULES = {"reference", "analysis", "catalogue"}


def __getattr__(name: str) -> object:
    if name in _NATIVE:
        from stemglue import _native

        return getattr(_native, name)
    if name in _SESSION:
        from stemglue import session

        return getattr(session, name)
    if name in _SUBMODULES:
        import importlib

        return importlib.import_module(f"stemglue.{name}")
    raise AttributeError(f"module 'stemglue' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _NATIVE | _SESSION | _SUBMODULES)
