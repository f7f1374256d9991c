"""Pace the simulator to the detector: the demo turns the SITL's own speed knob (SIM_SPEEDUP), as a
person at the simulator would, so that every frame is looked at without a growing backlog.

The controller knows nothing of this: it sees a vehicle whose clock runs faster or slower.
"""
from __future__ import annotations

import logging
import os
import threading

os.environ.setdefault("MAVLINK20", "1")
from pymavlink import mavutil  # noqa: E402

log = logging.getLogger("waterpatrol.demo")
PACER_SYSID = 250  # not the GCS id (255): its traffic must not count for the vehicle's GCS failsafe


class SimPacer:
    def __init__(self, url: str, backlog, start: float, low: float = 2.0, high: float | None = None,
                 period_s: float = 1.0, target: int = 3):
        self.url, self.backlog = url, backlog
        self.speed, self.low, self.high = start, low, high or start
        self.period, self.target = period_s, target
        self.changes: list[tuple[float, float]] = []
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, name="pacer", daemon=True)
        self.conn = mavutil.mavlink_connection(url, source_system=PACER_SYSID, source_component=191)

    def start(self) -> "SimPacer":
        self._t.start()
        return self

    def _set(self, speed: float) -> None:
        speed = round(min(max(speed, self.low), self.high), 2)
        if abs(speed - self.speed) < 1e-6:
            return
        self.speed = speed
        self.conn.mav.param_set_send(1, 1, b"SIM_SPEEDUP", speed, mavutil.mavlink.MAV_PARAM_TYPE_REAL32)
        self.changes.append((self.backlog(), speed))

    def _run(self) -> None:
        while not self._stop.wait(self.period):
            try:
                while self.conn.recv_match(blocking=False) is not None:
                    pass  # keep the socket drained
                b = self.backlog()
                if b > 2 * self.target:
                    self._set(self.speed * 0.7)
                elif b <= self.target // 2:
                    self._set(self.speed * 1.15)
            except Exception as exc:  # the pacer is a convenience; the demo goes on without it
                log.warning("pacer: %s", exc)

    def stop(self) -> None:
        self._stop.set()
        self._t.join(3)
        self.conn.close()
