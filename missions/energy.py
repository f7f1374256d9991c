"""How long a path takes an ArduCopter, and so how much battery: the numbers sorties are cut by."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .site.schema import Vehicle

LAND_ALT_LOW_M = 10.0   # ArduCopter LAND_ALT_LOW: below it, LAND descends at LAND_SPEED
CIRCLE_RATE_DEG_S = 20.0  # ArduCopter CIRCLE_RATE default


@dataclass(frozen=True)
class FlightModel:
    vehicle: Vehicle
    altitude_m: float

    @property
    def speed(self) -> float:
        return self.vehicle.cruise_speed_mps

    def takeoff_s(self) -> float:
        return self.altitude_m / self.vehicle.climb_speed_mps

    def land_s(self) -> float:
        high = max(self.altitude_m - LAND_ALT_LOW_M, 0.0)
        return high / self.vehicle.descent_speed_mps + min(self.altitude_m, LAND_ALT_LOW_M) / self.vehicle.land_speed_mps

    def cruise_s(self, dist_m: float) -> float:
        return dist_m / self.speed

    def home_s(self, dist_m: float) -> float:
        """Flying home is planned against the planning wind, as a headwind."""
        return dist_m / (self.speed - self.vehicle.planning_wind_mps)

    def turn_s(self, angle_rad: float) -> float:
        """Extra time to brake for a corner and accelerate out: v/a for a full reversal."""
        return (self.speed / self.vehicle.accel_mps2) * (1.0 - math.cos(angle_rad)) / 2.0

    def orbit_speed(self, radius_m: float) -> float:
        """AC_Circle's speed: WPNAV speed, capped by CIRCLE_RATE and by half the lateral acceleration."""
        return min(self.speed, math.radians(CIRCLE_RATE_DEG_S) * radius_m,
                   math.sqrt(0.5 * self.vehicle.accel_mps2 * radius_m))

    def orbit_s(self, radius_m: float, turns: int) -> float:
        return turns * 2 * math.pi * radius_m / self.orbit_speed(radius_m)

    def path_s(self, points: np.ndarray) -> float:
        """Straight legs at cruise plus braking at each corner."""
        if len(points) < 2:
            return 0.0
        d = np.diff(points, axis=0)
        seg = np.hypot(d[:, 0], d[:, 1])
        d = d[seg > 1e-6]
        t = float(seg.sum()) / self.speed
        if len(d) > 1:
            h = np.arctan2(d[:, 1], d[:, 0])
            turn = np.abs((np.diff(h) + math.pi) % (2 * math.pi) - math.pi)
            t += float(((self.speed / self.vehicle.accel_mps2) * (1 - np.cos(turn)) / 2).sum())
        return t

    def battery_fraction(self, flight_s: float) -> float:
        return flight_s / self.vehicle.endurance_s


def heading_change(a, b, c) -> float:
    """Angle (radians) the track turns at b going a -> b -> c."""
    h1 = math.atan2(b[1] - a[1], b[0] - a[0])
    h2 = math.atan2(c[1] - b[1], c[0] - b[0])
    return abs((h2 - h1 + math.pi) % (2 * math.pi) - math.pi)


def mission_time_s(items, frame, home_latlon, model: FlightModel) -> float:
    """Takeoff to landed for a mission as the vehicle flies its items: the planner's figure, recomputed from items alone.

    Items: a sortie's MissionItems (0 home, 1 takeoff, then waypoints, DO commands and LOITER_TURNS, last RTL).
    """
    from .plan import MAV_CMD_NAV_LOITER_TURNS, MAV_CMD_NAV_WAYPOINT

    home = np.asarray(frame.to_xy(*home_latlon), dtype=float)
    t = model.takeoff_s()
    pos, prev = home, None
    for it in items[2:]:
        if it.command not in (MAV_CMD_NAV_WAYPOINT, MAV_CMD_NAV_LOITER_TURNS):
            continue
        p = np.asarray(frame.to_xy(it.lat, it.lon), dtype=float)
        if it.command == MAV_CMD_NAV_LOITER_TURNS:
            r = abs(it.param3)
            d = float(np.hypot(*(pos - p)))
            entry = p + (pos - p) / d * r if d > 1e-6 else p + np.array([r, 0.0])
            t += model.cruise_s(float(np.hypot(*(entry - pos)))) + model.orbit_s(r, max(int(it.param1), 1))
            pos, prev = entry, None
            continue
        if float(np.hypot(*(p - pos))) <= 0.01:
            continue
        if prev is not None:
            t += model.turn_s(heading_change(prev, pos, p))
        t += model.cruise_s(float(np.hypot(*(p - pos))))
        prev, pos = pos, p
    return t + model.home_s(float(np.hypot(*(home - pos)))) + model.land_s()
