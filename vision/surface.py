"""Where each class can be: nets, boats, swimmers and debris on the water; waste piles and muck trucks on
land. A sighting placed well on the wrong side of the shore is a detector mistake (a net "seen" on a car
park, a "boat" on a roof), dropped before it can become an anomaly.

The shore is the site's water polygons; `margin_m` (plus the sighting's own error radius) keeps anything
near the shore in, so a net tied to the bank or a pile tipped down it is never lost.
"""
from __future__ import annotations

import shapely
import numpy as np
from shapely.geometry import Point

from .confirm import LocalMetric
from .types import Sighting

ON_WATER = frozenset({"fishing_net", "fishing_boat", "swimmer", "floating_debris"})
ON_LAND = frozenset({"waste_pile", "muck_truck"})


class SurfaceCheck:
    def __init__(self, water_lonlat, margin_m: float = 15.0):
        """`water_lonlat`: a shapely (Multi)Polygon of the site's water in lon/lat (islands as holes)."""
        c = water_lonlat.centroid
        self.metric = LocalMetric(c.y, c.x)
        m = self.metric
        self.water = shapely.transform(water_lonlat, lambda ll: np.column_stack(
            [(ll[:, 0] - m.lon0) * m.m_lon, (ll[:, 1] - m.lat0) * m.m_lat]))
        shapely.prepare(self.water)
        self.margin_m = margin_m

    def plausible(self, s: Sighting) -> bool:
        p = Point(*self.metric.xy(s.lat, s.lon))
        slack = self.margin_m + s.uncertainty_m
        if s.cls in ON_WATER:
            return self.water.distance(p) <= slack                    # 0 inside the water
        if s.cls in ON_LAND:
            return _depth(self.water, p) <= slack
        return True


def _depth(water, p: Point) -> float:
    """How far inside the water a point lies (0 outside)."""
    return water.boundary.distance(p) if water.contains(p) else 0.0
