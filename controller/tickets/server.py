"""The ticket server: sends every released delivery to its agency over ZeroMQ and CURVE until acknowledged.

One thread owns a ROUTER socket (CURVE server, ZAP authenticator, ROUTER_MANDATORY, heartbeats, a
maximum message size, finite linger) and its own outbox connection. Each pass of its loop:
  1. reads what partners sent: hello (start a session from the partner's last sequence number),
     ack, status; the agency is the connection's authenticated User-Id, never a message field;
  2. commits acks and status changes and releases due deliveries (gives them sequence numbers) in
     one transaction, then answers;
  3. sends each session the next deliveries after what it has, at most `window` unacknowledged;
  4. sends again what stays unacknowledged for `retransmit_s`.
Tickets reach the outbox through `submit` (in-process) or through any other process that commits
to the same file; the loop notices either. Nothing is sent before it is committed.
"""
from __future__ import annotations

import collections
import fcntl
import logging
import os
import sqlite3
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import zmq

from missions.errors import UserError

from . import keys as keyfiles
from .acks import PendingAcks
from .auth import ZAP_DOMAIN, AgencyAuthenticator
from .desk import TicketDesk, record_status
from .durable import Checkpointer
from .model import TicketError
from .outbox import Outbox, Released
from .protocol import (MAX_CLIENT_FRAME, Ack, Hello, ProtocolError, StatusRequest, decode_client,
                       deliver_header, encode)

log = logging.getLogger("waterpatrol.tickets.server")


@dataclass(frozen=True)
class ServerConfig:
    bind: str = "tcp://127.0.0.1:5560"
    announce: str | None = None        # a PUB endpoint for dashboards (nothing relies on it for delivery)
    heartbeat_s: float = 2.0           # ZMTP PING every this often
    heartbeat_timeout_s: float = 6.0   # a peer silent this long is disconnected
    retransmit_s: float = 5.0          # an unacknowledged delivery is sent again after this
    window: int = 512                  # unacknowledged deliveries in flight per agency
    window_bytes: int = 16 * 1024 * 1024
    linger_ms: int = 1000
    max_message_bytes: int = MAX_CLIENT_FRAME
    poll_ms: int = 20                  # how soon commits by other processes are noticed
    ack_flush_s: float = 0.05          # acknowledgements are recorded with the next commit, or after this


@dataclass
class _Job:
    """Reports handed to the server thread to commit; `done` is set once they are on disk."""

    placed: list
    done: threading.Event = field(default_factory=threading.Event)
    result: list | None = None
    error: BaseException | None = None


@dataclass
class Session:
    agency: str
    rid: bytes
    sent_upto: int
    inflight: dict[int, tuple[float, int]] = field(default_factory=dict)  # seq -> (sent at, monotonic; bytes)
    inflight_bytes: int = 0
    client: str = ""
    progress: float = field(default_factory=time.monotonic)  # the last hello or acknowledgement (monotonic)


class TicketServer:
    """Start it, submit reports (or let another process fill the outbox), stop it."""

    def __init__(self, outbox_path: str | Path, *, server_key: tuple[bytes, bytes], agency_keys: dict[str, bytes],
                 config: ServerConfig = ServerConfig(), desk: TicketDesk | None = None, clock=time.time):
        self.path = Path(outbox_path)
        self.server_public, self.server_secret = server_key
        self.agency_keys = dict(agency_keys)
        self.config = config
        self.desk = desk
        self.clock = clock
        self.endpoint: str | None = None
        self.announce_endpoint: str | None = None
        self.counters: Counter = Counter()
        self.sessions: dict[str, Session] = {}
        self.heads: dict[str, int] = {}
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._started = threading.Event()
        self._failure: BaseException | None = None
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        os.set_blocking(self._wake_w, False)
        self._lock_fd: int | None = None
        self._jobs: collections.deque[_Job] = collections.deque()
        self._acks = PendingAcks()
        if desk is not None:
            desk.on_commit = self.wake

    @classmethod
    def for_site(cls, site, outbox_path: str | Path, keys_dir: str | Path, *, config: ServerConfig = ServerConfig(),
                 clock=time.time, with_desk: bool = True) -> "TicketServer":
        """Keys from `keys_dir`: server.key_secret for the server, AGENCY.key for each agency of the site."""
        keys_dir = Path(keys_dir)
        server_key = keyfiles.load_secret(keyfiles.paths(keys_dir, keyfiles.SERVER)[1])
        agency_keys, missing = {}, []
        for agency in site.agencies:
            public = keyfiles.paths(keys_dir, agency.name)[0]
            if public.exists():
                agency_keys[agency.name] = keyfiles.load_public(public)
            else:
                missing.append(agency.name)
        if missing:
            log.warning("no public key for %s in %s: they cannot connect; their tickets wait in the outbox",
                        ", ".join(missing), keys_dir)
        desk = TicketDesk(site, outbox_path, clock=clock) if with_desk else None
        return cls(outbox_path, server_key=server_key, agency_keys=agency_keys, config=config, desk=desk, clock=clock)

    # ---- the in-process API ---------------------------------------------------------------------

    def start(self, timeout_s: float = 10.0) -> str:
        """Bind and start serving; returns the endpoint actually bound (a port 0 becomes a real one)."""
        self._take_lock()
        self._thread = threading.Thread(target=self._main, name="ticket-server", daemon=True)
        self._thread.start()
        if not self._started.wait(timeout_s) or self._failure is not None:
            self._stop.set()
            self._release_lock()
            failure = self._failure
            if isinstance(failure, zmq.ZMQError):
                raise UserError(f"tickets server: cannot bind {self.config.bind} ({failure})") from None
            raise RuntimeError("ticket server did not start") from failure
        return self.endpoint

    def stop(self, timeout_s: float = 10.0) -> None:
        self._stop.set()
        self.wake()
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None
        self._release_lock()
        fds, self._wake_r, self._wake_w = (self._wake_r, self._wake_w), -1, -1
        for fd in fds:
            if fd >= 0:
                os.close(fd)

    def __enter__(self) -> "TicketServer":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def submit(self, report):
        """Commit a report's ticket (durable on return) and have it sent."""
        return self.submit_many([report])[0]

    def submit_many(self, reports, timeout_s: float = 60.0):
        """Commit reports (durable on return); they are sent from the same transaction's release.

        While the server runs, its own thread commits them together with acknowledgements and
        releases: one writer, one disk flush per pass. Otherwise (not started, stopped, or its
        thread gone) they are committed directly; either way a retry is safe, since the same
        report again changes nothing.
        """
        if self.desk is None:
            raise RuntimeError("this server has no ticket desk (built without a site)")
        if not self.running:
            return self.desk.submit_many(reports)
        job = _Job(self.desk.place(list(reports)))
        self._jobs.append(job)
        self.wake()
        deadline = time.monotonic() + timeout_s
        while not job.done.wait(0.2):
            if not self.running or time.monotonic() > deadline:
                return self.desk.submit_many(reports)
        if job.error is not None:
            raise job.error
        return job.result

    def wake(self) -> None:
        try:
            os.write(self._wake_w, b"!")
        except (BlockingIOError, OSError):
            pass  # already awake, or stopped

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def stats(self) -> dict:
        return {"counters": dict(self.counters), "heads": dict(self.heads),
                "sessions": {a: {"sent_upto": s.sent_upto, "inflight": len(s.inflight), "client": s.client}
                             for a, s in list(self.sessions.items())}}

    # ---- the thread -------------------------------------------------------------------------------

    def _take_lock(self) -> None:
        """One server per outbox: sequence numbers are given out by one process only."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(f"{self.path}.server-lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise UserError(f"{self.path}: another ticket server is already serving this outbox") from None
        self._lock_fd = fd

    def _release_lock(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def _sockets(self, ctx: zmq.Context):
        c = self.config
        router = ctx.socket(zmq.ROUTER)
        router.curve_server = True
        router.curve_secretkey = self.server_secret
        router.curve_publickey = self.server_public
        router.zap_domain = ZAP_DOMAIN.encode()
        router.router_mandatory = 1
        router.maxmsgsize = c.max_message_bytes
        router.heartbeat_ivl = int(c.heartbeat_s * 1000)
        router.heartbeat_timeout = int(c.heartbeat_timeout_s * 1000)
        router.heartbeat_ttl = int(c.heartbeat_timeout_s * 1000)
        router.handshake_ivl = 10_000
        router.linger = c.linger_ms
        router.sndhwm = 2 * c.window + 64
        router.bind(c.bind)
        self.endpoint = router.getsockopt_string(zmq.LAST_ENDPOINT)
        pub = None
        if c.announce:
            pub = ctx.socket(zmq.PUB)
            pub.curve_server = True
            pub.curve_secretkey = self.server_secret
            pub.curve_publickey = self.server_public
            pub.zap_domain = ZAP_DOMAIN.encode()
            pub.maxmsgsize = 1024
            pub.linger = c.linger_ms
            pub.sndhwm = 10_000
            pub.bind(c.announce)
            self.announce_endpoint = pub.getsockopt_string(zmq.LAST_ENDPOINT)
        return router, pub

    def _main(self) -> None:
        ctx = zmq.Context()
        auth = AgencyAuthenticator(ctx, self.agency_keys)
        router = pub = checkpointer = None
        try:
            auth.start()  # before any bind: CURVE without a ZAP handler lets every key in
            if not auth.is_alive():
                raise RuntimeError("ZAP authenticator did not start")
            router, pub = self._sockets(ctx)
            ob = Outbox(self.path, autocheckpoint=False)
            checkpointer = Checkpointer(self.path).start()
            self.heads = {a: ob.head(a) for a in self.agency_keys}
            log.info("serving tickets on %s for %s", self.endpoint, ", ".join(sorted(self.agency_keys)) or "no agency")
            self._started.set()
            self._loop(ob, router, pub)
            ob.close()
        except BaseException as exc:  # noqa: BLE001 - reported to start() or logged; the thread must not vanish silently
            self._failure = exc
            if self._started.is_set():
                log.exception("ticket server stopped by an error")
            self._started.set()
        finally:
            if checkpointer is not None:
                checkpointer.stop()
            for s in (router, pub):
                if s is not None:
                    s.close(linger=self.config.linger_ms)
            auth.stop()
            ctx.term()

    def _loop(self, ob: Outbox, router, pub) -> None:
        poller = zmq.Poller()
        poller.register(router, zmq.POLLIN)
        poller.register(self._wake_r, zmq.POLLIN)
        seen_version, next_due = None, ob.next_due()
        while not self._stop.is_set():
            poller.poll(self.config.poll_ms)
            try:
                os.read(self._wake_r, 4096)
            except BlockingIOError:
                pass
            requests = self._read_inbound(router)
            jobs = [self._jobs.popleft() for _ in range(len(self._jobs))]
            now = self.clock()
            version = ob.data_version()
            must_write = (jobs or requests or version != seen_version or (next_due is not None and now >= next_due)
                          or self._acks.due(self.config.ack_flush_s))
            if not must_write:
                self._pump(ob, router)
                continue
            seen_version = version
            try:
                with ob.transaction():
                    for job in jobs:
                        self._commit_job(ob, job, now)
                    replies = [r for req in requests for r in self._handle(ob, *req, now)]
                    self.counters["acked"] += self._acks.write(ob)
                    released = ob.release_due(now)
                next_due = ob.next_due()
            except sqlite3.Error:
                log.exception("outbox write failed; retrying on the next pass")
                self._acks.rollback()
                for job in reversed(jobs):
                    job.result = job.error = None
                    self._jobs.appendleft(job)
                time.sleep(0.5)
                continue
            self._acks.committed()
            for job in jobs:
                job.done.set()
            for rid, payload in replies:
                self._send(router, rid, [payload])
            self._note_released(released, ob, pub)
            self._pump(ob, router)
        if self._acks.pending:
            try:
                with ob.transaction():
                    self.counters["acked"] += self._acks.write(ob)
            except sqlite3.Error:
                log.exception("could not record the last acknowledgements (they are replayed, never lost)")

    def _commit_job(self, ob: Outbox, job: _Job, now: float) -> None:
        try:
            with ob.savepoint():
                job.result = self.desk.commit(ob, job.placed, now)
        except sqlite3.Error:
            raise
        except Exception as exc:  # noqa: BLE001 - handed back to the caller of submit
            job.error = exc

    def _drain(self, router, limit: int = 2000) -> list:
        out = []
        while len(out) < limit:
            try:
                out.append(router.recv_multipart(zmq.NOBLOCK, copy=False))
            except zmq.Again:
                break
        return out

    # ---- inbound ----------------------------------------------------------------------------------

    def _read_inbound(self, router) -> list[tuple[bytes, str, Hello | StatusRequest]]:
        """Everything partners sent since the last pass. Acks take effect at once (in memory, their
        record is written with the next transaction); malformed messages are answered here; hellos
        and status requests are returned, to be handled inside the pass's transaction, in order."""
        requests = []
        for frames in self._drain(router):
            rid = frames[0].bytes
            try:
                agency = frames[1].get("User-Id") if len(frames) > 1 else None
            except zmq.ZMQError:
                agency = None
            if agency not in self.agency_keys:  # cannot happen past ZAP; never trust it anyway
                self.counters["dropped_unauthenticated"] += 1
                log.error("dropped a message without an agency's User-Id")
                continue
            try:
                msg = decode_client([f.bytes for f in frames[1:]])
            except ProtocolError as exc:
                self._send(router, rid, [self._error(agency, exc.code, str(exc), exc.ref)])
                continue
            if isinstance(msg, Ack):
                self._ack(agency, msg)
            else:
                requests.append((rid, agency, msg))
        return requests

    def _handle(self, ob: Outbox, rid: bytes, agency: str, msg, now: float) -> list[tuple[bytes, bytes]]:
        try:
            with ob.savepoint():
                if isinstance(msg, Hello):
                    return self._hello(ob, agency, rid, msg, now)
                return self._status(ob, agency, rid, msg, now)
        except ProtocolError as exc:
            return [(rid, self._error(agency, exc.code, str(exc), exc.ref))]
        except TicketError as exc:
            return [(rid, self._error(agency, exc.code, str(exc), getattr(msg, "ref", None)))]
        except sqlite3.Error:
            raise  # the whole pass is retried
        except Exception:  # noqa: BLE001 - a bug must cost one message, never the server
            log.exception("%s: could not handle a message", agency)
            return [(rid, self._error(agency, "internal", "the server could not handle this message (logged)",
                                      getattr(msg, "ref", None)))]

    def _error(self, agency: str, code: str, message: str, ref: str | None) -> bytes:
        self.counters[f"error_{code}"] += 1
        self.counters["errors"] += 1
        log.warning("%s: %s: %s", agency, code, message)
        return encode({"type": "error", "code": code, "message": message, "ref": ref})

    def _hello(self, ob: Outbox, agency: str, rid: bytes, msg: Hello, now: float):
        head = self.heads.get(agency, 0)
        if msg.last_seq > head:
            raise ProtocolError("seq_ahead", f"last_seq {msg.last_seq} is beyond {head}, the last sequence number "
                                             f"given to {agency}: is this the right server, or a reset outbox?")
        ob.ack_through(agency, msg.last_seq, now)
        old = self.sessions.get(agency)
        replies = []
        if old is not None and old.rid != rid:
            replies.append((old.rid, self._error(agency, "superseded", "another connection with this key said hello",
                                                 None)))
        self.sessions[agency] = Session(agency, rid, msg.last_seq, client=msg.client)
        self.counters["hellos"] += 1
        log.info("%s: hello from %s, has up to %d of %d", agency, msg.client or "a client", msg.last_seq, head)
        replies.append((rid, encode({"type": "welcome", "agency": agency, "last_seq": msg.last_seq, "head_seq": head,
                                     "heartbeat_s": self.config.heartbeat_s})))
        return replies

    def _ack(self, agency: str, msg: Ack) -> None:
        self._acks.add(agency, msg.seqs, self.clock())
        session = self.sessions.get(agency)
        if session is not None:
            session.progress = time.monotonic()
            for seq in msg.seqs:
                sent = session.inflight.pop(seq, None)
                if sent is not None:
                    session.inflight_bytes -= sent[1]

    def _status(self, ob: Outbox, agency: str, rid: bytes, msg: StatusRequest, now: float):
        applied = record_status(ob, agency=agency, ticket_id=msg.ticket, status=msg.status, actor=msg.actor,
                                note=msg.note, ref=msg.ref, now=now)
        self.counters["status_repeated" if applied.repeated else "status"] += 1
        if not applied.repeated:
            log.info("%s: ticket %s now %s (by %s), version %d", agency, msg.ticket, msg.status, msg.actor,
                     applied.version)
        return [(rid, encode({"type": "status_ok", "ref": msg.ref, "ticket": applied.ticket_id,
                              "version": applied.version, "repeated": applied.repeated}))]

    # ---- outbound ---------------------------------------------------------------------------------

    def _send(self, router, rid: bytes, frames: list) -> str:
        """'ok', 'full' (the peer's queue is at its high-water mark) or 'gone' (no such peer any more)."""
        try:
            router.send_multipart([rid, *frames], zmq.NOBLOCK, copy=False)
            return "ok"
        except zmq.Again:
            return "full"
        except zmq.ZMQError as exc:
            if exc.errno == zmq.EHOSTUNREACH:
                return "gone"
            raise

    def _note_released(self, released: list[Released], ob: Outbox, pub) -> None:
        for r in released:
            self.heads[r.agency] = max(self.heads.get(r.agency, 0), r.seq)
        self.counters["released"] += len(released)
        if pub is None or not released:
            return
        for ticket_id, version in dict.fromkeys((r.ticket_id, r.version) for r in released):
            doc = ob.ticket_doc(ticket_id, version)
            summary = {k: doc[k] for k in ("id", "version", "type", "urgency", "severity", "status", "observation",
                                           "updated")}
            summary["place"] = doc["location"]["hotspot"] or doc["location"]["area"]
            summary["agencies"] = [a["name"] for a in doc["agencies"]]
            try:
                pub.send_multipart([f"ticket.{doc['type']}".encode(), encode({"type": "announce", "ticket": summary})],
                                   zmq.NOBLOCK)
            except zmq.Again:
                pass

    def _pump(self, ob: Outbox, router) -> None:
        now = time.monotonic()  # retransmission timers: immune to wall-clock steps
        for s in list(self.sessions.values()):
            if self._retransmit(ob, router, s, now):
                self._fill(ob, router, s, now)

    def _fill(self, ob: Outbox, router, s: Session, now: float) -> None:
        c = self.config
        while s.sent_upto < self.heads.get(s.agency, 0) and len(s.inflight) < c.window \
                and s.inflight_bytes < c.window_bytes:
            batch = ob.outgoing_after(s.agency, s.sent_upto, min(64, c.window - len(s.inflight)))
            if not batch:
                return
            for out in batch:
                if self._deliver(router, s, out, now) != "ok":
                    return
                s.sent_upto = out.seq

    def _deliver(self, router, s: Session, out, now: float) -> str:
        header = deliver_header(out.seq, out.doc, [name for name, _ in out.parts])
        status = self._send(router, s.rid, [header, *(data for _, data in out.parts)])
        if status == "ok":
            size = len(header) + sum(len(d) for _, d in out.parts)
            old = s.inflight.pop(out.seq, None)
            s.inflight_bytes += size - (old[1] if old else 0)
            s.inflight[out.seq] = (now, size)
            self.counters["sent"] += 1
        elif status == "gone":
            log.info("%s: connection gone; waiting for it to say hello again", s.agency)
            if self.sessions.get(s.agency) is s:
                del self.sessions[s.agency]
        return status

    def _retransmit(self, ob: Outbox, router, s: Session, now: float) -> bool:
        """Send again what waits for an acknowledgement too long, but only while the partner acknowledges
        nothing: a partner working through a backlog is slow, not deaf, and one connection loses nothing."""
        if now - s.progress < self.config.retransmit_s:
            return True
        due = [seq for seq, (sent, _) in s.inflight.items() if now - sent >= self.config.retransmit_s][:64]
        for seq in due:
            out = ob.outgoing(s.agency, seq)
            if out is None:
                continue
            status = self._deliver(router, s, out, now)
            if status != "ok":
                return False
            self.counters["resent"] += 1
        return True
