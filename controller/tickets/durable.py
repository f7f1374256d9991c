"""SQLite files that must survive a crash (the outbox, a partner's feed): WAL, synchronous FULL, and
checkpoints kept off the committing thread.

Every commit is fsynced to the write-ahead log before it returns (synchronous FULL), so the
guarantee is unchanged. What moves is the checkpoint, which copies the log back into the database
file: SQLite runs it inside whichever COMMIT crosses `wal_autocheckpoint`, so one ticket in a few
hundred would wait for megabytes to be copied and fsynced. A `Checkpointer` thread with its own
connection does it instead, PASSIVE (it never blocks a writer), a few times a second while the log
is being written.
"""
from __future__ import annotations

import logging
import os
import sqlite3
import threading
from pathlib import Path

log = logging.getLogger("waterpatrol.tickets.durable")

PAGE_SIZE = 16384              # new files only: a 40 KB JPEG is 3 pages (and 6 write calls) instead of 11 (22)
CACHE_KIB = 16384              # per connection: a group commit of a few MB stays in memory until COMMIT
WAL_KEEP_BYTES = 64 << 20      # a log larger than this is truncated back to it after a checkpoint


def connect(path: str | Path, *, timeout_s: float = 30.0, autocheckpoint: bool = True,
            check_same_thread: bool = True) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit) with the durable settings.

    `autocheckpoint=False` for connections of a process that runs a `Checkpointer` on the same file.
    """
    db = sqlite3.connect(str(path), isolation_level=None, timeout=timeout_s, check_same_thread=check_same_thread)
    if db.execute("PRAGMA page_count").fetchone()[0] == 0:
        db.execute(f"PRAGMA page_size = {PAGE_SIZE}")  # only an empty file takes it, before WAL is set
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
    db.execute(f"PRAGMA journal_size_limit = {WAL_KEEP_BYTES}")
    if not autocheckpoint:
        db.execute("PRAGMA wal_autocheckpoint = 0")
    return db


class Checkpointer:
    """A daemon thread that checkpoints one SQLite file every `every_s` while its log is being written."""

    def __init__(self, path: str | Path, *, every_s: float = 0.2):
        self.path = Path(path)
        self.wal = Path(f"{self.path}-wal")
        self.every_s = every_s
        self.checkpoints = 0
        self._seen: tuple[int, int] | None = None  # the log's (size, mtime) after the last checkpoint
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"checkpoint {self.path.name}", daemon=True)

    def start(self) -> "Checkpointer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(10)

    def _run(self) -> None:
        db = None
        while not self._stop.wait(self.every_s):
            try:
                if db is None:
                    db = connect(self.path, autocheckpoint=False)
                if self._wal_state() != self._seen:
                    self.checkpoint(db)
            except sqlite3.Error as exc:  # the next round tries again; commits stay durable meanwhile
                log.warning("%s: checkpoint failed: %s", self.path, exc)
        if db is not None:
            try:
                self.checkpoint(db)
            except sqlite3.Error:
                pass
            db.close()

    def checkpoint(self, db: sqlite3.Connection) -> None:
        db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        self.checkpoints += 1
        self._seen = self._wal_state()

    def _wal_state(self) -> tuple[int, int] | None:
        try:
            st = os.stat(self.wal)
        except FileNotFoundError:
            return None
        return st.st_size, st.st_mtime_ns
