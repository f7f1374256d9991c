"""Shoreline loops: fly `shore_margin_m` inside every shore, islands included (nets are set near shore)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from shapely.geometry import LineString, MultiLineString, MultiPolygon, Point, Polygon

from .site.geometry import as_polygons


@dataclass
class ShorePath:
    area: str
    points: np.ndarray  # N x 2; a closed loop repeats its first point last
    closed: bool
    island: bool

    @property
    def length_m(self) -> float:
        return float(np.hypot(*np.diff(self.points, axis=0).T).sum())


def shoreline_paths(area: str, water: Polygon | MultiPolygon, keepout, margin_m: float,
                    tolerance_m: float = 3.0, min_length_m: float = 20.0) -> list[ShorePath]:
    inner = water.buffer(-margin_m, join_style="round") if margin_m > 0 else water
    out: list[ShorePath] = []
    for poly in as_polygons(inner):
        for ring, island in [(poly.exterior, False), *((r, True) for r in poly.interiors)]:
            line = LineString(ring.coords).simplify(tolerance_m, preserve_topology=False)
            if keepout is not None and not keepout.is_empty and line.intersects(keepout):
                rest = line.difference(keepout)
                pieces = list(rest.geoms) if isinstance(rest, MultiLineString) else [rest]
                for piece in pieces:
                    if not piece.is_empty and piece.length >= min_length_m:
                        out.append(ShorePath(area, np.asarray(piece.coords), closed=False, island=island))
            elif line.length >= min_length_m:
                out.append(ShorePath(area, np.asarray(line.coords), closed=True, island=island))
    return out


def entered_at(path: ShorePath, pos: np.ndarray) -> np.ndarray:
    """The path's waypoints starting from the point nearest `pos` (loops) or from its nearer end."""
    pts = path.points
    if not path.closed:
        if np.hypot(*(pts[-1] - pos)) < np.hypot(*(pts[0] - pos)):
            return pts[::-1].copy()
        return pts
    ring = pts[:-1]
    line = LineString(pts)
    s = line.project(Point(float(pos[0]), float(pos[1])))
    cut = np.asarray(line.interpolate(s).coords[0])
    cum = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(pts, axis=0).T))])
    i = int(np.searchsorted(cum, s, side="right"))  # first vertex after the cut
    i = min(max(i, 1), len(pts) - 1)
    after = pts[i:-1] if i < len(pts) - 1 else np.zeros((0, 2))
    before = ring[:i]
    seq = np.vstack([cut[None], after, before, cut[None]])
    keep = np.concatenate([[True], np.hypot(*np.diff(seq, axis=0).T) > 0.01])
    return seq[keep]

