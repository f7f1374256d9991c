"""Acknowledgements received but not yet written to the outbox.

An acknowledgement takes effect at once in the server's memory (the delivery leaves the window
and is not retransmitted); its record in the outbox (`acked_at`, the time it arrived) is written
with the next transaction the server makes anyway, or after `ack_flush_s`. Losing that record in
a crash costs a retransmission, which the partner recognises by sequence number, never a ticket:
so acknowledgements need no disk flush of their own.
"""
from __future__ import annotations

import time


class PendingAcks:
    def __init__(self):
        self._items: list[tuple[str, tuple[int, ...], float]] = []  # (agency, seqs, arrived at)
        self._writing: list[tuple[str, tuple[int, ...], float]] = []
        self._since: float | None = None  # monotonic time of the oldest unwritten acknowledgement

    @property
    def pending(self) -> bool:
        return bool(self._items)

    def add(self, agency: str, seqs: tuple[int, ...], at: float) -> None:
        if not self._items:
            self._since = time.monotonic()
        self._items.append((agency, seqs, at))

    def due(self, after_s: float) -> bool:
        return bool(self._items) and time.monotonic() - self._since >= after_s

    def write(self, ob) -> int:
        """Inside the caller's transaction; returns how many deliveries were newly acknowledged."""
        self._writing, self._items = self._writing + self._items, []
        return sum(ob.ack(agency, seqs, at) for agency, seqs, at in self._writing)

    def committed(self) -> None:
        self._writing, self._since = [], (time.monotonic() if self._items else None)

    def rollback(self) -> None:
        """The transaction failed: write them again next time."""
        self._items, self._writing = self._writing + self._items, []
        if self._items and self._since is None:
            self._since = time.monotonic()
