"""Parameters: write and read back, because a failsafe that was not confirmed is not set."""
from __future__ import annotations

import math
import struct

from pymavlink import mavutil

from .errors import VehicleError
from .link import Link

PARAM_TIMEOUT_VEHICLE_S = 2.0
RETRIES = 4


def _f32(x: float) -> float:
    return struct.unpack("f", struct.pack("f", float(x)))[0]


class Params:
    def __init__(self, link: Link):
        self.link = link

    def get(self, name: str) -> float:
        with self.link.waiter("PARAM_VALUE") as w:
            for _ in range(RETRIES):
                self.link.send(lambda m: m.param_request_read_send(self.link.target_system, self.link.target_component,
                                                                   name.encode(), -1))
                msg = w.get(self.link.wall(PARAM_TIMEOUT_VEHICLE_S, 0.5), lambda p: _name(p) == name)
                if msg is not None:
                    return float(msg.param_value)
        raise VehicleError(f"{self.link.name}: parameter {name} did not answer (does this firmware have it?)")

    def set(self, name: str, value: float) -> float:
        """Set and confirm; returns the value the vehicle reports."""
        if not math.isfinite(value):
            raise VehicleError(f"parameter {name}: {value} is not a finite number")
        want = _f32(value)
        with self.link.waiter("PARAM_VALUE") as w:
            for _ in range(RETRIES):
                self.link.send(lambda m: m.param_set_send(self.link.target_system, self.link.target_component,
                                                          name.encode(), want, mavutil.mavlink.MAV_PARAM_TYPE_REAL32))
                msg = w.get(self.link.wall(PARAM_TIMEOUT_VEHICLE_S, 0.5), lambda p: _name(p) == name)
                if msg is not None and abs(float(msg.param_value) - want) <= 1e-6 * max(1.0, abs(want)):
                    return float(msg.param_value)
                if msg is not None:
                    raise VehicleError(f"{self.link.name}: parameter {name} set to {value:g} but the vehicle keeps "
                                       f"{msg.param_value:g}")
        raise VehicleError(f"{self.link.name}: parameter {name} was not confirmed (unknown parameter, or no link)")

    def apply(self, values: dict[str, float]) -> dict[str, float]:
        """Set several, then read each back once more; returns what the vehicle holds."""
        for k, v in values.items():
            self.set(k, v)
        held = {k: self.get(k) for k in values}
        wrong = {k: (values[k], held[k]) for k in values if abs(held[k] - _f32(values[k])) > 1e-6 * max(1, abs(values[k]))}
        if wrong:
            k, (w, h) = next(iter(wrong.items()))
            raise VehicleError(f"{self.link.name}: parameter {k} reads back {h:g}, not {w:g}")
        return held


def _name(msg) -> str:
    pid = msg.param_id
    if isinstance(pid, bytes):
        pid = pid.decode("ascii", "replace")
    return pid.rstrip("\x00")
