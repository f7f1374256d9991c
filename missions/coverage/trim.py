"""Trim sweep ends where the turns already see the shore.

A boustrophedon turn runs along the shore, and the camera sees half a footprint either side of
it, so the sweeps it joins need not reach the shore themselves. Each end is pulled in as far as a
dense sampling of the water around it proves that nothing seen before becomes unseen. Done once,
on the chosen layout, in the frame where sweeps are horizontal.
"""
from __future__ import annotations

import numpy as np

from .swaths import intervals

ROWS_PER_SPACING = 6
SAMPLE_STEP_M = 5.0
BISECT_STEPS = 5


def _dist_to_segments(p: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """N points x K segments -> distance of each point to its nearest segment."""
    if len(a) == 0 or len(p) == 0:
        return np.full(len(p), np.inf)
    ab = b - a
    L2 = np.maximum((ab ** 2).sum(1), 1e-12)
    t = ((p[:, None, :] - a[None]) * ab[None]).sum(2) / L2[None]
    t = np.clip(t, 0.0, 1.0)
    q = a[None] + t[..., None] * ab[None]
    return np.sqrt(((p[:, None, :] - q) ** 2).sum(2)).min(1)


class EndTrimmer:
    def __init__(self, redges: np.ndarray, ymin: float, ymax: float, spacing: float, footprint: float):
        self.s, self.w = spacing, footprint
        step = spacing / ROWS_PER_SPACING
        self.y0 = ymin
        self.step = step
        self.rows = ymin + step * (np.arange(int(np.ceil((ymax - ymin) / step)) + 1))
        self.ivs = intervals(redges, self.rows)

    def _zone(self, x_lo: float, x_hi: float, y_lo: float, y_hi: float) -> np.ndarray:
        """Sample points of water within a box."""
        k0 = max(int(np.ceil((y_lo - self.y0) / self.step)), 0)
        k1 = min(int(np.floor((y_hi - self.y0) / self.step)), len(self.rows) - 1)
        pts = []
        for k in range(k0, k1 + 1):
            for a, b in self.ivs[k]:
                lo, hi = max(a, x_lo), min(b, x_hi)
                if hi > lo:
                    xs = np.arange(lo, hi + 1e-9, SAMPLE_STEP_M)
                    pts.append(np.column_stack([xs, np.full(len(xs), self.rows[k])]))
        return np.concatenate(pts) if pts else np.zeros((0, 2))

    def trim(self, P: np.ndarray) -> np.ndarray:
        """P: a cell's waypoints in flying order (2 per sweep, rotated frame). Returns trimmed copy."""
        P = P.copy()
        m = len(P) // 2
        half = self.w / 2
        for i in range(m):
            for end, other in ((2 * i + 1, 2 * i), (2 * i, 2 * i + 1)):
                dx = P[end, 0] - P[other, 0]
                if abs(dx) < 1e-6:
                    continue
                out = np.sign(dx)  # outward direction of this end
                x_end = P[end, 0]
                max_pull = min(self.w, abs(dx) - 1e-3)
                j0, j1 = max(2 * i - 2, 0), min(2 * i + 4, len(P))  # neighbours' points and joining turns
                seg_idx = np.arange(j0, j1 - 1)
                turn = seg_idx == (end if end % 2 == 1 else end - 1)  # the turn joined at this end
                own = seg_idx == (end - 1 if end % 2 == 1 else end)    # this sweep
                a, b = P[seg_idx], P[seg_idx + 1]
                pulled = np.array([x_end - out * max_pull, P[end, 1]])
                # static: neighbours, their turns, and the part of this sweep no pull can remove
                sa = np.vstack([a[~turn & ~own], [P[other]]])
                sb = np.vstack([b[~turn & ~own], [pulled]])
                ma = np.vstack([a[turn], [pulled]])
                mb = np.vstack([b[turn], [P[end]]])
                box = np.vstack([ma, mb])
                zone = self._zone(box[:, 0].min() - half, box[:, 0].max() + half,
                                  box[:, 1].min() - half, box[:, 1].max() + half)
                if len(zone) == 0:
                    continue
                d_static = _dist_to_segments(zone, sa, sb)
                d_moving = _dist_to_segments(zone, ma, mb)
                # only points that the moving segments alone see can be lost
                at_risk = zone[(d_moving <= half) & (d_static > half)]
                if len(at_risk) == 0:
                    P[end, 0] = x_end - out * max_pull
                    continue
                has_turn = bool(turn.any())
                nb = (P[end + 1] if end % 2 == 1 else P[end - 1]) if has_turn else None  # far end of the turn
                best, lo_d, hi_d = 0.0, 0.0, max_pull
                for _ in range(BISECT_STEPS):
                    mid = (lo_d + hi_d) / 2
                    e = np.array([x_end - out * mid, P[end, 1]])
                    qa = np.vstack([[pulled], [e]]) if has_turn else np.array([pulled])
                    qb = np.vstack([[e], [nb]]) if has_turn else np.array([e])
                    if np.all(_dist_to_segments(at_risk, qa, qb) <= half):
                        best, lo_d = mid, mid
                    else:
                        hi_d = mid
                P[end, 0] = x_end - out * best
        return P
