"""StemGlue: puts back what machine-generated stems leave out.

Each module is a processor with pedalboard-style keywords (``Tube(drive_db=6)``) that renders
``(channels, samples)`` audio with ``fx(audio, sample_rate)``. ``stemglue.reference`` holds the
readable numpy versions of the same processors, with the same parameters and output.
"""

from stemglue._native import Drift, GlueCompressor, Noise, Room, StemGlue, Tube
from stemglue._parameters import Parameter, parameter, parameters
from stemglue.plugin import install_plugin, plugin_path

__version__ = "0.1.0"

__all__ = ["Drift", "GlueCompressor", "Noise", "Parameter", "Room", "StemGlue", "Tube", "install_plugin", "parameter", "parameters", "plugin_path"]
