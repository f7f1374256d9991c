"""Objects placed in the world frame: the ground truth that labels and GeoJSON are both made from.

A compact object's truth is a box: its footprint rectangle on the surface it stands on (water or
land, which differ in height by the site's water level) extended up to its height. A line object
(a net, a jetty) is its line with a width.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import Point

from missions.site import Site

from .geometry import oriented_box, site_frame, water_geometry
from .schema import WorldObject

LAND_Z = 0.0  # land is at the height of home; water at site.info.water_level_m


@dataclass(frozen=True)
class Placed:
    obj: WorldObject
    center: tuple[float, float]     # world frame (x east, y north), m
    base_z: float                   # height of the surface it stands on, relative to home
    footprint: np.ndarray           # 4 x 2 corners of its rectangle, or the line buffered by its width
    line: np.ndarray | None = None  # N x 2, nets and jetties
    surface: str = "water"          # what it stands on: water or land

    @property
    def top_z(self) -> float:
        return self.base_z + self.obj.height_m

    def box3d(self) -> np.ndarray:
        """8 x 3 corners (4 x 3 for flat ones) of the labelled box."""
        fp = self.footprint
        lo = np.column_stack([fp, np.full(len(fp), self.base_z)])
        if self.obj.height_m <= 0:
            return lo
        hi = np.column_stack([fp, np.full(len(fp), self.top_z)])
        return np.vstack([lo, hi])


def surface_of(site: Site, obj: WorldObject, xy) -> tuple[str, float]:
    """(surface, its height relative to home). Shore things (reeds, jetties) stand in the water."""
    spec = obj.spec
    if spec.surface in ("water", "shore"):
        return "water", float(site.info.water_level_m)
    if spec.surface == "land":
        return "land", LAND_Z
    if water_geometry(site).contains(Point(*xy)):
        return "water", float(site.info.water_level_m)
    return "land", LAND_Z


def place(site: Site, obj: WorldObject) -> Placed:
    frame = site_frame(site)
    if obj.spec.line:
        line = frame.xy_array(obj.line)
        fp = np.asarray(shapely.LineString(line).buffer(max(obj.width_m / 2, 0.05), cap_style="round",
                                                        quad_segs=2).exterior.coords)[:-1]
        cx, cy = frame.to_xy(obj.lat, obj.lon)
        surface, z = surface_of(site, obj, (cx, cy))
        return Placed(obj, (float(cx), float(cy)), z, fp, line, surface)
    cx, cy = frame.to_xy(obj.lat, obj.lon)
    fp = oriented_box(cx, cy, obj.heading_deg, obj.length_m, obj.width_m)
    surface, z = surface_of(site, obj, (cx, cy))
    return Placed(obj, (float(cx), float(cy)), z, fp, None, surface)
