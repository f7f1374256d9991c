"""The part of a horizontal plane a camera sees: a convex polygon, cut off at a maximum range.

Scene geometry is clipped to this before it is projected, so nothing behind the camera or beyond
the horizon is ever drawn (a vertex behind the camera would project to a mirrored pixel).
"""
from __future__ import annotations

import numpy as np

from .model import View


def _clip(poly: np.ndarray, a: np.ndarray) -> np.ndarray:
    """Sutherland-Hodgman: keep the part of a convex polygon where a . [x, y, 1] >= 0."""
    if len(poly) == 0:
        return poly
    out = []
    vals = poly @ a[:2] + a[2]
    n = len(poly)
    for i in range(n):
        p, q = poly[i], poly[(i + 1) % n]
        vp, vq = vals[i], vals[(i + 1) % n]
        if vp >= 0:
            out.append(p)
        if (vp >= 0) != (vq >= 0):
            t = vp / (vp - vq)
            out.append(p + t * (q - p))
    return np.array(out) if out else np.zeros((0, 2))


def footprint(view: View, z0: float, max_range_m: float = 2000.0, margin_px: float = 2.0,
              near_m: float = 0.5) -> np.ndarray:
    """K x 2 (x, y) of the convex region of the plane z = z0 that lands in the image (plus a margin).

    Empty when the plane is not seen (the camera looks up, or sits below the plane)."""
    cx, cy, cz = view.center
    if cz - z0 <= 0.05:
        return np.zeros((0, 2))
    A = view.R_cw @ np.array([[1.0, 0.0, -cx], [0.0, 1.0, -cy], [0.0, 0.0, z0 - cz]])
    K = view.K
    W, H, m = K.width, K.height, margin_px
    half_planes = [
        A[2] - np.array([0.0, 0.0, near_m]),          # depth >= near
        K.fx * A[0] + (K.cx + m) * A[2],               # u >= -m
        -K.fx * A[0] + (W + m - K.cx) * A[2],          # u <= W + m
        K.fy * A[1] + (K.cy + m) * A[2],               # v >= -m
        -K.fy * A[1] + (H + m - K.cy) * A[2],          # v <= H + m
    ]
    r = max_range_m
    poly = np.array([[cx - r, cy - r], [cx + r, cy - r], [cx + r, cy + r], [cx - r, cy + r]])
    for a in half_planes:
        poly = _clip(poly, a)
        if len(poly) < 3:
            return np.zeros((0, 2))
    return poly


def sees_horizon(view: View, z0: float, max_range_m: float) -> bool:
    """True when part of the image looks beyond max_range (sky or far haze must fill it)."""
    corners = np.array([[0, 0], [view.K.width, 0], [view.K.width, view.K.height], [0, view.K.height]], dtype=float)
    g = view.ground(corners, z0)
    if np.isnan(g).any():
        return True
    d = np.hypot(g[:, 0] - view.center[0], g[:, 1] - view.center[1])
    return bool((d > max_range_m).any())
