"""The site's shapes in the local metric frame: water, islands, no-fly zones, hotspots, home."""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon

from ..geo import LocalFrame
from .schema import NoFlyZone, PolygonLL, Ring, Site

CIRCLE_SEGMENTS = 64
WAYPOINT_CLEARANCE_M = 3.0


def ring_xy(frame: LocalFrame, ring: Ring) -> np.ndarray:
    return frame.xy_array(np.asarray(ring, dtype=float))


def polygon_xy(frame: LocalFrame, poly: PolygonLL) -> Polygon:
    return Polygon(ring_xy(frame, poly.exterior), [ring_xy(frame, h) for h in poly.holes])


def circle_polygon(center_xy: tuple[float, float], radius_m: float, segments: int = CIRCLE_SEGMENTS) -> Polygon:
    """A polygon that contains the whole circle (its edges touch it), so keeping out of it keeps out of the circle."""
    r = radius_m / math.cos(math.pi / segments)
    a = np.linspace(0, 2 * math.pi, segments, endpoint=False) + math.pi / segments
    return Polygon(np.column_stack([center_xy[0] + r * np.cos(a), center_xy[1] + r * np.sin(a)]))


def nofly_polygon(frame: LocalFrame, zone: NoFlyZone) -> Polygon:
    if zone.circle is not None:
        (lat, lon), radius = zone.circle
        return circle_polygon(frame.to_xy(lat, lon), radius)
    return Polygon(ring_xy(frame, zone.polygon))


def as_polygons(geom) -> list[Polygon]:
    if geom.is_empty:
        return []
    if isinstance(geom, Polygon):
        return [geom]
    if isinstance(geom, MultiPolygon):
        return list(geom.geoms)
    return [g for g in getattr(geom, "geoms", []) if isinstance(g, Polygon) and not g.is_empty]


@dataclass(frozen=True)
class AreaGeometry:
    name: str
    water: Polygon | MultiPolygon      # the area less its islands
    coverable: Polygon | MultiPolygon  # water less no-fly zones and their stand-off


class SiteGeometry:
    """All shapes of one site in metres; built once and shared by the planners."""

    def __init__(self, site: Site):
        self.site = site
        self.frame = site.frame
        hx, hy = self.frame.to_xy(*site.info.home)
        self.home = Point(hx, hy)

    @cached_property
    def nofly(self) -> list[tuple[str, Polygon]]:
        return [(z.name, nofly_polygon(self.frame, z)) for z in self.site.no_fly]

    @cached_property
    def keepout(self) -> Polygon | MultiPolygon:
        """No-fly zones grown by the stand-off margin: no leg may enter this."""
        m = self.site.patrol.nofly_margin_m
        parts = [p.buffer(m, quad_segs=8) if m > 0 else p for _, p in self.nofly]
        return shapely.union_all(parts) if parts else Polygon()

    @cached_property
    def keepout_clear(self) -> Polygon | MultiPolygon:
        """The keep-out grown by a little more, so waypoints placed against it stay strictly outside."""
        return self.keepout.buffer(WAYPOINT_CLEARANCE_M) if not self.keepout.is_empty else self.keepout

    @cached_property
    def areas(self) -> list[AreaGeometry]:
        out = []
        keepout = self.keepout_clear
        for area in self.site.areas:
            water = shapely.union_all([polygon_xy(self.frame, p) for p in area.polygons])
            coverable = water.difference(keepout) if not keepout.is_empty else water
            out.append(AreaGeometry(area.name, water, coverable))
        return out

    @cached_property
    def hotspots(self) -> list[Point]:
        return [Point(*self.frame.to_xy(*h.center)) for h in self.site.hotspots]
