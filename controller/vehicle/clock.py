"""How fast the vehicle's clock runs against ours.

A real drone's `time_boot_ms` advances one second per second; a SITL at speed-up N advances N.
Every timeout and heartbeat period the controller uses is stated in vehicle seconds and turned
into wall seconds here, so the same code is correct against both without knowing which it flies.
"""
from __future__ import annotations

import threading
import time
from collections import deque

MIN_SPAN_S = 0.2  # wall seconds of samples before trusting a rate


class VehicleClock:
    def __init__(self, window_s: float = 5.0):
        self._samples: deque[tuple[float, float]] = deque()
        self._window = window_s
        self._lock = threading.Lock()
        self._rate = 1.0
        self.known = False
        self.boot_s: float | None = None

    def observe(self, time_boot_ms: int, wall: float | None = None) -> None:
        wall = time.monotonic() if wall is None else wall
        boot = time_boot_ms / 1000.0
        with self._lock:
            if self._samples and boot < self._samples[-1][1] - 1.0:
                self._samples.clear()  # the vehicle rebooted
                self.known = False
            self._samples.append((wall, boot))
            while self._samples and wall - self._samples[0][0] > self._window:
                self._samples.popleft()
            w0, b0 = self._samples[0]
            if wall - w0 >= MIN_SPAN_S and boot > b0:
                self._rate = min(max((boot - b0) / (wall - w0), 0.1), 5000.0)
                self.known = True
            self.boot_s = boot

    @property
    def rate(self) -> float:
        """Vehicle seconds per wall second."""
        return self._rate

    def wall(self, vehicle_s: float, floor_s: float = 0.05) -> float:
        """Wall seconds that `vehicle_s` of vehicle time take."""
        return max(vehicle_s / self._rate, floor_s)

    def timer(self, vehicle_s: float, floor_s: float = 0.05):
        """A deadline `vehicle_s` of vehicle time from now: `expired()` reads the vehicle's own clock.

        Converting once to wall time goes wrong while the rate is still being learnt (just after
        connecting) or when it changes; if the vehicle falls silent, twice the wall time at the last
        known rate ends the wait anyway.
        """
        start_boot, start_wall = self.boot_s, time.monotonic()
        rate_at_start = self._rate

        def expired() -> bool:
            now = time.monotonic()
            if now - start_wall < floor_s:
                return False
            if start_boot is not None and self.boot_s is not None and self.boot_s - start_boot >= vehicle_s:
                return True
            return now - start_wall >= 2.0 * vehicle_s / max(min(self._rate, rate_at_start), 0.1) + floor_s

        return expired
