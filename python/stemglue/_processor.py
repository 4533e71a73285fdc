"""What every StemGlue processor shares, native (C++) and reference (numpy) alike.

The lifecycle mirrors the C++ core: ``prepare(sample_rate, max_block_size, num_channels)``,
``reset()``, ``set_parameter(id, value)`` (plain units, validated here), ``process(block)``
(``(channels, samples)``, at most ``max_block_size`` samples, returns the processed block) and
``latency_samples``. On top of it, ``fx(audio, sample_rate)`` renders a whole signal, as
pedalboard's plugins do.

Constructors, properties and help() come from the parameter table: each module class gets an
``__init__`` whose signature lists its keywords with their defaults, a unit-suffixed property per
parameter and a docstring with every range, so no keyword is restated by hand.

One instance is not re-entrant (the core holds stream state), so every public lifecycle method and
``__call__`` holds the instance's re-entrant lock for its whole duration: two threads sharing one
processor take turns instead of interleaving prepare/reset/render.
"""

from __future__ import annotations

import difflib
import inspect
import numbers
import threading
from typing import ClassVar

import numpy as np

from stemglue._parameters import Parameter, modules, parameters

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


def timeline_position(value: object, name: str = "position") -> int:
    """A timeline position (samples from the song's start): a whole number >= 0."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise ValueError(f"{name} must be a whole number >= 0; got {value!r}")
    return int(value)


def check_sample_rate(sample_rate: object) -> float:
    if isinstance(sample_rate, bool) or not isinstance(sample_rate, numbers.Real):
        raise ValueError(f"sample_rate must be a number in Hz; got {sample_rate!r}")
    rate = float(sample_rate)
    if not MIN_SAMPLE_RATE <= rate <= MAX_SAMPLE_RATE:
        raise ValueError(
            f"sample_rate must be between {MIN_SAMPLE_RATE:g} and {MAX_SAMPLE_RATE:g} Hz; got {sample_rate!r}"
        )
    return rate


class Processor:
    """Base of every processor. Subclasses set ``module`` and implement the lifecycle hooks."""

    #: Table module whose parameters this processor takes ("tube", ...); None takes every parameter.
    module: ClassVar[str | None] = None
    #: The global keys of randomness a module class also takes: "seed" (what a session shares)
    #: and "track_id" (what each track owns).
    random_keys: ClassVar[tuple[str, ...]] = ()
    #: Sample type of process(): float32 for the C++ core, float64 for the reference.
    dtype: ClassVar[type] = np.float32

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if "module" not in cls.__dict__:  # intermediate bases (native, reference) take no properties
            return
        for keyword, spec in cls.parameter_keywords().items():
            if not hasattr(cls, keyword):
                setattr(cls, keyword, _parameter_property(spec))
        cls.__init__ = _keyword_init(cls)  # type: ignore[method-assign]
        cls.__doc__ = class_doc(cls.__dict__.get("__doc__") or summary(cls.module), cls.parameter_keywords())

    @classmethod
    def parameter_keywords(cls) -> dict[str, Parameter]:
        """Constructor keyword -> parameter. Module classes drop their prefix (tube_drive_db -> drive_db)."""
        return parameter_keywords(cls.module, cls.random_keys)

    def __init__(self, **values: object) -> None:
        self._sidechain: np.ndarray | None = None  # the block's part of the aux input (reference modules)
        # Created before anything else: every lifecycle call below takes it.
        self._lock = threading.RLock()
        keywords = self.parameter_keywords()
        self._values: dict[str, float] = {spec.id: spec.default for spec in keywords.values()}
        self._prepared: tuple[float, int, int] | None = None
        for keyword, value in values.items():
            if keyword not in keywords:
                raise ValueError(self._no_parameter(keyword))
            self._values[keywords[keyword].id] = keywords[keyword].validate(value, keyword)
        with self._lock:
            # Every value, defaults included, comes from the table: no module restates a default.
            for parameter_id, value in self._values.items():
                self._apply_parameter(parameter_id, value)
            self.reset()  # structural parameters (and so latency_samples) take effect from the start

    def __setattr__(self, name: str, value: object) -> None:
        # Once built, a misspelt parameter (tube.drve_db = 30) is an error, as it is in the constructor,
        # not a new attribute.
        if not name.startswith("_") and getattr(self, "_built", False) and not hasattr(self, name):
            raise AttributeError(self._no_parameter(name))
        super().__setattr__(name, value)

    # --- parameters -------------------------------------------------------------------------

    def _no_parameter(self, name: str) -> str:
        keywords = self.parameter_keywords()
        close = difflib.get_close_matches(name, keywords, n=1)
        hint = f"did you mean {close[0]!r}?" if close else f"its parameters are: {', '.join(keywords)}"
        return f"{type(self).__name__} has no parameter {name!r}; {hint}"

    def _parameter(self, name: str) -> tuple[str, Parameter]:
        """This class's keyword for a parameter named by keyword or by table id, and the parameter."""
        keywords = self.parameter_keywords()
        if name in keywords:
            return name, keywords[name]
        keyword = next((keyword for keyword, spec in keywords.items() if spec.id == name), None)
        if keyword is None:
            raise ValueError(self._no_parameter(name))
        return keyword, keywords[keyword]

    def set_parameter(self, name: str, value: object) -> None:
        """Set a parameter by keyword or table id (drive_db or tube_drive_db), in plain units;
        smoothed parameters glide to it."""
        keyword, spec = self._parameter(name)
        plain = spec.validate(value, keyword)
        with self._lock:
            self._values[spec.id] = plain
            self._apply_parameter(spec.id, plain)

    def get_parameter(self, name: str) -> float:
        """A parameter's value by keyword or table id."""
        return self._values[self._parameter(name)[1].id]

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
        with self._lock:
            self._prepared = (rate, int(max_block_size), int(num_channels))
            self._prepare(rate, int(max_block_size), int(num_channels))
            for parameter_id, value in self._values.items():
                self._apply_parameter(parameter_id, value)
            self.reset()

    def reset(self) -> None:
        """Clear state; structural parameters (oversampling, seed) take effect; smoothers snap."""
        with self._lock:
            self._reset()

    def process(self, block: np.ndarray, sidechain: np.ndarray | None = None) -> np.ndarray:
        """Process one (channels, samples) block of at most max_block_size samples; ``sidechain``
        (any channels, as many samples) is another source the processor hears (Bleed)."""
        block = np.ascontiguousarray(as_audio(block), dtype=self.dtype)
        with self._lock:
            if self._prepared is None:
                raise ValueError("call prepare(sample_rate, max_block_size, num_channels) before process()")
            _, max_block, channels = self._prepared
            if block.shape[0] != channels or block.shape[1] > max_block:
                raise ValueError(f"block must be ({channels}, <= {max_block}) as prepared; got shape {block.shape}")
            return self._render(block, max_block, self._as_sidechain(sidechain, block.shape[1]))

    def _as_sidechain(self, sidechain: object, samples: int) -> np.ndarray | None:
        if sidechain is None:
            return None
        array = np.ascontiguousarray(as_audio(sidechain), dtype=self.dtype)
        if array.shape[1] != samples or array.shape[0] > MAX_CHANNELS:
            raise ValueError(
                f"sidechain must have as many samples as the audio ({samples}) and at most {MAX_CHANNELS} "
                f"channels; got shape {array.shape}"
            )
        return array

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

    def seek(self, position: int) -> None:
        """Key the random streams to the timeline position of the next sample; audio state is kept."""
        raise NotImplementedError

    def _render(
        self, audio: np.ndarray, block_size: int, sidechain: np.ndarray | None = None, flush: int = 0
    ) -> np.ndarray:
        """Process contiguous (channels, samples) audio, then flush samples of silence (the sidechain
        silent there too), in blocks of block_size: (channels, samples + flush)."""
        if flush:
            audio = np.pad(audio, ((0, 0), (0, flush)))
            sidechain = None if sidechain is None else np.pad(sidechain, ((0, 0), (0, flush)))
        output = np.empty_like(audio)
        for start in range(0, audio.shape[1], block_size):
            end = start + block_size
            self._sidechain = None if sidechain is None else sidechain[:, start:end]
            output[:, start:end] = self._process_block(audio[:, start:end])
        self._sidechain = None
        return output

    def _process_block(self, block: np.ndarray) -> np.ndarray:
        """One block (reference processors; the sidechain's part is self._sidechain); native
        processors override _render instead."""
        raise NotImplementedError

    # --- whole-signal rendering ------------------------------------------------------------------

    def __call__(
        self,
        audio: object,
        sample_rate: float,
        *,
        block_size: int = 512,
        reset: bool = True,
        start_sample: int = 0,
        sidechain: object = None,
    ) -> np.ndarray:
        """Render audio ((channels, samples), or 1-D mono) and return an array of the same shape.

        With ``reset=True`` (the default) the processor starts fresh and the output is aligned
        with the input: the latency is compensated and the tail flushed, as pedalboard does. With
        ``reset=False`` it continues the stream and returns it raw, delayed by ``latency_samples``.

        ``start_sample`` is the timeline position of the first sample: randomness (noise, drift,
        room modulation) is keyed by it, so rendering a song from the middle gives what a full
        render gives there. It applies when the stream starts (a reset or the first call).

        ``sidechain`` ((channels, samples) or 1-D, as long as ``audio``) is another source the
        processor hears: Bleed adds it as this channel's microphone picks it up.
        """
        array = as_audio(audio)
        rate = check_sample_rate(sample_rate)
        if isinstance(block_size, bool) or not isinstance(block_size, numbers.Integral) or block_size < 1:
            raise ValueError(f"block_size must be a whole number >= 1; got {block_size!r}")
        timeline_position(start_sample, "start_sample")
        channels = array.shape[0]
        # One lock for the whole call: another thread's prepare or reset must not land between
        # this call's reset and its last block.
        with self._lock:
            if self._prepared != (rate, int(block_size), channels):
                self.prepare(rate, int(block_size), channels)
            elif reset:
                self.reset()
            elif start_sample != 0:
                raise ValueError(
                    "start_sample applies where a stream starts; with reset=False the stream continues "
                    f"where it was (got start_sample={start_sample!r})"
                )
            else:
                start_sample = -1  # continuing: no seek
            if start_sample >= 0:
                self.seek(int(start_sample))
            if array.shape[1] == 0:
                return np.zeros(np.shape(audio), dtype=self.dtype)
            block = np.ascontiguousarray(array, dtype=self.dtype)
            heard = self._as_sidechain(sidechain, block.shape[1])
            latency = self.latency_samples if reset else 0
            output = self._render(block, int(block_size), heard, flush=latency)[:, latency:]
        return output.reshape(np.shape(audio))

    def __repr__(self) -> str:
        values = ", ".join(
            f"{keyword}={self._values[spec.id]:g}" for keyword, spec in self.parameter_keywords().items()
        )
        return f"{type(self).__module__}.{type(self).__qualname__}({values})"


def parameter_keywords(module: str | None, random_keys: tuple[str, ...] = ()) -> dict[str, Parameter]:
    """Constructor keyword -> parameter for a table module (None: the whole chain, full ids)."""
    if module is None:
        return {spec.id: spec for spec in parameters()}
    prefix = f"{module}_"
    return {
        spec.id.removeprefix(prefix): spec for spec in parameters() if spec.module == module or spec.id in random_keys
    }


def summary(module: str | None) -> str:
    """What a module does, from the table's module list (None: the whole chain)."""
    if module is None:
        flow = " -> ".join(info.class_name for info in modules())
        return f"The whole chain in a recording's signal flow ({flow}), with global mix, output gain, bypass, seed and track id."
    for info in modules():
        if info.id == module:
            return info.description
    raise ValueError(f"module {module!r} is not in the table's module list")


def describe(spec: Parameter) -> str:
    """One line for help() and the stubs: name, legal values, default, purpose."""
    return f"{spec.name}: {spec.legal_values()}, default {spec.default:g}. {spec.description}"


def class_doc(purpose: str, keywords: dict[str, Parameter]) -> str:
    """A class docstring: what it does, then every keyword with its range and default."""
    lines = [purpose.strip(), "", "Keyword arguments (also properties of the same name):"]
    lines += [f"    {keyword} -- {describe(spec)}" for keyword, spec in keywords.items()]
    return "\n".join(lines)


def init_signature(keywords: dict[str, Parameter]) -> inspect.Signature:
    """(self, *, keyword=default, ...) in table order."""
    parameters_ = [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    parameters_ += [
        inspect.Parameter(
            keyword, inspect.Parameter.KEYWORD_ONLY, default=plain_default(spec), annotation=annotation(spec)
        )
        for keyword, spec in keywords.items()
    ]
    return inspect.Signature(parameters_, return_annotation=None)


def annotation(spec: Parameter) -> type:
    return int if spec.kind == "integer" else float


def plain_default(spec: Parameter) -> float | int:
    # Whole-number parameters read as whole numbers in signatures and stubs (seed=1, oversampling=2).
    return (
        int(spec.default)
        if spec.kind in ("integer", "choice", "toggle") and spec.default.is_integer()
        else spec.default
    )


def _keyword_init(cls: type[Processor]) -> object:
    """An __init__ for cls whose signature is its keywords (inspect.signature, help, IDEs)."""
    inherited = cls.__init__

    def __init__(self: Processor, **values: object) -> None:
        inherited(self, **values)
        self._built = True

    __init__.__signature__ = init_signature(cls.parameter_keywords())  # type: ignore[attr-defined]
    __init__.__qualname__ = f"{cls.__qualname__}.__init__"
    __init__.__module__ = cls.__module__
    __init__.__doc__ = f"Set any parameter of {cls.__name__} by keyword; the others keep their defaults."
    return __init__


def _parameter_property(spec: Parameter) -> property:
    whole = spec.kind == "integer"  # typed int in the signature and stubs (seed, track_id)

    def getter(self: Processor) -> float:
        value = self._values[spec.id]
        return int(value) if whole else value

    def setter(self: Processor, value: object) -> None:
        self.set_parameter(spec.id, value)

    return property(getter, setter, doc=describe(spec))
