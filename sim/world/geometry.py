"""The site's water in the world frame, and the small geometry of lines and headings."""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon

from missions.site import Site

from .frame import TangentFrame


@lru_cache(maxsize=32)
def site_frame(site: Site) -> TangentFrame:
    return TangentFrame(*site.info.home)


@lru_cache(maxsize=32)
def water_geometry(site: Site) -> MultiPolygon:
    """Every area of the site, islands cut out, in the world frame."""
    frame = site_frame(site)
    polys = []
    for area in site.areas:
        for p in area.polygons:
            polys.append(Polygon(frame.xy_array(p.exterior), [frame.xy_array(h) for h in p.holes]))
    geom = shapely.union_all(polys)
    if isinstance(geom, Polygon):
        geom = MultiPolygon([geom])
    shapely.prepare(geom)
    return geom


def heading_of(dx: float, dy: float) -> float:
    """Degrees clockwise from north of the vector (east, north)."""
    return math.degrees(math.atan2(dx, dy)) % 360.0


def unit(heading_deg: float) -> np.ndarray:
    """(east, north) unit vector of a heading."""
    h = math.radians(heading_deg)
    return np.array([math.sin(h), math.cos(h)])


def polyline_length(xy: np.ndarray) -> float:
    return float(np.hypot(*np.diff(xy, axis=0).T).sum())


def point_along(xy: np.ndarray, s: float) -> np.ndarray:
    """The point at arc length s along a polyline."""
    seg = np.hypot(*np.diff(xy, axis=0).T)
    cum = np.concatenate([[0.0], np.cumsum(seg)])
    s = min(max(s, 0.0), cum[-1])
    i = min(int(np.searchsorted(cum, s, side="right")) - 1, len(seg) - 1)
    t = 0.0 if seg[i] == 0 else (s - cum[i]) / seg[i]
    return xy[i] + t * (xy[i + 1] - xy[i])


def resample(xy: np.ndarray, spacing: float) -> np.ndarray:
    """Points every `spacing` metres along a polyline, both ends included."""
    length = polyline_length(xy)
    n = max(1, int(round(length / spacing)))
    return np.array([point_along(xy, s) for s in np.linspace(0.0, length, n + 1)])


def oriented_box(cx: float, cy: float, heading_deg: float, length: float, width: float) -> np.ndarray:
    """4 x 2 corners (x, y) of a rectangle centred at (cx, cy), long axis along the heading, counter-clockwise."""
    f = unit(heading_deg)
    r = np.array([f[1], -f[0]])  # to the right of the heading
    hl, hw = length / 2.0, width / 2.0
    c = np.array([cx, cy])
    return np.array([c - f * hl + r * hw, c + f * hl + r * hw, c + f * hl - r * hw, c - f * hl - r * hw])
