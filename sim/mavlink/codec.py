"""MAVLink 2 framing that is fast enough to stream telemetry at hundreds of times real time.

pymavlink builds a message object per send and packs it field by field; at 200x speed-up with a
ground station's streams that is most of the simulator's time. Here each message type gets a
precompiled struct (from pymavlink's own generated metadata, so layouts, CRC extras and
extensions can never drift from the dialect), and a frame is one struct call plus a C CRC.
Parsing incoming bytes stays with pymavlink (robust mode), where a ground station's few messages
a second cost nothing and garbage must never raise.
"""
from __future__ import annotations

import operator
import struct
from dataclasses import dataclass

import fastcrc
from pymavlink.dialects.v20 import ardupilotmega as mavlink

_crc = fastcrc.crc16.mcrf4xx
_HEADER = struct.Struct("<BBBBBBBHB")
_CRC = struct.Struct("<H")
STX_V2 = 0xFD


@dataclass(frozen=True)
class _Layout:
    msgid: int
    crc_extra: bytes                # one byte, appended to the CRC input
    packer: struct.Struct
    wire_src: tuple[int, ...]       # for each wire slot, the index of the field (definition order)
    array_fields: tuple[int, ...]   # definition indices of non-char arrays, flattened when packed
    char_fields: frozenset          # definition indices of char[] fields (str accepted, sent as ASCII)
    getter: operator.itemgetter     # fields (definition order) -> wire order, in C


def _layout(cls) -> _Layout:
    orders = list(cls.orders)                    # orders[i] = wire slot of field i
    wire_src = [0] * len(orders)
    for field, slot in enumerate(orders):
        wire_src[slot] = field
    # array_lengths follows the wire order, fieldtypes the definition order
    arrays = tuple(wire_src[slot] for slot, n in enumerate(cls.array_lengths)
                   if n and cls.fieldtypes[wire_src[slot]] != "char")
    chars = frozenset(i for i, t in enumerate(cls.fieldtypes) if t == "char")
    getter = operator.itemgetter(*wire_src) if len(wire_src) > 1 else (lambda f, _i=wire_src[0]: (f[_i],))
    return _Layout(cls.id, bytes((cls.crc_extra,)), struct.Struct(cls.unpacker.format), tuple(wire_src), arrays,
                   chars, getter)


LAYOUTS: dict[int, _Layout] = {cls.id: _layout(cls) for cls in mavlink.mavlink_map.values()}
MESSAGE_NAMES: dict[int, str] = {cls.id: cls.msgname for cls in mavlink.mavlink_map.values()}


def pack_payload(msgid: int, fields: tuple | list) -> bytes:
    """Payload bytes of one message, fields in the dialect's definition order, MAVLink 2 trailing zeros cut."""
    lay = LAYOUTS[msgid]
    if lay.char_fields:
        fields = [f.encode("ascii", "replace") if i in lay.char_fields and isinstance(f, str) else f
                  for i, f in enumerate(fields)]
    if lay.array_fields:
        wire: list = []
        for src in lay.wire_src:
            v = fields[src]
            if src in lay.array_fields:
                wire.extend(v)
            else:
                wire.append(v)
    else:
        wire = lay.getter(fields)
    return lay.packer.pack(*wire).rstrip(b"\0") or b"\0"


class Encoder:
    """Frames messages from one (system, component) on one link; owns that link's sequence counter."""

    __slots__ = ("sysid", "compid", "seq")

    def __init__(self, sysid: int, compid: int = 1):
        self.sysid = sysid
        self.compid = compid
        self.seq = 0

    def frame(self, msgid: int, fields: tuple | list) -> bytes:
        return self.frame_payload(msgid, pack_payload(msgid, fields))

    def frame_payload(self, msgid: int, payload: bytes) -> bytes:
        body = _HEADER.pack(STX_V2, len(payload), 0, 0, self.seq, self.sysid, self.compid,
                            msgid & 0xFFFF, msgid >> 16) + payload
        self.seq = (self.seq + 1) & 0xFF
        return body + _CRC.pack(_crc(LAYOUTS[msgid].crc_extra, _crc(body[1:], 0xFFFF)))


class Parser:
    """Bytes in, pymavlink messages out; never raises on garbage (bad frames are counted and dropped)."""

    def __init__(self):
        self._mav = self._new()
        self.bad_frames = 0

    @staticmethod
    def _new():
        mav = mavlink.MAVLink(None, srcSystem=0, srcComponent=0)
        mav.robust_parsing = True
        return mav

    def feed(self, data: bytes) -> list:
        try:
            msgs = self._mav.parse_buffer(data) or []
        except Exception:  # a parser bug on hostile input must not stop the vehicle
            self.bad_frames += 1
            self._mav = self._new()
            return []
        out = []
        for m in msgs:
            if m.get_type() in ("BAD_DATA", "UNKNOWN") or m.get_msgId() < 0:
                self.bad_frames += 1
                continue
            out.append(m)
        return out

