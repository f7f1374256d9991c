"""Action: modes, arming, takeoff, return and land, through dronekit, each confirmed by the vehicle."""
from __future__ import annotations

import time

from .errors import VehicleError
from .link import Link
from .telemetry import Telemetry

MODE_VEHICLE_S = 3.0
ARM_VEHICLE_S = 5.0
RETRIES = 3


class Action:
    def __init__(self, link: Link, telemetry: Telemetry):
        self.link = link
        self.tel = telemetry

    def _wait(self, cond, vehicle_s: float, floor_s: float = 0.1) -> bool:
        expired = self.link.clock.timer(vehicle_s, floor_s)
        while not expired():
            if cond(self.tel.snapshot()):
                return True
            time.sleep(0.02)
        return cond(self.tel.snapshot())

    def _complaints(self, since: float) -> str:
        texts = [t.text for t in self.tel.texts_since(since)
                 if t.text.startswith(("PreArm", "Arm", "Mode", "Flight mode", "Fence", "Disarm")) or t.severity <= 3]
        return "; ".join(dict.fromkeys(texts)) if texts else ""

    def set_mode(self, name: str) -> None:
        import dronekit

        if self.tel.snapshot().mode == name:
            return
        since = time.monotonic()
        for _ in range(RETRIES):
            v = self.link.vehicle
            if v is None:
                break
            v.mode = dronekit.VehicleMode(name)
            if self._wait(lambda s: s.mode == name, MODE_VEHICLE_S):
                return
        why = self._complaints(since)
        raise VehicleError(f"{self.link.name}: stayed in {self.tel.snapshot().mode}, would not change to {name}"
                           + (f" ({why})" if why else ""))

    def arm(self) -> None:
        if self.tel.snapshot().armed:
            return
        since = time.monotonic()
        for _ in range(RETRIES):
            v = self.link.vehicle
            if v is None:
                break
            v.armed = True
            if self._wait(lambda s: s.armed, ARM_VEHICLE_S):
                return
        why = self._complaints(since) or "no reason given"
        raise VehicleError(f"{self.link.name}: refused to arm: {why}")

    def takeoff(self, altitude_m: float, climb_mps: float = 2.5) -> None:
        v = self.link.vehicle
        if v is None:
            raise VehicleError(f"{self.link.name}: not connected")
        since = time.monotonic()
        v.simple_takeoff(altitude_m)
        need = altitude_m / climb_mps * 2.0 + 15.0
        if not self._wait(lambda s: (s.alt_rel_m or 0.0) >= altitude_m * 0.95 or not s.armed or s.mode != "GUIDED", need):
            s = self.tel.snapshot()
            raise VehicleError(f"{self.link.name}: takeoff to {altitude_m:g} m stalled at {s.alt_rel_m or 0:.1f} m "
                               f"(mode {s.mode}, armed {s.armed})")
        s = self.tel.snapshot()
        if not s.armed or s.mode != "GUIDED":
            why = self._complaints(since)
            raise VehicleError(f"{self.link.name}: takeoff interrupted at {s.alt_rel_m or 0:.1f} m: the vehicle is now "
                               f"{'armed' if s.armed else 'disarmed'} in {s.mode}" + (f" ({why})" if why else ""))

    def rtl(self) -> None:
        self.set_mode("RTL")

    def land(self) -> None:
        self.set_mode("LAND")

    def wait_landed(self, vehicle_s: float) -> bool:
        """True once the vehicle has landed and disarmed itself (ArduCopter does after RTL and LAND)."""
        return self._wait(lambda s: not s.armed, vehicle_s)
