"""Parameter storage with ArduPilot's semantics for a value set over MAVLink.

A PARAM_SET is cast to the parameter's storage type the way AP_Param::set_float does it (integers
rounded by a 0.01 nudge, truncated toward zero and clamped to the type's range; floats to 32-bit);
NaN and infinity are refused. Listeners let the vehicle react to changes (a new wind, a fence
switched on) without polling every parameter each step.
"""
from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from typing import Callable

from .param_table import INT8, INT16, INT32, READ_ONLY, REAL32, parameter_table

_RANGES = {INT8: (-128, 127), INT16: (-32768, 32767), INT32: (-2147483648, 2147483647)}
_F32 = struct.Struct("<f")


def cast_value(value: float, ptype: int) -> float:
    """The value AP_Param stores when asked to store `value` in a parameter of type `ptype`."""
    if ptype == REAL32:
        return _F32.unpack(_F32.pack(value))[0] if abs(value) < 3.4e38 else math.copysign(3.4028234663852886e38, value)
    lo, hi = _RANGES[ptype]
    nudged = value + (0.01 if value >= 0 else -0.01)
    return float(int(max(lo, min(hi, nudged))))


@dataclass(frozen=True)
class ParamValue:
    name: str
    value: float
    ptype: int
    index: int
    count: int


class ParamStore:
    """The vehicle's parameters, by name and by index (the order PARAM_REQUEST_LIST sends them)."""

    def __init__(self, overrides: dict[str, float] | None = None):
        table = parameter_table()
        self._names = [n for n, _, _ in table]
        self._types = {n: t for n, t, _ in table}
        self._index = {n: i for i, n in enumerate(self._names)}
        self._values = {n: cast_value(d, t) for n, t, d in table}
        self._listeners: dict[str, list[Callable[[str, float], None]]] = {}
        self._persistent: set[int] = set()
        for name, value in (overrides or {}).items():
            if name not in self._values:
                raise KeyError(f"unknown parameter {name}")
            self._values[name] = cast_value(float(value), self._types[name])

    def __len__(self) -> int:
        return len(self._names)

    def __contains__(self, name: str) -> bool:
        return name in self._values

    def __getitem__(self, name: str) -> float:
        return self._values[name]

    def get(self, name: str, default: float | None = None) -> float | None:
        return self._values.get(name, default)

    def by_index(self, index: int) -> ParamValue | None:
        if not 0 <= index < len(self._names):
            return None
        return self.describe(self._names[index])

    def describe(self, name: str) -> ParamValue | None:
        if name not in self._values:
            return None
        return ParamValue(name, self._values[name], self._types[name], self._index[name], len(self._names))

    def writable(self, name: str) -> bool:
        return name in self._values and name not in READ_ONLY

    def set(self, name: str, value: float) -> ParamValue | None:
        """Store a value as AP_Param would; None (and nothing changes) for an unknown name, NaN or infinity."""
        if name not in self._values or not math.isfinite(value):
            return None
        new = cast_value(float(value), self._types[name])
        old = self._values[name]
        self._values[name] = new
        if new != old:
            for fn in self._listeners.get(name, ()):
                fn(name, new)
        return self.describe(name)

    def set_internal(self, name: str, value: float) -> None:
        """A value the vehicle itself maintains (MIS_TOTAL, SIM_SPEEDUP): stored without listeners firing."""
        self._values[name] = cast_value(float(value), self._types[name])

    def clear_listeners(self) -> None:
        """Forget the vehicle's own listeners (a reboot rebuilds the objects that listened); those
        registered as persistent (the MAVLink layer's, the runner's) stay."""
        for name, fns in self._listeners.items():
            self._listeners[name] = [f for f in fns if id(f) in self._persistent]

    def on_change(self, names, fn: Callable[[str, float], None], persistent: bool = False) -> None:
        for name in ([names] if isinstance(names, str) else names):
            if name not in self._values:
                raise KeyError(f"unknown parameter {name}")
            self._listeners.setdefault(name, []).append(fn)
        if persistent:
            self._persistent.add(id(fn))
