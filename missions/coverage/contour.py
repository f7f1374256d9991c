"""Contour-parallel coverage: loops that follow the shore inward, a swath apart.

On a compact lake the loops' total length is close to area / swath with almost no turning,
where a lawnmower pays for a diagonal turn at every oblique shore. On a lake full of bays and
islands the loops multiply and the lawnmower wins; the planner scores both and keeps the shorter.
"""
from __future__ import annotations

import math

import numpy as np
import shapely
from shapely.geometry import LineString, MultiPolygon, Point, Polygon

from ..site.geometry import as_polygons
from ..transit import Transit
from .swaths import SweepGeometry

MAX_LEVELS = 200
UNSEEN_ALLOWANCE = 0.002  # of the water; slivers below this are left to the shoreline pass


def _loops(region: Polygon | MultiPolygon, g: SweepGeometry, tol: float) -> list[np.ndarray]:
    """Closed loops at offsets e, e + s, e + 2s ... inside the region."""
    first = min(g.footprint / 2 * 0.95, g.spacing * 0.5 + g.reach)  # the shore lies within the first loop's view
    loops: list[np.ndarray] = []
    level = region.buffer(-first, join_style="round", quad_segs=8)
    n = 0
    while not level.is_empty and n < MAX_LEVELS:
        for poly in as_polygons(level):
            for ring in [poly.exterior, *poly.interiors]:
                line = LineString(ring.coords).simplify(tol, preserve_topology=False)
                if line.length > 1.0:
                    loops.append(np.asarray(line.coords))
        level = level.buffer(-g.spacing, join_style="round", quad_segs=8)
        n += 1
    return loops


def _unseen(region, paths: list[np.ndarray], half: float, min_area: float) -> list[Polygon]:
    if not paths:
        return [p for p in as_polygons(region) if p.area > min_area]
    seen = shapely.union_all([LineString(p).buffer(half, quad_segs=4) for p in paths if len(p) > 1])
    return [p for p in as_polygons(region.difference(seen)) if p.area > min_area]


def _spine(poly: Polygon) -> np.ndarray:
    """A segment along the long axis of a leftover sliver, which one pass sees whole."""
    rect = np.asarray(poly.minimum_rotated_rectangle.exterior.coords)[:4]
    e1, e2 = rect[1] - rect[0], rect[2] - rect[1]
    if np.hypot(*e1) >= np.hypot(*e2):
        a, b = (rect[0] + rect[3]) / 2, (rect[1] + rect[2]) / 2
    else:
        a, b = (rect[0] + rect[1]) / 2, (rect[3] + rect[2]) / 2
    return np.array([a, b])


def _enter(loop: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """The loop's waypoints starting and ending at its point nearest `pos`."""
    line = LineString(loop)
    s = line.project(Point(pos))
    cut = np.asarray(line.interpolate(s).coords[0])
    cum = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(loop, axis=0).T))])
    i = min(max(int(np.searchsorted(cum, s, side="right")), 1), len(loop) - 1)
    seq = np.vstack([cut[None], loop[i:-1], loop[:i], cut[None]])
    keep = np.concatenate([[True], np.hypot(*np.diff(seq, axis=0).T) > 0.01])
    return seq[keep]


def contour_path(region: Polygon | MultiPolygon, g: SweepGeometry, start, transit: Transit,
                 tol: float = 2.0) -> tuple[np.ndarray, np.ndarray] | None:
    """(points, work flags per segment) of loops taken nearest-first, or None if the region is too small."""
    loops = _loops(region, g, tol)
    half = g.footprint / 2 * 0.995
    allowance = region.area * UNSEEN_ALLOWANCE
    spines: list[np.ndarray] = []
    for _ in range(3):  # what the loops leave unseen (a narrow bay, the middle) gets a pass along it
        missing = sorted(_unseen(region, loops + spines, half, 1.0), key=lambda p: -p.area)
        left = sum(p.area for p in missing)
        added = False
        for p in missing:
            if left <= allowance:
                break
            spines.append(_spine(p))
            left -= p.area
            added = True
        if not added:
            break
    pieces: list[tuple[np.ndarray, bool]] = [(lp, True) for lp in loops] + [(sp, False) for sp in spines]
    pos = np.asarray(start, dtype=float)
    pts: list[np.ndarray] = []
    flags: list[bool] = []
    left = list(range(len(pieces)))
    while left:
        dist = []
        for k in left:
            arr, closed = pieces[k]
            if closed:
                dist.append(LineString(arr).distance(Point(pos)))
            else:
                dist.append(min(np.hypot(*(arr[0] - pos)), np.hypot(*(arr[-1] - pos))))
        k = left.pop(int(np.argmin(dist)))
        arr, closed = pieces[k]
        seq = _enter(arr, pos) if closed else (arr if np.hypot(*(arr[0] - pos)) <= np.hypot(*(arr[-1] - pos)) else arr[::-1])
        if pts:
            _, via = transit.route(tuple(pts[-1]), tuple(seq[0]))
            for p in via[1:]:
                pts.append(np.asarray(p))
                flags.append(False)
        else:
            pts.append(seq[0])
        for p in seq[1:]:
            pts.append(p)
            flags.append(True)
        pos = seq[-1]
    points = np.asarray(pts)
    flags_arr = np.asarray(flags, dtype=bool)
    seg = np.hypot(*np.diff(points, axis=0).T)
    keep = seg > 0.01
    return points[np.concatenate([[True], keep])], flags_arr[keep]
