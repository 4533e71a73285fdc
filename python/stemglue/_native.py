"""The C++ processors behind the common Processor API."""

from __future__ import annotations

import threading
from typing import ClassVar

import numpy as np

from stemglue import _core
from stemglue._processor import Processor


class NativeProcessor(Processor):
    """Delegates the lifecycle to a stemglue._core object; rendering runs without the GIL."""

    _core_class: ClassVar[type]
    dtype = np.float32

    def __init__(self, **values: object) -> None:
        self._core = self._core_class()
        # One instance is not re-entrant: serialise callers that share it across threads.
        self._lock = threading.Lock()
        super().__init__(**values)

    @property
    def latency_samples(self) -> int:
        return self._core.latency_samples

    def _prepare(self, sample_rate: float, max_block_size: int, num_channels: int) -> None:
        with self._lock:
            self._core.prepare(sample_rate, max_block_size, num_channels)

    def _reset(self) -> None:
        with self._lock:
            self._core.reset()

    def seek(self, position: int) -> None:
        """Re-key random streams to a timeline position (the next sample's); audio state is kept."""
        with self._lock:
            self._core.seek(int(position))

    def _apply_parameter(self, parameter_id: str, value: float) -> None:
        with self._lock:
            self._core.set_parameter(parameter_id, value)

    def _render(self, audio: np.ndarray, block_size: int) -> np.ndarray:
        with self._lock:
            return self._core.render(audio, block_size)


class Tube(NativeProcessor):
    """Tube saturation: drive, bias, bloom, tone, level compensation, mix; ADAA + oversampling."""

    module = "tube"
    _core_class = _core.Tube


class Drift(NativeProcessor):
    """Analog drift: wow and flutter (set as a weighted meter reads them), slow tilt and gain wander."""

    module = "drift"
    uses_seed = True
    uses_track_id = True
    _core_class = _core.Drift


class GlueCompressor(NativeProcessor):
    """Bus compressor: threshold, ratio, soft knee, attack, release or auto release, sidechain
    high-pass, makeup, mix. gain_reduction_db reads the reduction after the last sample."""

    module = "glue"
    _core_class = _core.GlueCompressor

    @property
    def gain_reduction_db(self) -> float:
        return self._core.gain_reduction_db


class Noise(NativeProcessor):
    """Noise floor: hiss (white to pink), mains hum and buzz, room tone, tape modulation noise."""

    module = "noise"
    uses_seed = True
    uses_track_id = True
    _core_class = _core.Noise


class Room(NativeProcessor):
    """A shared room: image-source early reflections from the room's geometry and a 16-line FDN
    tail with frequency-dependent decay; predelay, size, RT60, damping, width, mix."""

    module = "room"
    uses_seed = True
    _core_class = _core.Room


class StemGlue(NativeProcessor):
    """The whole chain (Room -> Tube -> Drift -> Noise -> Glue) with global mix, output gain, bypass and seed."""

    module = None
    _core_class = _core.Engine
