"""The wire protocol between the ticket server and partner clients (docs/protocol.md is the contract).

Each message is one JSON header frame (UTF-8, an object with "v" and "type"), followed, for
`deliver` only, by the evidence parts the header names. This module encodes and checks messages;
it knows nothing about sockets.
"""
from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass

from . import codec
from .model import PARTNER_STATUSES

VERSION = 1
MAX_CLIENT_FRAME = 16 * 1024        # a partner never needs more; the server socket's MAXMSGSIZE
MAX_DELIVER_FRAME = 64 * 1024 * 1024  # the client socket's MAXMSGSIZE: a full-frame JPEG fits
MAX_ACKS = 1000
MAX_REF, MAX_ACTOR, MAX_NOTE = 64, 200, 2000
PART_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")  # also a file name at the partner

# Error codes the server answers with (`error.code`).
ERRORS = {
    "bad_frames": "a client message is exactly one frame",
    "bad_json": "the frame is not a UTF-8 JSON object",
    "bad_version": "the protocol version is not one the server speaks",
    "unknown_type": "the message type is not hello, ack or status",
    "bad_message": "a field is missing or has the wrong type or range",
    "unknown_ticket": "no such ticket was routed to your agency",
    "bad_status": "the status is not one a partner may set",
    "status_order": "the status does not move your agency's part of the ticket forward",
    "seq_ahead": "last_seq is beyond anything the server has sent your agency",
    "superseded": "another connection with your key said hello; this one gets nothing more",
    "internal": "the server could not handle the message (it is logged); it may be sent again later",
}


class ProtocolError(Exception):
    def __init__(self, code: str, message: str, ref: str | None = None):
        super().__init__(message)
        self.code, self.ref = code, ref


@dataclass(frozen=True)
class Hello:
    last_seq: int
    client: str


@dataclass(frozen=True)
class Ack:
    seqs: tuple[int, ...]


@dataclass(frozen=True)
class StatusRequest:
    ref: str
    ticket: str
    status: str
    actor: str
    note: str | None


@dataclass(frozen=True)
class Welcome:
    agency: str
    last_seq: int
    head_seq: int
    heartbeat_s: float


@dataclass(frozen=True)
class Deliver:
    seq: int
    ticket: dict
    parts: dict[str, bytes]


@dataclass(frozen=True)
class StatusOk:
    ref: str
    ticket: str
    version: int
    repeated: bool


@dataclass(frozen=True)
class ErrorReply:
    code: str
    message: str
    ref: str | None


def encode(msg: dict) -> bytes:
    return codec.dumps({"v": VERSION, **msg})


def deliver_header(seq: int, doc: str, part_names) -> bytes:
    """The deliver header around an already-serialised ticket document (no re-parsing on the hot path)."""
    names = ",".join(f'"{n}"' for n in part_names)
    return f'{{"v":{VERSION},"type":"deliver","seq":{seq},"parts":[{names}],"ticket":{doc}}}'.encode("utf-8")


def _header(frames: list[bytes], max_frames: int) -> dict:
    if not frames or len(frames) > max_frames:
        raise ProtocolError("bad_frames", f"got {len(frames)} frames")
    try:
        msg = codec.loads(frames[0])
    except (UnicodeDecodeError, codec.JSONDecodeError, RecursionError) as exc:
        raise ProtocolError("bad_json", f"header is not JSON ({exc.__class__.__name__})") from None
    if not isinstance(msg, dict):
        raise ProtocolError("bad_json", "header is not a JSON object")
    if msg.get("v") != VERSION or isinstance(msg.get("v"), bool):
        raise ProtocolError("bad_version", f"protocol version {str(msg.get('v'))[:20]!r}; this server speaks {VERSION}",
                            _ref(msg))
    return msg


def _ref(msg: dict) -> str | None:
    ref = msg.get("ref")
    return ref if isinstance(ref, str) and 0 < len(ref) <= MAX_REF else None


def _int(msg: dict, key: str, lo: int) -> int:
    v = msg.get(key)
    if isinstance(v, bool) or not isinstance(v, int) or v < lo or v >= 2 ** 63:
        raise ProtocolError("bad_message", f"{key} must be a whole number >= {lo}", _ref(msg))
    return v


def _text(msg: dict, key: str, limit: int, required: bool = True) -> str | None:
    v = msg.get(key)
    if v is None and not required:
        return None
    if not isinstance(v, str) or not v.strip() or len(v) > limit:
        raise ProtocolError("bad_message", f"{key} must be a non-empty text of at most {limit} characters", _ref(msg))
    return v


def decode_client(frames: list[bytes]) -> Hello | Ack | StatusRequest:
    """A partner's message, checked; raises ProtocolError with the code to answer."""
    if len(frames) != 1:
        raise ProtocolError("bad_frames", f"a client message is one frame, got {len(frames)}")
    if len(frames[0]) > MAX_CLIENT_FRAME:
        raise ProtocolError("bad_frames", f"frame of {len(frames[0])} bytes exceeds {MAX_CLIENT_FRAME}")
    msg = _header(frames, 1)
    kind = msg.get("type")
    if kind == "hello":
        client = msg.get("client", "")
        return Hello(_int(msg, "last_seq", 0), client[:100] if isinstance(client, str) else "")
    if kind == "ack":
        seqs = msg.get("seqs")
        if not isinstance(seqs, list) or not 1 <= len(seqs) <= MAX_ACKS:
            raise ProtocolError("bad_message", f"seqs must be a list of 1 to {MAX_ACKS} sequence numbers")
        for s in seqs:
            if isinstance(s, bool) or not isinstance(s, int) or not 1 <= s < 2 ** 63:
                raise ProtocolError("bad_message", "every seq must be a whole number >= 1")
        return Ack(tuple(seqs))
    if kind == "status":
        ref = _text(msg, "ref", MAX_REF)
        ticket = _text(msg, "ticket", 36)
        try:
            ticket = str(uuid.UUID(ticket))
        except ValueError:
            raise ProtocolError("bad_message", "ticket must be a ticket id (UUID)", ref) from None
        status = msg.get("status")
        if status not in PARTNER_STATUSES:
            raise ProtocolError("bad_status", f"status must be one of {', '.join(PARTNER_STATUSES)}", ref)
        return StatusRequest(ref, ticket, status, _text(msg, "actor", MAX_ACTOR), _text(msg, "note", MAX_NOTE, False))
    raise ProtocolError("unknown_type", f"type {str(kind)[:40]!r} is not hello, ack or status", _ref(msg))


def decode_server(frames: list[bytes]) -> Welcome | Deliver | StatusOk | ErrorReply:
    """A server message, checked by the client: a deliver's parts must match the sha256 in its ticket."""
    msg = _header(frames, 1 + 8)
    kind = msg.get("type")
    if kind == "deliver":
        seq = _int(msg, "seq", 1)
        ticket, names = msg.get("ticket"), msg.get("parts")
        if not isinstance(ticket, dict) or not isinstance(names, list) or len(names) != len(frames) - 1:
            raise ProtocolError("bad_message", f"deliver {seq}: parts do not match the frames")
        evidence = {e.get("name"): e for e in ticket.get("evidence", []) if isinstance(e, dict)}
        parts = {}
        for name, data in zip(names, frames[1:]):
            if not isinstance(name, str) or not PART_NAME.match(name) or name in parts:
                raise ProtocolError("bad_message", f"deliver {seq}: part name {str(name)[:40]!r} is not a plain name")
            data = bytes(data)
            want = evidence.get(name, {}).get("sha256")
            if hashlib.sha256(data).hexdigest() != want:
                raise ProtocolError("bad_message", f"deliver {seq}: part {name!r} does not match its sha256")
            parts[name] = data
        return Deliver(seq, ticket, parts)
    if len(frames) != 1:
        raise ProtocolError("bad_frames", f"{kind} has {len(frames)} frames")
    if kind == "welcome":
        return Welcome(str(msg.get("agency")), _int(msg, "last_seq", 0), _int(msg, "head_seq", 0),
                       float(msg.get("heartbeat_s", 0)))
    if kind == "status_ok":
        return StatusOk(str(msg.get("ref")), str(msg.get("ticket")), _int(msg, "version", 1), bool(msg.get("repeated")))
    if kind == "error":
        return ErrorReply(str(msg.get("code")), str(msg.get("message")), _ref(msg))
    raise ProtocolError("unknown_type", f"type {str(kind)[:40]!r}")
