"""Readable numpy/scipy mirrors of every C++ module: same names, parameters and output.

They are the specification the C++ core is tested against (the parity tests in tests/), not fast
code. Each module lives in its own file, named like its C++ file; the module list finds them.
"""

from stemglue.reference.engine import MODULE_CLASSES, StemGlue

globals().update(MODULE_CLASSES)

__all__ = ["Bleed", "Drift", "GlueCompressor", "Humanize", "Noise", "Room", "StemGlue", "Tube"]
