"""The world's metric frame: a local tangent plane at the site's home, true north up.

Why not the planner's UTM frame: UTM grid north differs from true north by the grid convergence
(about 1.2 degrees at Suzhou), and a camera's yaw is measured from true north, so a renderer in UTM
would misplace the edge of a frame by a metre or more. A transverse Mercator centred on home with
scale 1 is a tangent plane to better than 1e-6 in scale and 0.02 degrees in north over a few km.
x is east, y is north, z is up, all in metres; z = 0 is the height of home (the dock).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from pyproj import CRS, Transformer


@dataclass(frozen=True)
class TangentFrame:
    lat0: float
    lon0: float

    @cached_property
    def crs(self) -> CRS:
        return CRS.from_proj4(f"+proj=tmerc +lat_0={self.lat0!r} +lon_0={self.lon0!r} +k=1 "
                              f"+x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs")

    @cached_property
    def _fwd(self) -> Transformer:
        return Transformer.from_crs(CRS.from_epsg(4326), self.crs, always_xy=True)

    @cached_property
    def _inv(self) -> Transformer:
        return Transformer.from_crs(self.crs, CRS.from_epsg(4326), always_xy=True)

    def to_xy(self, lat, lon):
        """(lat, lon) scalars or arrays -> (x east, y north) metres."""
        return self._fwd.transform(lon, lat)

    def to_latlon(self, x, y):
        lon, lat = self._inv.transform(x, y)
        return lat, lon

    def xy_array(self, latlon) -> np.ndarray:
        """N x 2 (lat, lon) -> N x 2 (x, y)."""
        a = np.asarray(latlon, dtype=float).reshape(-1, 2)
        x, y = self._fwd.transform(a[:, 1], a[:, 0])
        return np.column_stack([x, y])

    def latlon_array(self, xy) -> np.ndarray:
        """N x 2 (x, y) -> N x 2 (lat, lon)."""
        a = np.asarray(xy, dtype=float).reshape(-1, 2)
        lon, lat = self._inv.transform(a[:, 0], a[:, 1])
        return np.column_stack([lat, lon])
