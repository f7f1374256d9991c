"""The partner's side: a DEALER that receives its agency's tickets, stores them, then acknowledges them.

On every (re)connection, once the CURVE handshake succeeds, the client says hello with the last
sequence number it has stored contiguously; the server then sends everything after it. Each batch
received is stored (FeedStore, one transaction) before its acknowledgement is sent, so a crash
anywhere costs at most a retransmission, never a ticket. `send_status` sends one status change.
"""
from __future__ import annotations

import logging
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Callable

import zmq
from zmq.utils.monitor import recv_monitor_message

from missions.errors import UserError

from .feedstore import FeedStore, Stored
from .model import from_dict
from .protocol import (MAX_ACKS, MAX_DELIVER_FRAME, Deliver, ErrorReply, ProtocolError, StatusOk, Welcome,
                       decode_server, encode)

log = logging.getLogger("waterpatrol.tickets.client")
CLIENT_NAME = "waterpatrol-feed/1"


class Refused(UserError):
    """The server does not accept this key, or says this client must stop."""


@dataclass(frozen=True)
class Identity:
    agency: str
    public: bytes
    secret: bytes
    server_public: bytes


def _dealer(ctx: zmq.Context, ident: Identity, endpoint: str, heartbeat_s: float):
    sock = ctx.socket(zmq.DEALER)
    sock.curve_serverkey = ident.server_public
    sock.curve_publickey = ident.public
    sock.curve_secretkey = ident.secret
    sock.maxmsgsize = MAX_DELIVER_FRAME
    sock.heartbeat_ivl = int(heartbeat_s * 1000)
    sock.heartbeat_timeout = int(heartbeat_s * 3000)
    sock.heartbeat_ttl = int(heartbeat_s * 3000)
    sock.reconnect_ivl = 100
    sock.reconnect_ivl_max = 2000
    sock.linger = 1000
    sock.rcvhwm = 4096
    monitor = sock.get_monitor_socket(zmq.EVENT_HANDSHAKE_SUCCEEDED | zmq.EVENT_HANDSHAKE_FAILED_AUTH
                                      | zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL | zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL
                                      | zmq.EVENT_DISCONNECTED)
    try:
        sock.connect(endpoint)
    except zmq.ZMQError as exc:
        sock.close(0)
        monitor.close(0)
        raise UserError(f"--server {endpoint}: {exc}") from None
    return sock, monitor


class FeedClient:
    """Runs until stopped (or idle, or a number of tickets), calling `on_ticket` for each new ticket version."""

    def __init__(self, endpoint: str, ident: Identity, store: FeedStore, *,
                 on_ticket: Callable[[Stored], None] | None = None, on_event: Callable[[str], None] | None = None,
                 heartbeat_s: float = 2.0, batch: int = 256, before_store: Callable[[list[Deliver]], None] | None = None):
        self.endpoint, self.ident, self.store = endpoint, ident, store
        self.on_ticket = on_ticket or (lambda stored: None)
        self.on_event = on_event or (lambda text: log.info("%s", text))
        self.heartbeat_s, self.batch = heartbeat_s, batch
        self.before_store = before_store  # a hook for tests that need a slow partner
        self.received = 0          # new ticket versions stored
        self.duplicates = 0
        self.connected = False
        self.welcome: Welcome | None = None

    def run(self, stop: threading.Event | None = None, *, idle_exit_s: float | None = None,
            max_tickets: int | None = None) -> int:
        """Returns how many new ticket versions were stored."""
        stop = stop or threading.Event()
        ctx = zmq.Context()
        sock, monitor = _dealer(ctx, self.ident, self.endpoint, self.heartbeat_s)
        poller = zmq.Poller()
        poller.register(sock, zmq.POLLIN)
        poller.register(monitor, zmq.POLLIN)
        last_activity, failures = time.monotonic(), 0
        checkpoints = self.store.checkpoint_in_background()
        try:
            while not stop.is_set():
                events = dict(poller.poll(100))
                if monitor in events:
                    failures = self._monitor(monitor, sock, failures)
                if sock in events:
                    self._receive(sock)
                    last_activity = time.monotonic()
                if max_tickets is not None and self.received >= max_tickets:
                    break
                if idle_exit_s is not None and self.welcome and time.monotonic() - last_activity > idle_exit_s:
                    break
        finally:
            checkpoints.stop()
            sock.close(linger=1000)
            monitor.close(0)
            ctx.term()
        return self.received

    def _monitor(self, monitor, sock, failures: int) -> int:
        while monitor.poll(0):
            event = recv_monitor_message(monitor)["event"]
            if event == zmq.EVENT_HANDSHAKE_SUCCEEDED:
                self.connected, failures = True, 0
                last = self.store.last_seq
                sock.send(encode({"type": "hello", "last_seq": last, "client": CLIENT_NAME}))
                self.on_event(f"connected to {self.endpoint}; asking for everything after #{last}")
            elif event == zmq.EVENT_HANDSHAKE_FAILED_AUTH:
                raise Refused(f"{self.endpoint} refused the key of agency {self.ident.agency}: the server does not "
                              f"know it (is {self.ident.agency}.key in the server's key folder?)")
            elif event in (zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL, zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL):
                failures += 1
                if failures == 3:
                    self.on_event(f"handshake with {self.endpoint} keeps failing: is server.key the server's "
                                  f"public key? (still trying)")
            elif event == zmq.EVENT_DISCONNECTED and self.connected:
                self.connected, self.welcome = False, None
                self.on_event(f"disconnected from {self.endpoint}; reconnecting")
        return failures

    def _receive(self, sock) -> None:
        batch: list[Deliver] = []
        while len(batch) < self.batch:
            try:
                frames = sock.recv_multipart(zmq.NOBLOCK)
            except zmq.Again:
                break
            try:
                msg = decode_server(frames)
                if isinstance(msg, Deliver):
                    from_dict(msg.ticket)  # a document we cannot read is not stored, and so not acknowledged
            except (ProtocolError, ValueError, KeyError, TypeError) as exc:
                log.error("dropped a malformed message from the server (not acknowledged): %s", exc)
                continue
            if isinstance(msg, Deliver):
                batch.append(msg)
            elif isinstance(msg, Welcome):
                self._welcome(msg)
            elif isinstance(msg, ErrorReply):
                self._error(msg)
        if not batch:
            return
        if self.before_store:
            self.before_store(batch)
        new = self.store.save(batch)  # durable here: acknowledge now, then show
        self.received += len(new)
        self.duplicates += len(batch) - len(new)
        seqs = [d.seq for d in batch]
        for i in range(0, len(seqs), MAX_ACKS):
            sock.send(encode({"type": "ack", "seqs": seqs[i:i + MAX_ACKS]}))
        self.store.write_files(new)
        for stored in new:
            self.on_ticket(stored)

    def _welcome(self, msg: Welcome) -> None:
        if msg.agency != self.ident.agency:
            raise Refused(f"the server knows this key as agency {msg.agency!r}, not {self.ident.agency!r}")
        self.welcome = msg
        behind = msg.head_seq - msg.last_seq
        self.on_event(f"{msg.agency}: server has #{msg.head_seq}; {behind} to catch up" if behind else
                      f"{msg.agency}: up to date at #{msg.head_seq}")

    def _error(self, msg: ErrorReply) -> None:
        if msg.code in ("seq_ahead", "superseded"):
            raise Refused(f"server: {msg.message}")
        self.on_event(f"server error {msg.code}: {msg.message}")


def send_status(endpoint: str, ident: Identity, ticket_id: str, status: str, *, actor: str, note: str | None = None,
                timeout_s: float = 10.0) -> StatusOk:
    """Send one status change and wait for the server to confirm it is recorded; retries are safe (same ref)."""
    ref = uuid.uuid4().hex
    request = encode({"type": "status", "ref": ref, "ticket": ticket_id, "status": status, "actor": actor,
                      "note": note})
    ctx = zmq.Context()
    sock, monitor = _dealer(ctx, ident, endpoint, 2.0)
    deadline = time.monotonic() + timeout_s
    handshake = False
    try:
        while time.monotonic() < deadline:
            if monitor.poll(0):
                event = recv_monitor_message(monitor)["event"]
                if event == zmq.EVENT_HANDSHAKE_FAILED_AUTH:
                    raise Refused(f"{endpoint} refused the key of agency {ident.agency}")
                if event == zmq.EVENT_HANDSHAKE_SUCCEEDED:
                    handshake = True
                    sock.send(request)  # again after a reconnect: the ref makes it apply once
                continue
            if not sock.poll(50):
                continue
            msg = decode_server(sock.recv_multipart())
            if isinstance(msg, StatusOk) and msg.ref == ref:
                return msg
            if isinstance(msg, ErrorReply) and msg.ref in (ref, None):
                raise UserError(f"server refused the status change: {msg.code}: {msg.message}")
        why = "no answer" if handshake else "no handshake (wrong server key, or no server there?)"
        raise UserError(f"{endpoint}: {why} within {timeout_s:g} s")
    finally:
        sock.close(0)
        monitor.close(0)
        ctx.term()
