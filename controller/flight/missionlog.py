"""The mission log: what was planned, flown, reached and seen happen, surviving any crash (SQLite, WAL).

A restarted controller reads it to re-attach: which sortie each drone was flying, the last item it
reached, where it was when it left AUTO, and which sorties are still to fly.
"""
from __future__ import annotations

import json
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from missions.plan import MissionItem

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sorties (
  id INTEGER PRIMARY KEY,           -- ours; plan sorties keep their index in plan_index
  plan_index INTEGER NOT NULL,
  drone INTEGER NOT NULL,
  parent INTEGER,                   -- the interrupted sortie this one resumes
  items TEXT NOT NULL,              -- JSON list of MissionItem fields
  status TEXT NOT NULL,             -- pending, flying, completed, interrupted, aborted, failed
  last_reached INTEGER,
  exit_lat REAL, exit_lon REAL,     -- where the drone was when it last left AUTO
  exit_seq INTEGER,                 -- the item it was flying to then
  started REAL, ended REAL, note TEXT
);
CREATE TABLE IF NOT EXISTS events (
  id INTEGER PRIMARY KEY, t REAL NOT NULL, drone INTEGER, sortie INTEGER, kind TEXT NOT NULL, detail TEXT
);
CREATE TABLE IF NOT EXISTS reached (sortie INTEGER NOT NULL, seq INTEGER NOT NULL, t REAL NOT NULL,
  PRIMARY KEY (sortie, seq));
CREATE TABLE IF NOT EXISTS track (
  drone INTEGER NOT NULL, t REAL NOT NULL, lat REAL, lon REAL, alt REAL, mode TEXT, seq INTEGER, battery REAL
);
CREATE TABLE IF NOT EXISTS commands (id INTEGER PRIMARY KEY, t REAL NOT NULL, kind TEXT NOT NULL, done INTEGER DEFAULT 0);
CREATE TABLE IF NOT EXISTS live (drone INTEGER PRIMARY KEY, t REAL NOT NULL, doc TEXT NOT NULL);  -- now, not history
CREATE INDEX IF NOT EXISTS track_drone ON track (drone, t);
"""

FIELDS = ("seq", "command", "frame", "param1", "param2", "param3", "param4", "lat", "lon", "alt", "autocontinue",
          "pattern", "area")


def items_json(items: list[MissionItem]) -> str:
    return json.dumps([[getattr(it, f) for f in FIELDS] for it in items])


def items_from_json(text: str) -> list[MissionItem]:
    return [MissionItem(**dict(zip(FIELDS, row))) for row in json.loads(text)]


@dataclass
class SortieRow:
    id: int
    plan_index: int
    drone: int
    parent: int | None
    items: list[MissionItem]
    status: str
    last_reached: int | None
    exit_lat: float | None
    exit_lon: float | None
    exit_seq: int | None
    started: float | None
    ended: float | None
    note: str | None


class MissionLog:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None, timeout=10)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(SCHEMA)
        self._lock = threading.RLock()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _x(self, sql: str, args=()):
        with self._lock:
            return self._db.execute(sql, args)

    # ---- meta ----------------------------------------------------------------------------------
    def set_meta(self, key: str, value) -> None:
        self._x("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, json.dumps(value)))

    def meta(self, key: str, default=None):
        row = self._x("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

    # ---- sorties -------------------------------------------------------------------------------
    def add_sortie(self, plan_index: int, drone: int, items: list[MissionItem], parent: int | None = None,
                   status: str = "pending") -> int:
        cur = self._x("INSERT INTO sorties (plan_index, drone, parent, items, status) VALUES (?, ?, ?, ?, ?)",
                      (plan_index, drone, parent, items_json(items), status))
        return int(cur.lastrowid)

    def sorties(self, drone: int | None = None) -> list[SortieRow]:
        q = "SELECT * FROM sorties" + (" WHERE drone = ?" if drone is not None else "") + " ORDER BY id"
        rows = self._x(q, (drone,) if drone is not None else ()).fetchall()
        return [SortieRow(r[0], r[1], r[2], r[3], items_from_json(r[4]), *r[5:]) for r in rows]

    def sortie(self, sid: int) -> SortieRow:
        r = self._x("SELECT * FROM sorties WHERE id = ?", (sid,)).fetchone()
        return SortieRow(r[0], r[1], r[2], r[3], items_from_json(r[4]), *r[5:])

    def set_status(self, sid: int, status: str, note: str | None = None) -> None:
        now = time.time()
        if status == "flying":
            self._x("UPDATE sorties SET status = ?, started = COALESCE(started, ?) WHERE id = ?", (status, now, sid))
        elif status in ("completed", "interrupted", "aborted", "failed"):
            self._x("UPDATE sorties SET status = ?, ended = ?, note = COALESCE(?, note) WHERE id = ?",
                    (status, now, note, sid))
        else:
            self._x("UPDATE sorties SET status = ? WHERE id = ?", (status, sid))

    def reached(self, sid: int, seq: int) -> None:
        with self._lock:
            self._db.execute("INSERT OR IGNORE INTO reached VALUES (?, ?, ?)", (sid, seq, time.time()))
            self._db.execute("UPDATE sorties SET last_reached = MAX(COALESCE(last_reached, -1), ?) WHERE id = ?",
                             (seq, sid))

    def reached_seqs(self, sid: int) -> list[int]:
        return [r[0] for r in self._x("SELECT seq FROM reached WHERE sortie = ? ORDER BY seq", (sid,))]

    def set_exit(self, sid: int, lat: float, lon: float, seq: int) -> None:
        self._x("UPDATE sorties SET exit_lat = ?, exit_lon = ?, exit_seq = ? WHERE id = ?", (lat, lon, seq, sid))

    # ---- events, track, commands ------------------------------------------------------------------
    def event(self, kind: str, detail: str = "", drone: int | None = None, sortie: int | None = None) -> None:
        self._x("INSERT INTO events (t, drone, sortie, kind, detail) VALUES (?, ?, ?, ?, ?)",
                (time.time(), drone, sortie, kind, detail))

    def events(self, drone: int | None = None) -> list[tuple]:
        q = "SELECT t, drone, sortie, kind, detail FROM events" + (" WHERE drone = ?" if drone is not None else "")
        return self._x(q + " ORDER BY id", (drone,) if drone is not None else ()).fetchall()

    def track_point(self, drone: int, lat: float, lon: float, alt: float, mode: str, seq: int | None,
                    battery: float | None) -> None:
        self._x("INSERT INTO track VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (drone, time.time(), lat, lon, alt, mode, seq, battery))

    def track(self, drone: int) -> list[tuple]:
        return self._x("SELECT t, lat, lon, alt, mode, seq, battery FROM track WHERE drone = ? ORDER BY t",
                       (drone,)).fetchall()

    def track_after(self, rowid: int) -> list[tuple]:
        """Every drone's track points logged after `rowid`: (rowid, drone, t, lat, lon, alt, mode, seq, battery)."""
        return self._x("SELECT rowid, * FROM track WHERE rowid > ? ORDER BY rowid", (rowid,)).fetchall()

    def reached_all(self) -> list[tuple]:
        """(sortie, seq) of every item reached, all sorties."""
        return self._x("SELECT sortie, seq FROM reached ORDER BY sortie, seq").fetchall()

    def events_recent(self, n: int) -> list[tuple]:
        """The last `n` events, oldest first: (id, t, drone, sortie, kind, detail)."""
        return self._x("SELECT * FROM (SELECT id, t, drone, sortie, kind, detail FROM events ORDER BY id DESC LIMIT ?) "
                       "ORDER BY id", (n,)).fetchall()

    # ---- the live view: each drone as it is now, replaced about once a second ---------------------
    def set_live(self, docs: dict[int, dict]) -> None:
        """Written without its own disk flush: a lost second of `live` costs nothing, and the next durable
        commit flushes it anyway (WAL)."""
        now = time.time()
        with self._lock:
            self._db.execute("PRAGMA synchronous=NORMAL")
            try:
                with self._db:  # commits, or rolls back on an error
                    self._db.execute("BEGIN")
                    self._db.executemany("INSERT OR REPLACE INTO live VALUES (?, ?, ?)",
                                         [(d, now, json.dumps(doc)) for d, doc in docs.items()])
            finally:
                self._db.execute("PRAGMA synchronous=FULL")

    def live(self) -> dict[int, tuple[float, dict]]:
        """drone -> (wall time written, document)."""
        return {d: (t, json.loads(doc)) for d, t, doc in self._x("SELECT drone, t, doc FROM live ORDER BY drone")}

    def request(self, kind: str) -> None:
        """Another process asks the running controller for something (`abort`, `abort:DRONE`)."""
        self._x("INSERT INTO commands (t, kind) VALUES (?, ?)", (time.time(), kind))

    def take_requests(self) -> list[str]:
        with self._lock:
            rows = self._db.execute("SELECT id, kind FROM commands WHERE done = 0").fetchall()
            for rid, _ in rows:
                self._db.execute("UPDATE commands SET done = 1 WHERE id = ?", (rid,))
        return [k for _, k in rows]
