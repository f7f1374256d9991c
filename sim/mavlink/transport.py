"""Sockets for the MAVLink links: a TCP server per vehicle (like SITL's SERIAL0 on 5760) and a
UDP port answering whoever last sent to it. Everything is non-blocking and polled by the
simulator's single loop, so a slow or vanished client never stalls simulated time: its bytes
queue up to a limit and then telemetry is dropped, as ArduPilot drops messages on a full link.
"""
from __future__ import annotations

import socket

from .codec import Encoder, Parser

MAX_QUEUED = 4 * 1024 * 1024       # bytes queued for a slow client before telemetry is dropped
HARD_LIMIT = 16 * 1024 * 1024      # beyond this even protocol replies are dropped
UDP_DATAGRAM = 8192


class Link:
    """One peer: its parser, its sequence numbers, its outgoing bytes."""

    def __init__(self, sock: socket.socket, name: str, sysid: int, udp: bool = False, peer=None):
        self.sock = sock
        self.name = name
        self.udp = udp
        self.peer = peer
        self.parser = Parser()
        self.encoder = Encoder(sysid, 1)
        self._out: list[bytes] = []
        self._queued = 0
        self.closed = False
        self.dropped = 0

    @property
    def ready(self) -> bool:
        return not self.closed and (not self.udp or self.peer is not None)

    def write(self, frame: bytes, droppable: bool = True) -> None:
        if not self.ready:
            return
        size = len(frame)
        if self._queued + size > (MAX_QUEUED if droppable else HARD_LIMIT):
            self.dropped += 1
            return
        self._out.append(frame)
        self._queued += size

    def flush(self) -> None:
        if not self._out or not self.ready:
            return
        if self.udp:
            self._flush_udp()
            return
        data = b"".join(self._out)
        try:
            sent = self.sock.send(data)
        except (BlockingIOError, InterruptedError):
            sent = 0
        except OSError:
            self.close()
            return
        rest = data[sent:]
        self._out = [rest] if rest else []
        self._queued = len(rest)

    def _flush_udp(self) -> None:
        chunk: list[bytes] = []
        size = 0
        frames, self._out, self._queued = self._out, [], 0
        for f in frames + [b""]:
            if f and size + len(f) <= UDP_DATAGRAM:
                chunk.append(f)
                size += len(f)
                continue
            if chunk:
                try:
                    self.sock.sendto(b"".join(chunk), self.peer)
                except OSError:         # full buffer or peer gone: UDP just loses the datagram
                    self.dropped += 1
            chunk, size = ([f], len(f)) if f else ([], 0)

    def close(self) -> None:
        """Mark the link dead; the runner unregisters and closes its socket (it owns the selector)."""
        if self.closed:
            return
        self.closed = True
        self._out.clear()


def tcp_listener(host: str, port: int) -> socket.socket:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, port))
    s.listen(8)
    s.setblocking(False)
    return s


def udp_socket(host: str, port: int) -> socket.socket:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((host, port))
    s.setblocking(False)
    return s


def accept(listener: socket.socket) -> socket.socket | None:
    try:
        conn, _ = listener.accept()
    except (BlockingIOError, InterruptedError, OSError):
        return None
    conn.setblocking(False)
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return conn
