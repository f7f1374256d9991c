"""The outbox: every ticket version and every delivery, in SQLite (WAL, synchronous FULL), before any send.

Tables:
  versions    one row per ticket version: the JSON document and the sha256 of its evidence
  blobs       evidence JPEGs by sha256 (an unchanged crop is stored once)
  tickets     the latest version of each ticket, by id and by anomaly id
  deliveries  one row per (agency, ticket version) to deliver: due time (quiet hours), then the
              agency's sequence number once released, then when the agency acknowledged it
  agency_seq  the last sequence number given out per agency
  status_refs partners' status requests already applied, so a retried request applies once

Sequence numbers are given out only when a delivery is released (due), in commit order, so each
agency's numbers are contiguous and the order it receives is the order they were released. Every
connection opens its own `Outbox`; producers and the server may be different processes.
"""
from __future__ import annotations

import json
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from missions.errors import UserError

from . import durable

SCHEMA_VERSION = 1
LOCK_TIMEOUT_S = 30.0
PART_NAMES = ("crop", "frame")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS versions(
    ticket_id TEXT NOT NULL, version INTEGER NOT NULL, doc TEXT NOT NULL,
    crop_sha TEXT NOT NULL, frame_sha TEXT NOT NULL, committed_at REAL NOT NULL,
    UNIQUE(ticket_id, version));
CREATE TABLE IF NOT EXISTS blobs(sha256 TEXT PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS tickets(
    id TEXT PRIMARY KEY, anomaly_id TEXT NOT NULL UNIQUE, version INTEGER NOT NULL,
    created_at REAL NOT NULL, updated_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS deliveries(
    id INTEGER PRIMARY KEY, agency TEXT NOT NULL, ticket_id TEXT NOT NULL, version INTEGER NOT NULL,
    committed_at REAL NOT NULL, due_at REAL NOT NULL, seq INTEGER, released_at REAL,
    superseded INTEGER NOT NULL DEFAULT 0, acked_at REAL);
CREATE UNIQUE INDEX IF NOT EXISTS deliveries_by_seq ON deliveries(agency, seq) WHERE seq IS NOT NULL;
CREATE INDEX IF NOT EXISTS deliveries_unreleased ON deliveries(due_at) WHERE seq IS NULL AND superseded = 0;
CREATE INDEX IF NOT EXISTS deliveries_by_ticket ON deliveries(ticket_id, version);
CREATE TABLE IF NOT EXISTS agency_seq(agency TEXT PRIMARY KEY, head INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS status_refs(
    agency TEXT NOT NULL, ref TEXT NOT NULL, ticket_id TEXT NOT NULL, version INTEGER NOT NULL,
    PRIMARY KEY(agency, ref));
"""


@dataclass(frozen=True)
class Outgoing:
    """One released delivery, ready to send: the document and its evidence parts in order."""

    agency: str
    seq: int
    ticket_id: str
    version: int
    doc: str
    parts: tuple[tuple[str, bytes], ...]


@dataclass(frozen=True)
class Released:
    agency: str
    seq: int
    ticket_id: str
    version: int


@dataclass(frozen=True)
class DeliveryRow:
    agency: str
    version: int
    committed_at: float
    due_at: float
    seq: int | None
    superseded: bool
    acked_at: float | None


class Outbox:
    """One SQLite connection to the outbox; not shared between threads."""

    def __init__(self, path: str | Path, *, must_exist: bool = False, autocheckpoint: bool = True):
        """`autocheckpoint=False` where a `durable.Checkpointer` runs on the same file (the server)."""
        self.path = Path(path)
        if must_exist and not self.path.exists():
            raise UserError(f"{self.path}: no outbox there (give --db, or start `waterpatrol tickets serve` first)")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = durable.connect(self.path, timeout_s=LOCK_TIMEOUT_S, autocheckpoint=autocheckpoint)
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise UserError(f"{self.path}: not a usable outbox ({exc})") from None
        if version > SCHEMA_VERSION:
            raise UserError(f"{self.path}: outbox schema {version} is newer than this waterpatrol's {SCHEMA_VERSION}")
        if version < SCHEMA_VERSION:
            with self.transaction():
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        self.db.execute(statement)
                self.db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self):
        """BEGIN IMMEDIATE ... COMMIT: one writer at a time, durable on return."""
        self._begin()
        try:
            yield self
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def _begin(self) -> None:
        """Wait for the write lock in short steps: SQLite's own busy handler backs off to 100 ms sleeps,
        which a second writer (the server, or another producer) would feel as latency."""
        deadline, pause = time.monotonic() + LOCK_TIMEOUT_S, 0.0002
        self.db.execute("PRAGMA busy_timeout = 0")
        try:
            while True:
                try:
                    self.db.execute("BEGIN IMMEDIATE")
                    return
                except sqlite3.OperationalError as exc:
                    if "locked" not in str(exc) or time.monotonic() > deadline:
                        raise
                time.sleep(pause)
                pause = min(pause * 2, 0.002)
        finally:
            self.db.execute(f"PRAGMA busy_timeout = {int(LOCK_TIMEOUT_S * 1000)}")

    @contextmanager
    def savepoint(self):
        """Inside a transaction: undo just this block's writes if it fails."""
        self.db.execute("SAVEPOINT block")
        try:
            yield self
        except BaseException:
            self.db.execute("ROLLBACK TO block")
            self.db.execute("RELEASE block")
            raise
        self.db.execute("RELEASE block")

    # ---- producer side ---------------------------------------------------------------------------

    def latest_by_anomaly(self, anomaly_id: str) -> tuple[str, int, str] | None:
        """(ticket id, version, document) of the anomaly's ticket, if it has one."""
        row = self.db.execute(
            "SELECT t.id, t.version, v.doc FROM tickets t JOIN versions v ON v.ticket_id = t.id AND v.version = t.version "
            "WHERE t.anomaly_id = ?", (anomaly_id,)).fetchone()
        return (row[0], row[1], row[2]) if row else None

    def latest(self, ticket_id: str) -> tuple[int, str] | None:
        row = self.db.execute(
            "SELECT t.version, v.doc FROM tickets t JOIN versions v ON v.ticket_id = t.id AND v.version = t.version "
            "WHERE t.id = ?", (ticket_id,)).fetchone()
        return (row[0], row[1]) if row else None

    def put_version(self, *, ticket_id: str, anomaly_id: str, version: int, doc: str, blobs: dict[str, bytes],
                    crop_sha: str, frame_sha: str, now: float) -> None:
        self.db.executemany("INSERT OR IGNORE INTO blobs(sha256, data) VALUES (?, ?)", blobs.items())
        self.db.execute("INSERT INTO versions(ticket_id, version, doc, crop_sha, frame_sha, committed_at) "
                        "VALUES (?, ?, ?, ?, ?, ?)", (ticket_id, version, doc, crop_sha, frame_sha, now))
        self.db.execute("INSERT INTO tickets(id, anomaly_id, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?) "
                        "ON CONFLICT(id) DO UPDATE SET version = excluded.version, updated_at = excluded.updated_at",
                        (ticket_id, anomaly_id, version, now, now))

    def add_deliveries(self, ticket_id: str, version: int, agencies, now: float, due_at: float) -> None:
        self.db.executemany("INSERT INTO deliveries(agency, ticket_id, version, committed_at, due_at) "
                            "VALUES (?, ?, ?, ?, ?)", [(a, ticket_id, version, now, due_at) for a in agencies])

    # ---- server side -------------------------------------------------------------------------------

    def data_version(self) -> int:
        """Changes whenever another connection commits: the cue to look for new deliveries."""
        return self.db.execute("PRAGMA data_version").fetchone()[0]

    def next_due(self) -> float | None:
        return self.db.execute("SELECT min(due_at) FROM deliveries WHERE seq IS NULL AND superseded = 0").fetchone()[0]

    def release_due(self, now: float) -> list[Released]:
        """Give sequence numbers to every delivery that is due; older versions still waiting are superseded.

        Call inside a transaction.
        """
        rows = self.db.execute("SELECT id, agency, ticket_id, version FROM deliveries "
                               "WHERE seq IS NULL AND superseded = 0 AND due_at <= ? ORDER BY id", (now,)).fetchall()
        if not rows:
            return []
        newest: dict[tuple[str, str], int] = {}
        for _id, agency, ticket, version in rows:
            newest[(agency, ticket)] = max(version, newest.get((agency, ticket), 0))
        heads = dict(self.db.execute("SELECT agency, head FROM agency_seq"))
        released, superseded, updates = [], [], []
        for _id, agency, ticket, version in rows:
            if version < newest[(agency, ticket)]:
                superseded.append((_id,))
                continue
            seq = heads.get(agency, 0) + 1
            heads[agency] = seq
            updates.append((seq, now, _id))
            released.append(Released(agency, seq, ticket, version))
        self.db.executemany("UPDATE deliveries SET superseded = 1 WHERE id = ?", superseded)
        self.db.executemany("UPDATE deliveries SET seq = ?, released_at = ? WHERE id = ?", updates)
        self.db.executemany("INSERT INTO agency_seq(agency, head) VALUES (?, ?) "
                            "ON CONFLICT(agency) DO UPDATE SET head = excluded.head",
                            {r.agency: heads[r.agency] for r in released}.items())
        return released

    def head(self, agency: str) -> int:
        row = self.db.execute("SELECT head FROM agency_seq WHERE agency = ?", (agency,)).fetchone()
        return row[0] if row else 0

    _OUT = ("SELECT d.seq, d.ticket_id, d.version, v.doc, c.data, f.data FROM deliveries d "
            "JOIN versions v ON v.ticket_id = d.ticket_id AND v.version = d.version "
            "JOIN blobs c ON c.sha256 = v.crop_sha JOIN blobs f ON f.sha256 = v.frame_sha ")

    def outgoing_after(self, agency: str, after_seq: int, limit: int) -> list[Outgoing]:
        rows = self.db.execute(self._OUT + "WHERE d.agency = ? AND d.seq > ? ORDER BY d.seq LIMIT ?",
                               (agency, after_seq, limit)).fetchall()
        return [Outgoing(agency, s, t, v, doc, (("crop", c), ("frame", f))) for s, t, v, doc, c, f in rows]

    def outgoing(self, agency: str, seq: int) -> Outgoing | None:
        row = self.db.execute(self._OUT + "WHERE d.agency = ? AND d.seq = ?", (agency, seq)).fetchone()
        if row is None:
            return None
        s, t, v, doc, c, f = row
        return Outgoing(agency, s, t, v, doc, (("crop", c), ("frame", f)))

    def ack(self, agency: str, seqs, now: float) -> int:
        """Record acknowledgements; returns how many were new. Call inside a transaction.

        Partners acknowledge runs of consecutive numbers: one range update per run."""
        n = 0
        for lo, hi in _runs(seqs):
            n += self.db.execute("UPDATE deliveries SET acked_at = ? WHERE agency = ? AND seq >= ? AND seq <= ? "
                                 "AND acked_at IS NULL", (now, agency, lo, hi)).rowcount
        return n

    def ack_through(self, agency: str, seq: int, now: float) -> int:
        cur = self.db.execute("UPDATE deliveries SET acked_at = ? WHERE agency = ? AND seq IS NOT NULL AND seq <= ? "
                              "AND acked_at IS NULL", (now, agency, seq))
        return cur.rowcount

    def status_ref(self, agency: str, ref: str) -> tuple[str, int] | None:
        row = self.db.execute("SELECT ticket_id, version FROM status_refs WHERE agency = ? AND ref = ?",
                              (agency, ref)).fetchone()
        return (row[0], row[1]) if row else None

    def put_status_ref(self, agency: str, ref: str, ticket_id: str, version: int) -> None:
        self.db.execute("INSERT INTO status_refs(agency, ref, ticket_id, version) VALUES (?, ?, ?, ?)",
                        (agency, ref, ticket_id, version))

    def counts(self) -> dict:
        """Deliveries waiting (quiet hours), released but not acknowledged, and acknowledged."""
        held, unacked, acked = self.db.execute(
            "SELECT sum(seq IS NULL AND superseded = 0), sum(seq IS NOT NULL AND acked_at IS NULL), "
            "sum(acked_at IS NOT NULL) FROM deliveries").fetchone()
        return {"held": held or 0, "unacked": unacked or 0, "acked": acked or 0}

    # ---- reading, for people ---------------------------------------------------------------------

    def find(self, prefix: str) -> str:
        """The full ticket id for an id or a unique prefix of one."""
        prefix = prefix.strip().lower()
        if len(prefix) < 4:
            raise UserError(f"ticket id {prefix!r}: give at least 4 characters")
        rows = self.db.execute("SELECT id FROM tickets WHERE id >= ? AND id < ? ORDER BY id LIMIT 2",
                               (prefix, prefix + "\uffff")).fetchall()
        if not rows:
            raise UserError(f"no ticket {prefix} in {self.path}")
        if len(rows) > 1:
            raise UserError(f"ticket id {prefix} is ambiguous: give more characters")
        return rows[0][0]

    def ticket_doc(self, ticket_id: str, version: int | None = None) -> dict:
        if version is None:
            version = self.latest(ticket_id)[0]
        row = self.db.execute("SELECT doc FROM versions WHERE ticket_id = ? AND version = ?",
                              (ticket_id, version)).fetchone()
        if row is None:
            raise UserError(f"ticket {ticket_id} has no version {version}")
        return json.loads(row[0])

    def blob(self, sha256: str) -> bytes | None:
        row = self.db.execute("SELECT data FROM blobs WHERE sha256 = ?", (sha256,)).fetchone()
        return row[0] if row else None

    def all_latest(self, limit: int | None = None) -> list[dict]:
        rows = self.db.execute(
            "SELECT v.doc FROM tickets t JOIN versions v ON v.ticket_id = t.id AND v.version = t.version "
            "ORDER BY t.updated_at DESC" + (" LIMIT ?" if limit else ""), (limit,) if limit else ()).fetchall()
        return [json.loads(r[0]) for r in rows]

    def deliveries_of(self, ticket_id: str) -> list[DeliveryRow]:
        rows = self.db.execute("SELECT agency, version, committed_at, due_at, seq, superseded, acked_at "
                               "FROM deliveries WHERE ticket_id = ? ORDER BY id", (ticket_id,)).fetchall()
        return [DeliveryRow(a, v, c, d, s, bool(x), k) for a, v, c, d, s, x, k in rows]

    def latencies(self) -> list[float]:
        """Commit to acknowledgement, seconds, of every acknowledged delivery (for benchmarks)."""
        return [r[0] for r in self.db.execute("SELECT acked_at - committed_at FROM deliveries WHERE acked_at IS NOT NULL")]


def _runs(seqs) -> list[tuple[int, int]]:
    """[3, 1, 2, 7] -> [(1, 3), (7, 7)]"""
    out: list[list[int]] = []
    for s in sorted(set(seqs)):
        if out and s == out[-1][1] + 1:
            out[-1][1] = s
        else:
            out.append([s, s])
    return [(lo, hi) for lo, hi in out]
