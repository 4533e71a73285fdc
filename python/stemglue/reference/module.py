"""What every numpy reference module shares: float64 samples, one smoother per smoothed parameter
of its module (from the table), and the routing of parameters to those smoothers or to the
module's own settings."""

from __future__ import annotations

import numpy as np

from stemglue._parameters import modules, parameter
from stemglue._processor import Processor, timeline_position
from stemglue.reference.smoother import module_smoothers


class ReferenceModule(Processor):
    dtype = np.float64

    def __init_subclass__(cls, **kwargs: object) -> None:
        if "module" in cls.__dict__:  # the keys of randomness it reads, as the C++ module declares them
            cls.random_keys = next(info.random_keys for info in modules() if info.id == cls.module)
        super().__init_subclass__(**kwargs)

    def __init__(self, **values: object) -> None:
        self._smoothers = module_smoothers(self.module)
        self._sample_rate: float | None = None
        self._num_channels = 0
        self._position = 0  # timeline position of the next sample
        self._pending: dict[str, float] = {}  # structural values waiting for reset
        self._applied: dict[str, float] = {}  # structural values in effect
        super().__init__(**values)

    @property
    def prepared(self) -> bool:
        return self._sample_rate is not None

    def _prepare(self, sample_rate: float, max_block_size: int, num_channels: int) -> None:
        self._sample_rate, self._num_channels = sample_rate, num_channels
        self._smoothers = module_smoothers(self.module, sample_rate)  # the base re-applies every value next
        self._prepare_module()

    @property
    def has_pending_change(self) -> bool:
        """Whether a structural value waits for the next reset."""
        return bool(self._pending)

    def _reset(self) -> None:
        for name, value in self._pending.items():
            self._set_setting(name, value)
        self._applied.update(self._pending)
        self._pending.clear()
        for smoother in self._smoothers.values():
            smoother.snap_to_target()
        self._position = 0
        if self.prepared:  # before prepare there is no state to clear
            self._reset_module()

    def seek(self, position: int) -> None:
        """Re-key random streams to a timeline position (the next sample's); audio state is kept."""
        position = timeline_position(position)
        with self._lock:
            self._position = position
            if self.prepared:
                self._seek_module()

    def _apply_parameter(self, parameter_id: str, value: float) -> None:
        name = parameter_id.removeprefix(f"{self.module}_")
        if parameter(parameter_id).timing == "on_reset":  # pending only while it differs, as in C++
            if name in self._applied and self._applied[name] == value:
                self._pending.pop(name, None)
            else:
                self._pending[name] = value
        elif name in self._smoothers:
            self._smoothers[name].set_target(value)
        else:
            self._set_setting(name, value)

    def _smoothed_values(self, num_samples: int) -> dict[str, np.ndarray]:
        """The next num_samples values of every smoothed parameter, by name."""
        return {name: smoother.next_values(num_samples) for name, smoother in self._smoothers.items()}

    def _prepare_module(self) -> None:
        """Allocate and design for self._sample_rate and self._num_channels."""

    def _reset_module(self) -> None:
        """Clear the module's state (only called once prepared)."""

    def _seek_module(self) -> None:
        """Re-key random streams to self._position (modules without randomness ignore it)."""

    def _set_setting(self, name: str, value: float) -> None:
        """A parameter that is not smoothed (name without the module prefix; the seed as 'seed')."""
