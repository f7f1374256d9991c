"""One vehicle's MAVLink presence: its links, what arrives on them and what it sends back.

Incoming messages are handled only when addressed to this vehicle (target system 0 or ours,
component 0 or 1), as ArduPilot's router decides; the rest is ignored without a reply. Every step
the vehicle's STATUSTEXTs and MISSION_ITEM_REACHEDs go to every active link (one that has sent us
something), each link gets the messages its schedule says are due, parameter downloads advance,
and mission uploads time out. Link faults (SIM_LINK_LOSS percent, SIM_LINK_OUT seconds) drop
traffic both ways with the vehicle's seeded generator.
"""
from __future__ import annotations

import logging
import math
import random
from typing import Callable

from ..vehicle.copter import Copter
from . import commands
from .codec import pack_payload
from .mission_protocol import FENCE, MISSION, RALLY, FenceBackend, ItemTransfer, RallyBackend, WaypointBackend
from .param_protocol import ParamProtocol
from .streams import Schedule
from .telemetry import BUILDERS
from .transport import Link

STATUSTEXT, MISSION_ITEM_REACHED, HOME_POSITION, TIMESYNC = 253, 46, 242, 111
MISSION_TYPE_ALL = 255
_NO_TARGET = -1
log = logging.getLogger(__name__)


class Channel:
    """A link with its own schedule and parameter download, like one of ArduPilot's MAVLink channels."""

    __slots__ = ("vm", "link", "schedule", "active", "param_next", "param_credit")

    def __init__(self, vm: "VehicleMavlink", link: Link, now: float):
        self.vm = vm
        self.link = link
        self.schedule = Schedule(now)
        self.active = False
        self.param_next: int | None = None
        self.param_credit = 0.0

    def send(self, msgid: int, fields, droppable: bool = True) -> None:
        if self.vm.link_down():
            return
        self.link.write(self.link.encoder.frame(msgid, fields), droppable)

    def send_now(self, msgid: int) -> None:
        fields = BUILDERS[msgid](self.vm.copter)
        if fields is not None:
            self.send(msgid, fields, droppable=False)

    def text(self, severity: int, text: str) -> None:
        for fields in _statustext_chunks(severity, text, self.vm.next_text_id()):
            self.send(STATUSTEXT, fields, droppable=False)


def _statustext_chunks(severity: int, text: str, text_id: int) -> list[tuple]:
    raw = text.encode("ascii", "replace")
    if len(raw) <= 50:
        return [(severity, raw, 0, 0)]
    return [(severity, raw[i:i + 50], text_id, n) for n, i in enumerate(range(0, len(raw), 50))]


class VehicleMavlink:
    def __init__(self, copter: Copter):
        self.copter = copter
        self.channels: list[Channel] = []
        self.params = ParamProtocol(self)
        self.rally_items: list = []
        self.transfers = {MISSION: ItemTransfer(self, WaypointBackend(self)),
                          FENCE: ItemTransfer(self, FenceBackend(self)),
                          RALLY: ItemTransfer(self, RallyBackend(self))}
        self._transfer_list = list(self.transfers.values())
        self._rng = random.Random(copter.cfg.seed * 7919 + copter.sysid)
        self._text_id = 0
        self._home_version = 0
        self._outage_until = 0.0
        self._outage_from = 0.0
        self._faulty = False
        self._loss = 0.0
        self._last_t = 0.0
        self.handler_errors = 0
        self._listen()
        self._handlers: dict[int, Callable] = {
            0: self._heartbeat, 21: lambda ch, m: self.params.request_list(ch, m),
            20: lambda ch, m: self.params.request_read(ch, m), 23: lambda ch, m: self.params.set(ch, m),
            66: self._request_data_stream, 76: lambda ch, m: commands.handle(self, ch, m, False),
            75: lambda ch, m: commands.handle(self, ch, m, True), 11: self._set_mode,
            44: lambda ch, m: self._transfer(m).handle_count(ch, m),
            39: lambda ch, m: self._transfer(m).handle_item(ch, m, False),
            73: lambda ch, m: self._transfer(m).handle_item(ch, m, True),
            40: lambda ch, m: self._transfer(m).handle_request(ch, m, False),
            51: lambda ch, m: self._transfer(m).handle_request(ch, m, True),
            43: lambda ch, m: self._transfer(m).handle_request_list(ch, m),
            45: self._clear_all,
            38: lambda ch, m: self._transfer(m).handle_partial(ch, m),
            41: self._mission_set_current, 86: self._set_position_target_global, 84: self._set_position_target_local,
            70: self._rc_override, TIMESYNC: self._timesync,
        }

    def _listen(self) -> None:
        p = self.copter.params
        p.on_change("SIM_LINK_OUT", self._outage_param, persistent=True)
        p.on_change("SIM_LINK_LOSS", self._link_faults_changed, persistent=True)
        self._link_faults_changed()

    def _outage_param(self, _name: str, value: float) -> None:
        self._start_outage(value)

    # --- links -------------------------------------------------------------------------------
    def add_link(self, link: Link) -> Channel:
        ch = Channel(self, link, self.copter.t)
        self.channels.append(ch)
        return ch

    def drop_closed(self) -> None:
        self.channels = [ch for ch in self.channels if not ch.link.closed]
        for tr in self.transfers.values():
            if tr.channel is not None and tr.channel.link.closed:
                tr.receiving, tr.channel = False, None

    def link_down(self) -> bool:
        """True while traffic is lost to an injected outage or packet loss (one draw per message)."""
        if not self._faulty:
            return False
        t = self.copter.t
        if self._outage_from < t < self._outage_until:
            return True
        loss = self._loss
        return loss > 0 and self._rng.random() * 100.0 < loss

    def _link_faults_changed(self, *_args) -> None:
        self._loss = self.copter.params["SIM_LINK_LOSS"]
        self._faulty = self._loss > 0 or self._outage_until > 0

    def _start_outage(self, seconds: float) -> None:
        t = self.copter.t
        self._outage_from, self._outage_until = t, t + max(0.0, seconds)
        self._link_faults_changed()

    def receive(self, ch: Channel, data: bytes) -> None:
        for msg in ch.link.parser.feed(data):
            if self.link_down():
                continue
            try:
                self.handle(ch, msg)
            except Exception as exc:   # noqa: BLE001 - hostile input must never stop the vehicle
                # a message the dialect parsed but whose fields make no sense: ignored, like ArduPilot
                self.handler_errors += 1
                if self.handler_errors <= 3:
                    log.warning("vehicle %d ignored a %s it could not handle: %r", self.copter.sysid,
                                msg.get_type(), exc)

    def handle(self, ch: Channel, msg) -> None:
        ch.active = True
        target = getattr(msg, "target_system", _NO_TARGET)
        if target not in (_NO_TARGET, 0, self.copter.sysid):
            return
        comp = getattr(msg, "target_component", _NO_TARGET)
        if comp not in (_NO_TARGET, 0, 1) and target != _NO_TARGET:
            return
        fn = self._handlers.get(msg.get_msgId())
        if fn is not None:
            fn(ch, msg)

    def _clear_all(self, ch: Channel, msg) -> None:
        if int(getattr(msg, "mission_type", 0)) != MISSION_TYPE_ALL:
            self._transfer(msg).handle_clear_all(ch, msg)
            return
        ok = all(not tr.receiving and tr.backend.clear() for tr in self._transfer_list)
        ch.send(47, (msg.get_srcSystem(), msg.get_srcComponent(), 0 if ok else 1, MISSION_TYPE_ALL), droppable=False)

    def _transfer(self, msg) -> ItemTransfer:
        kind = int(getattr(msg, "mission_type", 0))
        tr = self.transfers.get(kind)
        if tr is None:
            raise ValueError("mission type")
        return tr

    # --- handlers ----------------------------------------------------------------------------
    def _heartbeat(self, ch: Channel, msg) -> None:
        if msg.get_srcSystem() == int(self.copter.params["MAV_GCS_SYSID"]):
            self.copter.gcs_heartbeat()

    def _request_data_stream(self, ch: Channel, msg) -> None:
        if msg.start_stop == 0:
            rate = 0
        elif msg.start_stop == 1:
            rate = int(msg.req_message_rate)
        else:
            return
        ch.schedule.set_stream(int(msg.req_stream_id), float(rate), self.copter.t)

    def _set_mode(self, ch: Channel, msg) -> None:
        c = self.copter
        if int(msg.base_mode) & 1:
            result = commands.ACCEPTED if c.set_mode(int(msg.custom_mode), "gcs") else commands.FAILED
        else:
            result = commands.DENIED
        # ArduPilot acknowledges SET_MODE with a COMMAND_ACK whose command is the message id (11)
        ch.send(commands.COMMAND_ACK, (11, result, 0, 0, msg.get_srcSystem(), msg.get_srcComponent()),
                droppable=False)

    def _mission_set_current(self, ch: Channel, msg) -> None:
        if self.copter.set_mission_current(int(msg.seq)):
            ch.send_now(42)

    def _set_position_target_global(self, ch: Channel, msg) -> None:
        c = self.copter
        if c.mode.number != 4:
            return
        mask = int(msg.type_mask)
        pos_ignore, vel_ignore, acc_ignore = mask & 7, mask & 56, mask & 448
        if mask & 512 and not acc_ignore:
            c.modes[4].init(True)
            return
        if not pos_ignore:
            lat, lon = int(msg.lat_int), int(msg.lon_int)
            if not (-900000000 <= lat <= 900000000 and -1800000000 <= lon <= 1800000000):
                c.modes[4].init(True)
                return
            frame = int(msg.coordinate_frame)
            alt = float(msg.alt)
            n, e = c.geo.to_ne(lat * 1e-7, lon * 1e-7)
            if frame in (0, 5):
                alt = alt - c.origin_amsl
            elif frame in (3, 6, 10, 11):
                alt = c.home_alt + alt
            else:
                c.modes[4].init(True)
                return
            if alt != alt:
                c.modes[4].init(True)
                return
            c.guided_goto(n, e, alt)        # refused silently outside an enabled fence
            return
        if not vel_ignore:
            v = (float(msg.vx), float(msg.vy), float(msg.vz))
            if any(x != x or abs(x) > 1000 for x in v):
                c.modes[4].init(True)
                return
            c.guided_velocity(v[0], v[1], -v[2])
            return
        c.modes[4].init(True)

    def _set_position_target_local(self, ch: Channel, msg) -> None:
        c = self.copter
        if c.mode.number != 4:
            return
        frame = int(msg.coordinate_frame)
        if frame not in (1, 7, 8, 9):
            c.modes[4].init(True)
            return
        mask = int(msg.type_mask)
        pos_ignore, vel_ignore = mask & 7, mask & 56
        if not pos_ignore:
            x, y, z = float(msg.x), float(msg.y), float(msg.z)
            if any(v != v for v in (x, y, z)):
                c.modes[4].init(True)
                return
            n, e, alt = c.est()
            if frame in (8, 9):
                cy, sy = math.cos(c.af.yaw), math.sin(c.af.yaw)
                x, y = x * cy - y * sy, x * sy + y * cy
            if frame == 1:
                c.guided_goto(x, y, -z)
            else:
                c.guided_goto(n + x, e + y, alt - z)
            return
        if not vel_ignore:
            vx, vy, vz = float(msg.vx), float(msg.vy), float(msg.vz)
            if any(v != v or abs(v) > 1000 for v in (vx, vy, vz)):
                c.modes[4].init(True)
                return
            if frame in (8, 9):
                cy, sy = math.cos(c.af.yaw), math.sin(c.af.yaw)
                vx, vy = vx * cy - vy * sy, vx * sy + vy * cy
            c.guided_velocity(vx, vy, -vz)
            return
        c.modes[4].init(True)

    def _rc_override(self, ch: Channel, msg) -> None:
        c = self.copter
        if msg.get_srcSystem() != int(c.params["MAV_GCS_SYSID"]):
            return                                   # only our GCS may fly the sticks
        values = [int(getattr(msg, f"chan{i}_raw", 65535)) for i in range(1, 19)]
        c.set_rc_overrides(values)
        c.gcs_heartbeat()                            # overrides from MAV_GCS_SYSID count as contact too

    def _timesync(self, ch: Channel, msg) -> None:
        if int(msg.tc1) == 0:
            ch.send(TIMESYNC, (int(self.copter.t * 1e9), int(msg.ts1)), droppable=False)

    # --- outgoing ------------------------------------------------------------------------------
    def next_text_id(self) -> int:
        self._text_id = (self._text_id % 65535) + 1
        return self._text_id

    def broadcast(self, msgid: int, fields, droppable: bool = True) -> None:
        for ch in self.channels:
            if ch.active:
                ch.send(msgid, fields, droppable)

    def broadcast_now(self, msgid: int) -> None:
        fields = BUILDERS[msgid](self.copter)
        if fields is not None:
            self.broadcast(msgid, fields, droppable=False)

    def broadcast_text(self, severity: int, text: str) -> None:
        chunks = _statustext_chunks(severity, text, self.next_text_id())
        for ch in self.channels:
            if ch.active:
                for fields in chunks:
                    ch.send(STATUSTEXT, fields, droppable=False)

    def announce_home(self) -> None:
        self._home_version = self.copter.home_version
        self.broadcast_now(HOME_POSITION)

    def reboot(self) -> None:
        self.copter.reboot()
        self._last_t = 0.0
        for tr in self.transfers.values():
            tr.receiving, tr.channel = False, None
        for ch in self.channels:
            ch.schedule = Schedule(self.copter.t)
            ch.param_next = None

    def update(self) -> None:
        """After a physics step: announcements, streams, parameter downloads, transfer timeouts."""
        c = self.copter
        now = c.t
        dt = now - self._last_t
        self._last_t = now
        if not self.channels:
            c.outbox.clear()
            c.reached_queue.clear()
            return
        if self._outage_until and now >= self._outage_until:
            self._outage_until = 0.0
            c.params.set_internal("SIM_LINK_OUT", 0.0)
            self._link_faults_changed()
        if c.outbox or c.reached_queue or c.home_version != self._home_version:
            self._announce()
        for tr in self._transfer_list:
            if tr.receiving:
                tr.update(now)
        self._streams(now, dt)

    def _announce(self) -> None:
        """STATUSTEXT, MISSION_ITEM_REACHED and a changed home go to every active link."""
        c = self.copter
        active = any(ch.active for ch in self.channels)
        while c.outbox:
            sev, text = c.outbox.popleft()
            if active:
                self.broadcast_text(sev, text)
        while c.reached_queue:
            seq = c.reached_queue.popleft()
            if active:
                self.broadcast(MISSION_ITEM_REACHED, (seq,), droppable=False)
        if c.home_version != self._home_version:
            self._home_version = c.home_version
            if active:
                self.broadcast_now(HOME_POSITION)

    def _streams(self, now: float, dt: float) -> None:
        c = self.copter
        cache: dict[int, bytes | None] = {}
        faulty = self._faulty
        for ch in self.channels:
            due = ch.schedule.due(now)
            if due:
                link = ch.link
                frame = link.encoder.frame_payload
                for msgid in due:
                    if msgid in cache:
                        payload = cache[msgid]
                    else:
                        fields = BUILDERS[msgid](c)
                        payload = cache[msgid] = None if fields is None else pack_payload(msgid, fields)
                    if payload is not None and not (faulty and self.link_down()):
                        link.write(frame(msgid, payload))
            if ch.param_next is not None:
                self.params.update(ch, dt)

    def flush(self) -> None:
        for ch in self.channels:
            ch.link.flush()
