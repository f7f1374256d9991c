"""System: one drone behind one connection string, with link, telemetry, params, mission, fence and action."""
from __future__ import annotations

import time

from .action import Action
from .errors import VehicleError
from .fence import Fence
from .link import EventSink, Link
from .mission import Mission
from .params import Params
from .telemetry import Telemetry

# what the controller reads, in vehicle-time Hz (the vehicle streams them at these rates)
STREAMS_HZ = {"GLOBAL_POSITION_INT": 5, "ATTITUDE": 5, "SYS_STATUS": 1, "BATTERY_STATUS": 1, "GPS_RAW_INT": 1,
              "EKF_STATUS_REPORT": 1, "MISSION_CURRENT": 1, "HOME_POSITION": 0.5, "VFR_HUD": 2}


class System:
    def __init__(self, conn: str, name: str = "", events: EventSink | None = None, connect_timeout_s: float = 30.0):
        self.name = name or conn
        self.link = Link(conn, name=self.name, events=events, connect_timeout_s=connect_timeout_s)
        self.telemetry = Telemetry(self.link)
        self.params = Params(self.link)
        self.mission = Mission(self.link)
        self.fence = Fence(self.mission, self.params)
        self.action = Action(self.link, self.telemetry)

    def connect(self) -> "System":
        self.link.open()
        self.telemetry.request_rates(STREAMS_HZ)
        deadline = time.monotonic() + self.link.connect_timeout_s
        while time.monotonic() < deadline:
            s = self.telemetry.snapshot()
            if s.lat is not None and s.mode != "UNKNOWN":
                return self
            time.sleep(0.05)
        self.link.close()
        raise VehicleError(f"{self.name}: heartbeats arrive but no position after {self.link.connect_timeout_s:.0f} s")

    def close(self) -> None:
        self.link.close()
