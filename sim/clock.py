"""Lockstep simulated time: fixed steps, paced against the wall clock at a chosen speed-up.

Every vehicle advances by exactly the same step, in the same order, whatever the host does; the
wall clock only decides when the next step may start. At speed-up N the simulation keeps
sim_time = N x wall_time; at 1 it runs in real time; at 0 it runs as fast as it can. If the host
cannot keep up the simulation slows down rather than skipping steps, and after a stall longer
than half a second it forgets the lost time instead of racing to catch up.
"""
from __future__ import annotations

import time
from typing import Callable

MAX_LAG_S = 0.5


class LockstepClock:
    def __init__(self, dt: float, speedup: float, wall: Callable[[], float] = time.monotonic):
        if dt <= 0:
            raise ValueError("dt must be positive")
        if speedup < 0:
            raise ValueError("speed-up must be >= 0")
        self.dt = dt
        self.speedup = speedup
        self._wall = wall
        self.steps = 0
        self._t0: float | None = None       # wall time at which sim time 0 would have been
        self._wall_start: float | None = None
        self._sim_at_start = 0.0

    @property
    def now(self) -> float:
        return self.steps * self.dt

    def start(self) -> None:
        w = self._wall()
        self._wall_start = w
        self._sim_at_start = self.now
        self._t0 = w - (self.now / self.speedup if self.speedup else 0.0)

    @property
    def started(self) -> bool:
        return self._t0 is not None

    def wait_s(self) -> float:
        """Wall seconds until the next step is due (<= 0: due now; always 0 flat out). Running more
        than MAX_LAG_S behind (a stall), the schedule is rebased so the lost time is forgotten."""
        if self._t0 is None:
            raise RuntimeError("clock not started")
        if not self.speedup:
            return 0.0
        w = self._wall()
        late = w - (self._t0 + (self.steps + 1) * self.dt / self.speedup)
        if late > MAX_LAG_S:
            self._t0 = w - (self.steps + 1) * self.dt / self.speedup     # the next step is due now
            return 0.0
        return -late

    def due(self) -> bool:
        return self.wait_s() <= 1e-9

    def advance(self) -> float:
        self.steps += 1
        return self.now

    def set_speedup(self, speedup: float) -> None:
        if speedup < 0:
            raise ValueError("speed-up must be >= 0")
        self.speedup = speedup
        if self._t0 is not None:
            self.start()

    def realtime_factor(self) -> float:
        """Simulated seconds per wall second since start (or the last speed-up change)."""
        if self._wall_start is None:
            return 0.0
        elapsed = self._wall() - self._wall_start
        return (self.now - self._sim_at_start) / elapsed if elapsed > 0 else 0.0
