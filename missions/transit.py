"""Shortest legs that never enter a no-fly zone (or its stand-off): a visibility graph over the keep-out's corners."""
from __future__ import annotations

import heapq
import math

import numpy as np
import shapely
from shapely.geometry import LineString, MultiPolygon, Point, Polygon

from .errors import PlanningError

Pt = tuple[float, float]


class Transit:
    """Straight when the way is clear, around the keep-out's corners when it is not."""

    def __init__(self, keepout: Polygon | MultiPolygon, clearance: float = 2.0):
        self.keepout = keepout
        self.empty = keepout.is_empty
        self._cache: dict[tuple, tuple[float, list[Pt]]] = {}
        if self.empty:
            self.nodes = np.zeros((0, 2))
            return
        shapely.prepare(self.keepout)
        grown = keepout.buffer(clearance, join_style="mitre", mitre_limit=3.0).simplify(clearance / 2)
        polys = [grown] if isinstance(grown, Polygon) else list(grown.geoms)
        nodes = []
        for p in polys:
            for ring in [p.exterior, *p.interiors]:
                nodes.extend(np.asarray(ring.coords)[:-1])
        self.nodes = np.asarray(nodes, dtype=float)
        n = len(self.nodes)
        ii, jj = np.triu_indices(n, 1)
        ok = self._clear_many(self.nodes[ii], self.nodes[jj])
        self.adj: list[list[tuple[int, float]]] = [[] for _ in range(n)]
        for i, j in zip(ii[ok], jj[ok]):
            d = float(np.hypot(*(self.nodes[i] - self.nodes[j])))
            self.adj[i].append((j, d))
            self.adj[j].append((i, d))

    def _clear_many(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        if len(a) == 0:
            return np.zeros(0, dtype=bool)
        lines = shapely.linestrings(np.stack([a, b], axis=1))
        return ~shapely.intersects(lines, self.keepout)

    def clear(self, a: Pt, b: Pt) -> bool:
        if self.empty:
            return True
        return not self.keepout.intersects(LineString([a, b])) if a != b else not self.keepout.intersects(Point(a))

    def clear_from(self, pts: np.ndarray, b: Pt) -> np.ndarray:
        """Which of many points see `b` in a straight line."""
        if self.empty or len(pts) == 0:
            return np.ones(len(pts), dtype=bool)
        return self._clear_many(np.asarray(pts, dtype=float), np.tile(np.asarray(b, dtype=float), (len(pts), 1)))

    def route(self, a: Pt, b: Pt) -> tuple[float, list[Pt]]:
        """(length, [a, ..., b]) of the shortest leg from a to b outside the keep-out."""
        a = (float(a[0]), float(a[1]))
        b = (float(b[0]), float(b[1]))
        if self.clear(a, b):
            return math.dist(a, b), [a, b]
        key = (round(a[0], 2), round(a[1], 2), round(b[0], 2), round(b[1], 2))
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        for p, name in ((a, "start"), (b, "end")):
            if self.keepout.contains(Point(p)):
                raise PlanningError(f"transit {name} point ({p[0]:.0f}, {p[1]:.0f}) lies inside a no-fly zone's stand-off")
        n = len(self.nodes)
        from_a = self.clear_from(self.nodes, a)
        to_b = self.clear_from(self.nodes, b)
        dist_b = np.where(to_b, np.hypot(*(self.nodes - np.asarray(b)).T), np.inf)
        best = [math.inf] * n
        prev = [-1] * n
        heap = []
        for i in np.flatnonzero(from_a):
            best[i] = math.dist(a, self.nodes[i])
            heap.append((best[i], int(i)))
        heapq.heapify(heap)
        goal, goal_prev = math.inf, -1
        while heap:
            d, i = heapq.heappop(heap)
            if d > best[i] or d >= goal:
                continue
            if d + dist_b[i] < goal:
                goal, goal_prev = d + dist_b[i], i
            for j, w in self.adj[i]:
                nd = d + w
                if nd < best[j]:
                    best[j], prev[j] = nd, i
                    heapq.heappush(heap, (nd, j))
        if goal_prev < 0:
            raise PlanningError(f"no way from ({a[0]:.0f}, {a[1]:.0f}) to ({b[0]:.0f}, {b[1]:.0f}) around the no-fly zones")
        chain = []
        i = goal_prev
        while i >= 0:
            chain.append((float(self.nodes[i][0]), float(self.nodes[i][1])))
            i = prev[i]
        result = (goal, [a, *chain[::-1], b])
        self._cache[key] = result
        return result

    def distance(self, a: Pt, b: Pt) -> float:
        return self.route(a, b)[0]
