"""A local metric frame (UTM via pyproj) for geometry; WGS84 only at the edges.

Every planner works in metres east/north of nothing in particular (UTM); points are stored and
exchanged as (lat, lon). The frame is chosen from the site's home so a whole site shares one zone.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from pyproj import CRS, Transformer

EARTH_RADIUS_M = 6_371_008.8


def utm_epsg(lat: float, lon: float) -> int:
    zone = int((lon + 180.0) // 6.0) % 60 + 1
    return (32600 if lat >= 0 else 32700) + zone


@dataclass(frozen=True)
class LocalFrame:
    """Forward and inverse projection between WGS84 and one UTM zone."""

    epsg: int

    @classmethod
    def around(cls, lat: float, lon: float) -> "LocalFrame":
        return cls(utm_epsg(lat, lon))

    @cached_property
    def _fwd(self) -> Transformer:
        return Transformer.from_crs(CRS.from_epsg(4326), CRS.from_epsg(self.epsg), always_xy=True)

    @cached_property
    def _inv(self) -> Transformer:
        return Transformer.from_crs(CRS.from_epsg(self.epsg), CRS.from_epsg(4326), always_xy=True)

    def to_xy(self, lat, lon):
        """(lat, lon) scalars or arrays -> (x east, y north) metres."""
        return self._fwd.transform(lon, lat)

    def to_latlon(self, x, y):
        """(x, y) metres -> (lat, lon)."""
        lon, lat = self._inv.transform(x, y)
        return lat, lon

    def xy_array(self, latlon: np.ndarray) -> np.ndarray:
        """N x 2 array of (lat, lon) -> N x 2 array of (x, y)."""
        latlon = np.asarray(latlon, dtype=float).reshape(-1, 2)
        x, y = self._fwd.transform(latlon[:, 1], latlon[:, 0])
        return np.column_stack([x, y])

    def latlon_array(self, xy: np.ndarray) -> np.ndarray:
        """N x 2 array of (x, y) -> N x 2 array of (lat, lon)."""
        xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        lon, lat = self._inv.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([lat, lon])


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))
