"""What every StemGlue processor shares, native (C++) and reference (numpy) alike.

The lifecycle mirrors the C++ core: ``prepare(sample_rate, max_block_size, num_channels)``,
``reset()``, ``set_parameter(id, value)`` (plain units, validated here), ``process(block)``
(``(channels, samples)``, at most ``max_block_size`` samples, returns the processed block) and
``latency_samples``. On top of it, ``fx(audio, sample_rate)`` renders a whole signal, as
pedalboard's plugins do.
"""

from __future__ import annotations

import numbers
from typing import ClassVar

import numpy as np

from stemglue._parameters import Parameter, parameter, parameters

MAX_CHANNELS = 64
MIN_SAMPLE_RATE = 1000.0
MAX_SAMPLE_RATE = 768000.0


def as_audio(audio: object) -> np.ndarray:
    """Validate user audio and return it as a 2-D (channels, samples) float array (not a copy)."""
    array = np.asarray(audio)
    if array.dtype.kind != "f":
        raise ValueError(f"audio must be a float array (float32 or float64); got dtype {array.dtype}")
    if array.ndim == 1:
        return array[np.newaxis, :]
    if array.ndim != 2:
        raise ValueError(f"audio must be 1-D (mono) or 2-D (channels, samples); got shape {array.shape}")
    if array.shape[0] == 0:
        raise ValueError("audio must have at least one channel; got shape (0, ...)")
    if array.shape[0] > MAX_CHANNELS:
        raise ValueError(
            f"audio must be (channels, samples) with at most {MAX_CHANNELS} channels; got shape "
            f"{array.shape} (transpose it if it is (samples, channels))"
        )
    return array


def check_sample_rate(sample_rate: object) -> float:
    if isinstance(sample_rate, bool) or not isinstance(sample_rate, numbers.Real):
        raise ValueError(f"sample_rate must be a number in Hz; got {sample_rate!r}")
    rate = float(sample_rate)
    if not MIN_SAMPLE_RATE <= rate <= MAX_SAMPLE_RATE:
        raise ValueError(f"sample_rate must be between {MIN_SAMPLE_RATE:g} and {MAX_SAMPLE_RATE:g} Hz; got {sample_rate!r}")
    return rate


class Processor:
    """Base of every processor. Subclasses set ``module`` and implement the lifecycle hooks."""

    #: Table module whose parameters this processor takes ("tube", ...); None takes every parameter.
    module: ClassVar[str | None] = None
    #: Whether a module class also takes the global seed (modules that draw random numbers).
    uses_seed: ClassVar[bool] = False
    #: Whether a module class also takes the track id (modules with per-track randomness).
    uses_track_id: ClassVar[bool] = False
    #: Sample type of process(): float32 for the C++ core, float64 for the reference.
    dtype: ClassVar[type] = np.float32

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if "module" not in cls.__dict__:  # intermediate bases (native, reference) take no properties
            return
        for keyword, spec in cls.parameter_keywords().items():
            if not hasattr(cls, keyword):
                setattr(cls, keyword, _parameter_property(spec))

    @classmethod
    def parameter_keywords(cls) -> dict[str, Parameter]:
        """Constructor keyword -> parameter. Module classes drop their prefix (tube_drive_db -> drive_db)."""
        if cls.module is None:
            return {spec.id: spec for spec in parameters()}
        prefix = f"{cls.module}_"
        return {
            spec.id.removeprefix(prefix): spec
            for spec in parameters()
            if spec.module == cls.module or (cls.uses_seed and spec.id == "seed")
            or (cls.uses_track_id and spec.id == "track_id")
        }

    def __init__(self, **values: object) -> None:
        keywords = self.parameter_keywords()
        self._values: dict[str, float] = {spec.id: spec.default for spec in keywords.values()}
        self._prepared: tuple[float, int, int] | None = None
        for keyword, value in values.items():
            if keyword not in keywords:
                known = ", ".join(keywords)
                raise ValueError(f"{type(self).__name__} has no parameter {keyword!r}; its parameters are: {known}")
            self._values[keywords[keyword].id] = keywords[keyword].validate(value)
        # Every value, defaults included, comes from the table: no module restates a default.
        for parameter_id, value in self._values.items():
            self._apply_parameter(parameter_id, value)
        self.reset()  # structural parameters (and so latency_samples) take effect from the start

    # --- parameters -------------------------------------------------------------------------

    def set_parameter(self, parameter_id: str, value: object) -> None:
        """Set a parameter by table id, in plain units; smoothed parameters glide to it."""
        spec = parameter(parameter_id)
        if spec.id not in self._values:
            raise ValueError(f"{type(self).__name__} has no parameter {parameter_id!r}")
        plain = spec.validate(value)
        self._values[spec.id] = plain
        self._apply_parameter(spec.id, plain)

    def get_parameter(self, parameter_id: str) -> float:
        return self._values[parameter(parameter_id).id]

    @property
    def parameter_values(self) -> dict[str, float]:
        """Every parameter's current plain value, by table id."""
        return dict(self._values)

    # --- lifecycle (implemented by subclasses) -------------------------------------------------

    def prepare(self, sample_rate: float, max_block_size: int, num_channels: int) -> None:
        """Allocate for a stream; ends with reset()."""
        rate = check_sample_rate(sample_rate)
        if int(max_block_size) < 1 or not 1 <= int(num_channels) <= MAX_CHANNELS:
            raise ValueError(
                f"max_block_size must be >= 1 and num_channels 1..{MAX_CHANNELS}; "
                f"got {max_block_size!r}, {num_channels!r}"
            )
        self._prepared = (rate, int(max_block_size), int(num_channels))
        self._prepare(rate, int(max_block_size), int(num_channels))
        for parameter_id, value in self._values.items():
            self._apply_parameter(parameter_id, value)
        self.reset()

    def reset(self) -> None:
        """Clear state; structural parameters (oversampling, seed) take effect; smoothers snap."""
        self._reset()

    def process(self, block: np.ndarray) -> np.ndarray:
        """Process one (channels, samples) block of at most max_block_size samples."""
        if self._prepared is None:
            raise ValueError("call prepare(sample_rate, max_block_size, num_channels) before process()")
        block = np.ascontiguousarray(as_audio(block), dtype=self.dtype)
        _, max_block, channels = self._prepared
        if block.shape[0] != channels or block.shape[1] > max_block:
            raise ValueError(
                f"block must be ({channels}, <= {max_block}) as prepared; got shape {block.shape}"
            )
        return self._render(block, max_block)

    @property
    def latency_samples(self) -> int:
        """Delay of the output against the input, in samples, fixed between resets."""
        raise NotImplementedError

    def _prepare(self, sample_rate: float, max_block_size: int, num_channels: int) -> None:
        raise NotImplementedError

    def _reset(self) -> None:
        raise NotImplementedError

    def _apply_parameter(self, parameter_id: str, value: float) -> None:
        raise NotImplementedError

    def _render(self, audio: np.ndarray, block_size: int) -> np.ndarray:
        """Process contiguous (channels, samples) audio in blocks of block_size."""
        output = np.empty_like(audio)
        for start in range(0, audio.shape[1], block_size):
            output[:, start : start + block_size] = self._process_block(audio[:, start : start + block_size])
        return output

    def _process_block(self, block: np.ndarray) -> np.ndarray:
        """One block (reference processors); native processors override _render instead."""
        raise NotImplementedError

    # --- whole-signal rendering ------------------------------------------------------------------

    def __call__(
        self, audio: object, sample_rate: float, *, block_size: int = 512, reset: bool = True
    ) -> np.ndarray:
        """Render audio ((channels, samples), or 1-D mono) and return an array of the same shape.

        With ``reset=True`` (the default) the processor starts fresh and the output is aligned
        with the input: the latency is compensated and the tail flushed, as pedalboard does. With
        ``reset=False`` it continues the stream and returns it raw, delayed by ``latency_samples``.
        """
        array = as_audio(audio)
        rate = check_sample_rate(sample_rate)
        if isinstance(block_size, bool) or not isinstance(block_size, numbers.Integral) or block_size < 1:
            raise ValueError(f"block_size must be a whole number >= 1; got {block_size!r}")
        channels = array.shape[0]
        if self._prepared != (rate, int(block_size), channels):
            self.prepare(rate, int(block_size), channels)
        elif reset:
            self.reset()
        if array.shape[1] == 0:
            return np.zeros(np.shape(audio), dtype=self.dtype)
        block = np.ascontiguousarray(array, dtype=self.dtype)
        if reset and self.latency_samples > 0:
            latency = self.latency_samples
            padded = np.concatenate([block, np.zeros((channels, latency), dtype=self.dtype)], axis=1)
            output = self._render(padded, int(block_size))[:, latency:]
        else:
            output = self._render(block, int(block_size))
        return output.reshape(np.shape(audio))

    def __repr__(self) -> str:
        values = ", ".join(f"{keyword}={self._values[spec.id]:g}" for keyword, spec in self.parameter_keywords().items())
        return f"{type(self).__module__}.{type(self).__qualname__}({values})"


def _parameter_property(spec: Parameter) -> property:
    def getter(self: Processor) -> float:
        return self._values[spec.id]

    def setter(self: Processor, value: object) -> None:
        self.set_parameter(spec.id, value)

    unit = f" [{spec.unit}]" if spec.unit else ""
    return property(getter, setter, doc=f"{spec.name}{unit}: {spec.description}")
