"""What the renderer draws: flat pieces placed in 3-D, grouped into items that cast shadows.

Everything in a frame beyond the textured ground is an `Item` (a tree, a building, a boat, a
float line) made of `Part`s: polygons, thick lines and discs whose vertices are world points with
their own heights. Projecting the vertices with the exact camera model and filling the polygons in
the image is what keeps drawings and labels in agreement to the pixel, and makes a truck's roof
lean out at the edge of a wide-angle frame as it does in a photo.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

POLY, LINES, DISC, POLYS = 0, 1, 2, 3

BGR = tuple[int, int, int]


@dataclass
class Part:
    kind: int                   # POLY: one polygon; POLYS: several of one colour; LINES: M segments (2M points); DISC: one centre
    pts: np.ndarray             # N x 3 world points (x east, y north, z up)
    color: BGR
    size: float = 0.0           # LINES: width (m); DISC: radius (m)
    alpha: float = 1.0          # < 1 blends with what is below (foam, a body under water)
    extra: bool = False         # drawn outside the object's labelled box (rods, wakes, spills)
    wall: bool = False          # a side face: consecutive walls are painted farthest from the camera first
    splits: tuple[int, ...] = ()  # POLYS: where each polygon after the first starts in pts


@dataclass
class Shadow:
    """A shadow caster: points above a base height; shadow = hull of base outline and sun-cast points."""

    pts: np.ndarray             # N x 3
    base_z: float
    grounded: bool = True       # False for things that float in the air (a flying bird, a tree crown)
    radius: float = 0.0         # > 0: a round caster (a tree crown) centred at pts[0]


@dataclass
class Item:
    parts: list[Part]
    center: tuple[float, float]
    radius: float               # everything lies within this distance of center (culling)
    shadows: list[Shadow] = field(default_factory=list)
    flat: bool = False          # lies on the ground or water (drawn before anything that stands up)
    object_id: str | None = None


def poly(xy: np.ndarray, z: float | np.ndarray, color: BGR, alpha: float = 1.0, extra: bool = False) -> Part:
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    zz = np.broadcast_to(np.asarray(z, dtype=float), (len(xy),))
    return Part(POLY, np.column_stack([xy, zz]), color, 0.0, alpha, extra)


def polys(rings_xyz: list[np.ndarray], color: BGR) -> Part:
    """Many polygons of one colour (a parcel's tree crowns): one fill call instead of one per crown."""
    sizes = np.cumsum([len(r) for r in rings_xyz])[:-1]
    return Part(POLYS, np.vstack(rings_xyz), color, splits=tuple(int(v) for v in sizes))


def lines(segments_xy: np.ndarray, z: float, color: BGR, width_m: float, alpha: float = 1.0, extra: bool = False) -> Part:
    """segments_xy: M x 2 x 2 (start and end of each segment)."""
    s = np.asarray(segments_xy, dtype=float).reshape(-1, 2)
    return Part(LINES, np.column_stack([s, np.full(len(s), float(z))]), color, width_m, alpha, extra)


def lines3(segments_xyz: np.ndarray, color: BGR, width_m: float, alpha: float = 1.0, extra: bool = False) -> Part:
    return Part(LINES, np.asarray(segments_xyz, dtype=float).reshape(-1, 3), color, width_m, alpha, extra)


def disc(x: float, y: float, z: float, radius: float, color: BGR, alpha: float = 1.0, extra: bool = False) -> Part:
    return Part(DISC, np.array([[x, y, z]], dtype=float), color, radius, alpha, extra)


def item_of(parts: list[Part], shadows: list[Shadow] | None = None, flat: bool = False,
            object_id: str | None = None) -> Item:
    pts = np.vstack([p.pts[:, :2] for p in parts])
    c = pts.mean(axis=0)
    r = float(np.max(np.hypot(*(pts - c).T))) + max((p.size for p in parts), default=0.0)
    return Item(parts, (float(c[0]), float(c[1])), r, shadows or [], flat, object_id)


def shade(color: BGR, f: float) -> BGR:
    return tuple(int(min(255, max(0, round(c * f)))) for c in color)


def mix(a: BGR, b: BGR, t: float) -> BGR:
    return tuple(int(round(x * (1 - t) + y * t)) for x, y in zip(a, b))


def rgb(r: int, g: int, b: int) -> BGR:
    """Colours are written RGB in the code for people, stored BGR for OpenCV."""
    return (b, g, r)
