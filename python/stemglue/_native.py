"""The C++ processors behind the common Processor API.

Their docstrings, keywords and properties come from the parameter table (see _processor.py); the
lock that serialises callers sharing one instance is the base class's.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from stemglue import _core
from stemglue._processor import Processor


class NativeProcessor(Processor):
    """Delegates the lifecycle to a stemglue._core object; rendering runs without the GIL."""

    _core_class: ClassVar[type]
    dtype = np.float32

    def __init_subclass__(cls, **kwargs: object) -> None:
        if cls.__module__ == __name__:
            cls.__module__ = "stemglue"  # the public name, for repr() and help()
        super().__init_subclass__(**kwargs)

    def __init__(self, **values: object) -> None:
        self._core = self._core_class()
        super().__init__(**values)

    @property
    def latency_samples(self) -> int:
        return self._core.latency_samples

    def _prepare(self, sample_rate: float, max_block_size: int, num_channels: int) -> None:
        self._core.prepare(sample_rate, max_block_size, num_channels)

    def _reset(self) -> None:
        self._core.reset()

    def _apply_parameter(self, parameter_id: str, value: float) -> None:
        self._core.set_parameter(parameter_id, value)

    def _seek(self, position: int) -> None:
        # TODO(core): every _core processor gets seek(position); until then only position 0 works.
        if hasattr(self._core, "seek"):
            self._core.seek(position)
        elif position != 0:
            raise NotImplementedError(f"this build's core cannot start {type(self).__name__} at start_sample={position}")

    def _render(self, audio: np.ndarray, block_size: int) -> np.ndarray:
        return self._core.render(audio, block_size)


class Tube(NativeProcessor):
    module = "tube"
    _core_class = _core.Tube


class Drift(NativeProcessor):
    module = "drift"
    uses_seed = True
    _core_class = _core.Drift


class GlueCompressor(NativeProcessor):
    module = "glue"
    _core_class = _core.GlueCompressor

    @property
    def gain_reduction_db(self) -> float:
        """Gain reduction after the last sample processed, in dB."""
        return self._core.gain_reduction_db


class Noise(NativeProcessor):
    module = "noise"
    uses_seed = True
    _core_class = _core.Noise


class Room(NativeProcessor):
    module = "room"
    uses_seed = True
    _core_class = _core.Room


class StemGlue(NativeProcessor):
    module = None
    _core_class = _core.Engine
