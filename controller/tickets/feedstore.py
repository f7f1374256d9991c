"""A partner's own store of the tickets it received: stored first, acknowledged after.

`feed.sqlite` (WAL, synchronous FULL) is the durable record: every sequence number received, the
latest version of each ticket and its evidence (by sha256, each picture once). A batch of
deliveries is committed in one transaction before any of them is acknowledged. Duplicates (a
sequence number seen before, or a ticket version not newer than the one held) are recognised and
only acknowledged again, so each ticket version is stored and shown exactly once. Beside it,
`tickets/<id>/` holds the latest ticket.json, crop.jpg and frame.jpg for people and other programs
to read (`write_files`, after the acknowledgement: they are a view, not the record).
"""
from __future__ import annotations

import logging
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from missions.errors import UserError

from . import codec, durable
from .protocol import Deliver

log = logging.getLogger("waterpatrol.tickets.feed")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS received(seq INTEGER PRIMARY KEY, ticket_id TEXT NOT NULL, version INTEGER NOT NULL,
                                    at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS tickets(id TEXT PRIMARY KEY, version INTEGER NOT NULL, seq INTEGER NOT NULL,
                                   doc TEXT NOT NULL, received_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS evidence(sha256 TEXT PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS state(key TEXT PRIMARY KEY, value);
"""


@dataclass(frozen=True)
class Stored:
    seq: int
    ticket: dict
    parts: dict[str, bytes]
    text: str  # the ticket as stored (JSON)
    changed_parts: tuple[str, ...] = ()  # evidence that differs from the version stored before (all, if none)


class FeedStore:
    def __init__(self, folder: str | Path, *, mirror: bool = True):
        self.folder = Path(folder)
        self.mirror = mirror
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            self.db = durable.connect(self.path, check_same_thread=False)  # opened here, used by one feed thread
            self.db.executescript(_SCHEMA)
        except (OSError, sqlite3.DatabaseError) as exc:
            raise UserError(f"--out {self.folder}: cannot keep the feed there ({exc})") from None

    @property
    def path(self) -> Path:
        return self.folder / "feed.sqlite"

    def close(self) -> None:
        self.db.close()

    def checkpoint_in_background(self) -> "_Background":
        """Checkpoints by a thread of their own while the feed runs (stop() the result afterwards)."""
        return _Background(self)

    @property
    def last_seq(self) -> int:
        """Every sequence number up to this one is stored: what to tell the server in hello."""
        row = self.db.execute("SELECT value FROM state WHERE key = 'last_seq'").fetchone()
        return int(row[0]) if row else 0

    def save(self, batch: list[Deliver]) -> list[Stored]:
        """Store a batch in one transaction; returns the ticket versions that were new."""
        new: list[Stored] = []
        now = time.time()
        self.db.execute("BEGIN IMMEDIATE")
        try:
            for d in batch:
                tid, version = d.ticket["id"], d.ticket["version"]
                if not self.db.execute("INSERT OR IGNORE INTO received(seq, ticket_id, version, at) VALUES (?, ?, ?, ?)",
                                       (d.seq, tid, version, now)).rowcount:
                    continue  # this sequence number was stored before
                held = self.db.execute("SELECT version, doc FROM tickets WHERE id = ?", (tid,)).fetchone()
                if held is not None and held[0] >= version:
                    continue  # this version, or a later one, is here already
                text = codec.dumps_text(d.ticket)
                self.db.execute("INSERT INTO tickets(id, version, seq, doc, received_at) VALUES (?, ?, ?, ?, ?) "
                                "ON CONFLICT(id) DO UPDATE SET version = excluded.version, seq = excluded.seq, "
                                "doc = excluded.doc, received_at = excluded.received_at", (tid, version, d.seq, text, now))
                before = _evidence_shas(codec.loads(held[1])) if held is not None else {}
                evidence = _evidence_shas(d.ticket)
                changed = tuple(name for name in d.parts if evidence.get(name) != before.get(name))
                self.db.executemany("INSERT OR IGNORE INTO evidence(sha256, data) VALUES (?, ?)",
                                    [(evidence[name], d.parts[name]) for name in changed if name in evidence])
                new.append(Stored(d.seq, d.ticket, d.parts, text, changed))
            last = self.last_seq
            while self.db.execute("SELECT 1 FROM received WHERE seq = ?", (last + 1,)).fetchone():
                last += 1
            self.db.execute("INSERT INTO state(key, value) VALUES ('last_seq', ?) "
                            "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (last,))
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")
        return new

    def write_files(self, stored: list[Stored]) -> None:
        """The readable copy of stored tickets, if this store keeps one (`mirror`)."""
        if not self.mirror:
            return
        for s in stored:
            try:
                self._write_files(s)
            except OSError as exc:  # the ticket is stored; only its readable copy is missing
                log.error("stored ticket %s but could not write its files: %s", s.ticket["id"], exc)

    def _write_files(self, s: Stored) -> None:
        """The images first (those that changed since the last version), then ticket.json, which appears
        whole (written aside, then renamed): a reader that sees a ticket.json finds its images complete."""
        folder = os.path.join(self.folder, "tickets", s.ticket["id"])
        os.makedirs(folder, exist_ok=True)
        for name in s.changed_parts:
            _write(os.path.join(folder, f"{name}.jpg"), s.parts[name])
        tmp = os.path.join(folder, ".ticket.json.tmp")
        _write(tmp, s.text.encode("utf-8"))
        os.replace(tmp, os.path.join(folder, "ticket.json"))

    # ---- reading ----------------------------------------------------------------------------------

    def tickets(self) -> list[dict]:
        return [codec.loads(r[0]) for r in self.db.execute("SELECT doc FROM tickets ORDER BY seq")]

    def ticket(self, ticket_id: str) -> dict | None:
        row = self.db.execute("SELECT doc FROM tickets WHERE id = ?", (ticket_id,)).fetchone()
        return codec.loads(row[0]) if row else None

    def received_seqs(self) -> list[int]:
        return [r[0] for r in self.db.execute("SELECT seq FROM received ORDER BY seq")]

    def evidence(self, sha256: str) -> bytes | None:
        row = self.db.execute("SELECT data FROM evidence WHERE sha256 = ?", (sha256,)).fetchone()
        return row[0] if row else None


def _write(path: str, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)


def _evidence_shas(ticket: dict) -> dict[str, str]:
    return {e.get("name"): e.get("sha256") for e in ticket.get("evidence", []) if isinstance(e, dict)}


class _Background:
    """A `durable.Checkpointer` on the store's file, with the store's own connection not checkpointing meanwhile."""

    def __init__(self, store: FeedStore):
        self.store = store
        store.db.execute("PRAGMA wal_autocheckpoint = 0")
        self.checkpointer = durable.Checkpointer(store.path).start()

    def stop(self) -> None:
        self.checkpointer.stop()
        self.store.db.execute("PRAGMA wal_autocheckpoint = 1000")
