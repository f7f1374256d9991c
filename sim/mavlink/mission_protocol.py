"""The mission item protocol (MissionItemProtocol.cpp) for missions, fences and rally points.

Upload: MISSION_COUNT truncates the stored mission to the new count and is answered with one
MISSION_REQUEST (never _INT) per item, re-sent after a second of silence; an item out of
sequence gets MAV_MISSION_INVALID_SEQUENCE and is asked for again; a refused item ends the
transfer with its MAV_MISSION_RESULT, leaving the mission cut to the new count with the items
already replaced; eight seconds without an item cancel it ("Mission upload timeout"). The last
item is acknowledged and "Flight plan received" announced. Download answers MISSION_REQUEST with
MISSION_ITEM and MISSION_REQUEST_INT with MISSION_ITEM_INT, item 0 always home. Only one upload
at a time; other links are denied meanwhile.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

from ..vehicle import fence as fence_mod
from ..vehicle import mission_items as mi

if TYPE_CHECKING:
    from .gcs import Channel, VehicleMavlink

MISSION, FENCE, RALLY = 0, 1, 2
UPLOAD_TIMEOUT_S = 8.0
RESEND_S = 1.0
MSG_MISSION_COUNT, MSG_MISSION_REQUEST, MSG_MISSION_ITEM, MSG_MISSION_ITEM_INT, MSG_MISSION_ACK = 44, 40, 39, 73, 47
MSG_MISSION_CURRENT = 42
RALLY_POINT = 5100
_DIGICAM = (mi.DO_DIGICAM_CONFIGURE, mi.DO_DIGICAM_CONTROL)


def item_int_fields(msg, is_int: bool) -> tuple[int, tuple[int, int, int, tuple, int, int, float]]:
    """A MISSION_ITEM(_INT) as (result, (seq, frame, command, params, x, y, z)), x/y in 1e7 degrees."""
    params = (float(msg.param1), float(msg.param2), float(msg.param3), float(msg.param4))
    if is_int or msg.command in _DIGICAM:
        x, y = int(msg.x), int(msg.y)
    else:
        fx, fy = float(msg.x), float(msg.y)
        if not (math.isfinite(fx) and abs(fx) <= 90.0):
            return mi.INVALID_PARAM5_X, ()
        if not (math.isfinite(fy) and abs(fy) <= 180.0):
            return mi.INVALID_PARAM6_Y, ()
        x, y = int(fx * 1e7), int(fy * 1e7)
    return mi.ACCEPTED, (int(msg.seq), int(msg.frame), int(msg.command), params, x, y, float(msg.z))


class WaypointBackend:
    mission_type = MISSION

    def __init__(self, vm: "VehicleMavlink"):
        self.vm = vm

    @property
    def store(self):
        return self.vm.copter.mission

    def item_count(self) -> int:
        return len(self.store)

    def max_items(self) -> int:
        return self.store.max_items

    def read_only(self) -> bool:
        return False

    def allocate(self, count: int) -> int:
        return mi.ACCEPTED

    def truncate(self, count: int) -> None:
        self.store.truncate(count)

    def clear(self) -> bool:
        auto = self.vm.copter.modes[3]
        if auto.runner.state == 1:          # AP_Mission::clear refuses while running
            return False
        self.store.clear()
        auto.runner.reset()
        return True

    def get(self, seq: int) -> mi.MavItem | int:
        c = self.vm.copter
        if seq != 0 and seq >= len(self.store):
            return mi.ERROR
        if seq == 0:
            # AP_Mission reads item 0 from AHRS home: all zeros until home is set
            cmd = mi.home_command(*c.home_global()) if c.home_set else mi.home_command(0.0, 0.0, 0.0)
        else:
            cmd = self.store.get(seq)
        item = mi.to_mavlink(seq, cmd)
        return mi.ERROR if item is None else item

    def put(self, seq: int, fields, request_last: int) -> int:
        _, frame, command, params, x, y, z = fields
        res, cmd = mi.from_mavlink(command, frame, params, x, y, z)
        if res != mi.ACCEPTED:
            return res
        res = mi.check_jump(cmd, len(self.store), request_last)
        if res != mi.ACCEPTED:
            return res
        if seq < len(self.store):
            return mi.ACCEPTED if self.store.replace(seq, cmd) else mi.ERROR
        if seq == len(self.store):
            return mi.ACCEPTED if self.store.append(cmd) else mi.ERROR
        return mi.ERROR

    def complete(self, ch: "Channel") -> int:
        ch.text(6, "Flight plan received")
        self.vm.copter.params.set_internal("MIS_TOTAL", len(self.store))
        return mi.ACCEPTED

    def timeout(self, ch: "Channel") -> None:
        ch.text(4, "Mission upload timeout")

    def current(self, seq: int, command: int) -> int:
        # ArduPilot compares the item's command id with the current nav index (sic), and so do we
        return 1 if command == self.vm.copter.modes[3].runner.current_nav_index() else 0


class _StagedBackend:
    """Fence and rally uploads go to a staging list that replaces the stored one when complete."""

    mission_type = -1
    max_count = 100

    def __init__(self, vm: "VehicleMavlink"):
        self.vm = vm
        self._staged: list | None = None

    def stored(self) -> list:
        raise NotImplementedError

    def install(self, items: list) -> None:
        raise NotImplementedError

    def item_count(self) -> int:
        return len(self.stored())

    def max_items(self) -> int:
        return self.max_count

    def read_only(self) -> bool:
        return False

    def allocate(self, count: int) -> int:
        self._staged = [None] * count
        return mi.ACCEPTED

    def truncate(self, count: int) -> None:
        pass

    def clear(self) -> bool:
        self.install([])
        return True

    def free(self) -> None:
        self._staged = None

    def current(self, seq: int, command: int) -> int:
        return 0

    def timeout(self, ch: "Channel") -> None:
        ch.text(4, "Mission upload timeout")

    def complete(self, ch: "Channel") -> int:
        items = self._staged or []
        if any(i is None for i in items):
            return mi.ERROR
        self.install(items)
        return mi.ACCEPTED


class FenceBackend(_StagedBackend):
    mission_type = FENCE
    max_count = 84
    _CMDS = (fence_mod.FENCE_RETURN_POINT, fence_mod.POLY_INCLUSION, fence_mod.POLY_EXCLUSION,
             fence_mod.CIRCLE_INCLUSION, fence_mod.CIRCLE_EXCLUSION)

    def stored(self) -> list:
        return self.vm.copter.fence.poly.items

    def install(self, items: list) -> None:
        c = self.vm.copter
        c.fence.poly.load(items, c.geo.to_ne)
        c.params.set_internal("FENCE_TOTAL", min(127, len(items)))

    def get(self, seq: int):
        items = self.stored()
        if seq >= len(items):
            return mi.ERROR
        it = items[seq]
        return mi.MavItem(seq, mi.FRAME_GLOBAL, it.command, it.param1, 0.0, 0.0, 0.0,
                          int(round(it.lat * 1e7)), int(round(it.lon * 1e7)), 0.0)

    def put(self, seq: int, fields, request_last: int) -> int:
        _, frame, command, params, x, y, z = fields
        if command not in self._CMDS:
            return mi.UNSUPPORTED
        if frame not in (mi.FRAME_GLOBAL, mi.FRAME_GLOBAL_INT, mi.FRAME_RELATIVE, mi.FRAME_RELATIVE_INT):
            return mi.UNSUPPORTED_FRAME
        if not (-900000000 <= x <= 900000000):
            return mi.INVALID_PARAM5_X
        if not (-1800000000 <= y <= 1800000000):
            return mi.INVALID_PARAM6_Y
        if not math.isfinite(params[0]) or (command in (fence_mod.CIRCLE_INCLUSION, fence_mod.CIRCLE_EXCLUSION)
                                            and params[0] <= 0):
            return mi.INVALID_PARAM1
        self._staged[seq] = fence_mod.FenceItem(command, x * 1e-7, y * 1e-7, params[0])
        return mi.ACCEPTED


class RallyBackend(_StagedBackend):
    mission_type = RALLY
    max_count = 10

    def stored(self) -> list:
        return self.vm.rally_items

    def install(self, items: list) -> None:
        vm = self.vm
        vm.rally_items = list(items)
        c = vm.copter
        c.rally = [(*c.geo.to_ne(lat, lon), alt) for lat, lon, alt in items]
        c.params.set_internal("RALLY_TOTAL", len(items))

    def get(self, seq: int):
        items = self.stored()
        if seq >= len(items):
            return mi.ERROR
        lat, lon, alt = items[seq]
        return mi.MavItem(seq, mi.FRAME_RELATIVE, RALLY_POINT, 0.0, 0.0, 0.0, 0.0,
                          int(round(lat * 1e7)), int(round(lon * 1e7)), alt)

    def put(self, seq: int, fields, request_last: int) -> int:
        _, frame, command, params, x, y, z = fields
        if command != RALLY_POINT:
            return mi.UNSUPPORTED
        if not (-900000000 <= x <= 900000000):
            return mi.INVALID_PARAM5_X
        if not (-1800000000 <= y <= 1800000000):
            return mi.INVALID_PARAM6_Y
        if not math.isfinite(z):
            return mi.INVALID_PARAM7
        self._staged[seq] = (x * 1e-7, y * 1e-7, z)
        return mi.ACCEPTED


class ItemTransfer:
    """MissionItemProtocol: one per mission type, shared by all links of a vehicle."""

    def __init__(self, vm: "VehicleMavlink", backend):
        self.vm = vm
        self.backend = backend
        self.receiving = False
        self.channel: "Channel | None" = None
        self.request_i = 0
        self.request_last = 0
        self.dest = (0, 0)
        self.last_receive = 0.0
        self.last_request = 0.0
        self.item_warning_sent = False
        self.request_warning_sent = False

    @property
    def mission_type(self) -> int:
        return self.backend.mission_type

    def ack(self, ch: "Channel", sysid: int, compid: int, result: int) -> None:
        ch.send(MSG_MISSION_ACK, (sysid, compid, result, self.mission_type), droppable=False)

    def _free(self) -> None:
        free = getattr(self.backend, "free", None)
        if free:
            free()

    def _init_requests(self, ch: "Channel", msg, first: int, last: int) -> None:
        now = self.vm.copter.t
        self.last_receive = self.last_request = now
        self.receiving = True
        self.request_i, self.request_last = first, last
        self.dest = (msg.get_srcSystem(), msg.get_srcComponent())
        self.channel = ch
        self.item_warning_sent = False
        self._send_request()

    def _send_request(self) -> None:
        ch = self.channel
        if ch is None:
            return
        ch.send(MSG_MISSION_REQUEST, (self.dest[0], self.dest[1], self.request_i, self.mission_type), droppable=False)
        self.last_request = self.vm.copter.t

    def handle_count(self, ch: "Channel", msg) -> None:
        src = (msg.get_srcSystem(), msg.get_srcComponent())
        if self.backend.read_only():
            self.ack(ch, *src, mi.DENIED)
            return
        if self.receiving:
            if src != self.dest:
                self.ack(ch, *src, mi.DENIED)
                return
            self._free()
        count = int(msg.count)
        if count > self.backend.max_items():
            self.ack(ch, *src, mi.NO_SPACE)
            ch.text(4, f"Only {self.backend.max_items()} items are supported")
            return
        res = self.backend.allocate(count)
        if res != mi.ACCEPTED:
            self.ack(ch, *src, res)
            return
        self.backend.truncate(count)
        if count == 0:
            self._transfer_complete(ch, src)
            return
        self._init_requests(ch, msg, 0, count - 1)

    def handle_partial(self, ch: "Channel", msg) -> None:
        src = (msg.get_srcSystem(), msg.get_srcComponent())
        if self.receiving:
            self.ack(ch, *src, mi.DENIED)
            return
        start, end = int(msg.start_index), int(msg.end_index)
        count = self.backend.item_count()
        if start > count or end > count or end < start or start < 0:
            ch.text(4, "Flight plan update rejected")
            self.ack(ch, *src, mi.ERROR)
            return
        self._init_requests(ch, msg, start, end)

    def handle_request_list(self, ch: "Channel", msg) -> None:
        src = (msg.get_srcSystem(), msg.get_srcComponent())
        if self.receiving:
            self.ack(ch, *src, mi.DENIED)
            return
        self.request_warning_sent = False
        ch.send(MSG_MISSION_COUNT, (src[0], src[1], self.backend.item_count(), self.mission_type), droppable=False)

    def handle_request(self, ch: "Channel", msg, is_int: bool) -> None:
        src = (msg.get_srcSystem(), msg.get_srcComponent())
        if self.receiving:
            self.ack(ch, *src, mi.DENIED)
            return
        seq = int(msg.seq)
        item = self.backend.get(seq)
        if isinstance(item, int):
            if self.mission_type == MISSION and seq != 0:
                ch.send(MSG_MISSION_COUNT, (src[0], src[1], self.backend.item_count(), MISSION), droppable=False)
            self.ack(ch, *src, item)
            return
        current = self.backend.current(seq, item.command)
        if is_int:
            ch.send(MSG_MISSION_ITEM_INT, (src[0], src[1], seq, item.frame, item.command, current, 1, item.param1,
                                           item.param2, item.param3, item.param4, item.x, item.y, item.z,
                                           self.mission_type), droppable=False)
            return
        if item.command not in _DIGICAM:
            fx, fy = item.x * 1e-7, item.y * 1e-7
        else:
            fx, fy = float(item.x), float(item.y)
        ch.send(MSG_MISSION_ITEM, (src[0], src[1], seq, item.frame, item.command, current, 1, item.param1, item.param2,
                                   item.param3, item.param4, fx, fy, item.z, self.mission_type), droppable=False)
        if not self.request_warning_sent:
            self.request_warning_sent = True
            self.vm.broadcast_text(4, "got MISSION_REQUEST; use MISSION_REQUEST_INT!")

    def handle_item(self, ch: "Channel", msg, is_int: bool) -> None:
        src = (msg.get_srcSystem(), msg.get_srcComponent())
        res, fields = item_int_fields(msg, is_int)
        if res != mi.ACCEPTED:
            self.ack(ch, *src, res)
            return
        if not is_int and not self.item_warning_sent:
            self.item_warning_sent = True
            self.vm.broadcast_text(4, "got MISSION_ITEM; GCS should send MISSION_ITEM_INT")
        if not self.receiving or self.channel is None:
            return
        if fields[0] != self.request_i:
            self.ack(self.channel, *src, mi.INVALID_SEQUENCE)
            return
        if src != self.dest:
            self.ack(self.channel, *src, mi.DENIED)
            return
        result = self.backend.put(fields[0], fields, self.request_last)
        if result != mi.ACCEPTED:
            self.ack(self.channel, *src, result)
            self._end()
            return
        self.last_receive = self.vm.copter.t
        self.request_i += 1
        if self.request_i > self.request_last:
            self._transfer_complete(self.channel, src)
            return
        self._send_request()

    def handle_clear_all(self, ch: "Channel", msg) -> None:
        src = (msg.get_srcSystem(), msg.get_srcComponent())
        ok = not self.receiving and self.backend.clear()
        self.ack(ch, *src, mi.ACCEPTED if ok else mi.ERROR)

    def _transfer_complete(self, ch: "Channel", src) -> None:
        result = self.backend.complete(ch)
        self.ack(ch, *src, result)
        self._end()

    def _end(self) -> None:
        self._free()
        self.receiving = False
        self.channel = None

    def update(self, now: float) -> None:
        if not self.receiving or self.channel is None:
            return
        if now - self.last_receive > UPLOAD_TIMEOUT_S:
            ch = self.channel
            self.receiving = False
            self.backend.timeout(ch)
            self.ack(ch, self.dest[0], self.dest[1], mi.OPERATION_CANCELLED)
            self._end()
            return
        if now - self.last_request > RESEND_S:
            self._send_request()
