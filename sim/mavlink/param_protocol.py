"""The parameter protocol as ArduPilot answers it.

PARAM_REQUEST_LIST sends the banner, then every parameter with its index and the count, paced
over simulated time; PARAM_REQUEST_READ answers by index or by name (index 65535, i.e. -1, for a
request by name); PARAM_SET stores the value cast to its type and announces it on every link. An
unknown name, NaN or infinity gets no answer at all, as on ArduCopter 4.7.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

from .telemetry import GIT_HASH

if TYPE_CHECKING:
    from .gcs import Channel, VehicleMavlink

PARAM_VALUE = 22
PARAMS_PER_SECOND = 2000.0
NO_INDEX = 65535
BANNER = (f"ArduCopter V4.7.0-dev ({GIT_HASH.decode()})", "Frame: QUAD/X")


def _name(raw) -> str:
    if isinstance(raw, bytes):
        raw = raw.decode("ascii", "replace")
    return str(raw).split("\0", 1)[0]


class ParamProtocol:
    def __init__(self, vm: "VehicleMavlink"):
        self.vm = vm

    def _value_fields(self, pv, index: int) -> tuple:
        return pv.name.encode("ascii"), pv.value, pv.ptype, pv.count, index

    def request_list(self, ch: "Channel", msg) -> None:
        for line in BANNER:
            ch.text(6, line)
        ch.param_next = 0
        ch.param_credit = 0.0

    def request_read(self, ch: "Channel", msg) -> None:
        store = self.vm.copter.params
        index = int(msg.param_index)
        if index >= 0:
            pv = store.by_index(index)
            reply_index = index
        else:
            pv = store.describe(_name(msg.param_id))
            reply_index = NO_INDEX
        if pv is not None:
            ch.send(PARAM_VALUE, self._value_fields(pv, reply_index), droppable=False)

    def set(self, ch: "Channel", msg) -> None:
        store = self.vm.copter.params
        name = _name(msg.param_id)
        value = float(msg.param_value)
        if name not in store or not math.isfinite(value):
            return
        if not store.writable(name):
            ch.text(4, f"Param write denied ({name})")
            return
        pv = store.set(name, value)
        if pv is not None:
            self.vm.broadcast(PARAM_VALUE, self._value_fields(pv, NO_INDEX), droppable=False)

    def update(self, ch: "Channel", dt: float) -> None:
        if ch.param_next is None:
            return
        store = self.vm.copter.params
        ch.param_credit += PARAMS_PER_SECOND * dt
        while ch.param_credit >= 1.0 and ch.param_next is not None:
            pv = store.by_index(ch.param_next)
            if pv is None:
                ch.param_next = None
                break
            ch.send(PARAM_VALUE, self._value_fields(pv, pv.index), droppable=False)
            ch.param_next += 1
            ch.param_credit -= 1.0
