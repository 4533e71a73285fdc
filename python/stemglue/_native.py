"""The C++ processors behind the common Processor API.

Their docstrings, keywords and properties come from the parameter table (see _processor.py); the
lock that serialises callers sharing one instance is the base class's.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from stemglue import _core
from stemglue._parameters import Module, modules
from stemglue._presets import FromPreset
from stemglue._processor import Processor, timeline_position


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

    @property
    def tail_samples(self) -> int:
        """Samples the output keeps sounding after the input stops, beyond the latency; -1: never ends."""
        return self._core.tail_samples

    def _prepare(self, sample_rate: float, max_block_size: int, num_channels: int) -> None:
        self._core.prepare(sample_rate, max_block_size, num_channels)

    def _reset(self) -> None:
        self._core.reset()

    def _apply_parameter(self, parameter_id: str, value: float) -> None:
        self._core.set_parameter(parameter_id, value)

    def seek(self, position: int) -> None:
        """Key random streams to the timeline position of the next sample; audio state is kept."""
        position = timeline_position(position)
        with self._lock:
            self._core.seek(position)

    def _render(
        self, audio: np.ndarray, block_size: int, sidechain: np.ndarray | None = None, flush: int = 0
    ) -> np.ndarray:
        return self._core.render(audio, block_size, sidechain, flush)


class _GainReductionReadout:
    @property
    def gain_reduction_db(self) -> float:
        """Gain reduction after the last sample processed, in dB."""
        return self._core.gain_reduction_db


# What a module shows besides its parameters, by class name.
_READOUTS: dict[str, tuple[type, ...]] = {"GlueCompressor": (_GainReductionReadout,)}


def _module_class(info: Module) -> type[NativeProcessor]:
    """stemglue.<ClassName> for one entry of the module list."""
    bases = (*_READOUTS.get(info.class_name, ()), NativeProcessor)
    namespace = {"module": info.id, "random_keys": info.random_keys, "_core_class": getattr(_core, info.class_name)}
    return type(info.class_name, bases, namespace)


MODULE_CLASSES = {info.class_name: _module_class(info) for info in modules()}
globals().update(MODULE_CLASSES)


class StemGlue(FromPreset, NativeProcessor):
    module = None
    _core_class = _core.Engine
