"""Readable numpy/scipy mirrors of every C++ module: same names, parameters and output.

They are the specification the C++ core is tested against (tests/test_*_parity), not fast code.
"""

from stemglue.reference.drift import Drift
from stemglue.reference.engine import StemGlue
from stemglue.reference.glue_compressor import GlueCompressor
from stemglue.reference.noise import Noise
from stemglue.reference.room import Room
from stemglue.reference.tube import Tube

__all__ = ["Drift", "GlueCompressor", "Noise", "Room", "StemGlue", "Tube"]
