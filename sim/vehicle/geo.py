"""Metres north/east of home <-> WGS84, the flat-earth way ArduPilot's Location class does it.

The vehicle navigates in a local frame every physics step; a projection library per step would
cost more than the rest of the physics. ArduPilot itself uses this approximation (a degree of
latitude is LOCATION_SCALING_FACTOR_INV metres, longitude scaled by cos(lat)), so distances and
bearings the simulator reports agree with what the real autopilot would compute.
"""
from __future__ import annotations

import math

M_PER_DEG = 111318.84502145034   # 1 / LOCATION_SCALING_FACTOR * 1e-7


class LocalGeo:
    __slots__ = ("lat0", "lon0", "_lon_scale")

    def __init__(self, lat0: float, lon0: float):
        self.lat0 = lat0
        self.lon0 = lon0
        self._lon_scale = max(0.01, math.cos(math.radians(lat0)))

    def to_ne(self, lat: float, lon: float) -> tuple[float, float]:
        return (lat - self.lat0) * M_PER_DEG, (lon - self.lon0) * M_PER_DEG * self._lon_scale

    def to_latlon(self, north: float, east: float) -> tuple[float, float]:
        return self.lat0 + north / M_PER_DEG, self.lon0 + east / (M_PER_DEG * self._lon_scale)


def wrap_pi(angle: float) -> float:
    return (angle + math.pi) % (2.0 * math.pi) - math.pi
