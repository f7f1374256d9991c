"""Coverage of one area: choose the sweep angle and gap rule that make the whole flight shortest.

The objective is the flown length, transit from and back to the start included, not the count of
turns: a lake is tried at coarse angles and at the directions of its longest hull edges, then the
best few are refined. Cells are ordered exactly (OR-Tools) only once, for the winner.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
from shapely.geometry import MultiPolygon, Polygon

from ..transit import Transit
from .cells import Sweep, build_cells, cell_path, path_length, sweeps_per_line
from .contour import contour_path
from .order import order_cells
from .trim import EndTrimmer
from .swaths import SweepGeometry, edges_of, intervals, line_offsets, rings_of, rotate, rotate_edges, unrotate

Progress = Callable[[int, int], None]
CONTOUR_MIN_CONVEXITY = 0.9  # below this, bays and islands make loops multiply


@dataclass
class CoveragePath:
    """A continuous back-and-forth path over one area, in local metres."""

    area: str
    points: np.ndarray        # N x 2 waypoints
    sweep: np.ndarray         # N-1 flags: True where segment i is a sweep (camera work), False for turns/transit
    angle_deg: float | None   # compass heading of the sweeps, in [0, 180); None for contour loops
    sweeps: int
    cells: int
    length_m: float
    sweep_length_m: float
    turns: int = 0
    strategy: str = "lawnmower"  # or "contour"
    estimates: dict = field(default_factory=dict)


@dataclass
class _Layout:
    angle: float
    gap_max: float
    offsets: np.ndarray
    cells: list[list[Sweep]]
    cost: float
    sweep_len: float


def heading_deg(angle_rad: float) -> float:
    """Sweep direction as a compass heading in [0, 180)."""
    return (90.0 - math.degrees(angle_rad)) % 180.0


class CoveragePlanner:
    def __init__(self, sweep: SweepGeometry, transit: Transit, coarse_step_deg: float = 6.0, turn_cost_m: float = 0.0,
                 try_contour: bool = True):
        """`turn_cost_m`: length-equivalent of braking for one reversal (v^2/a), so that the objective is time."""
        self.g = sweep
        self.try_contour = try_contour
        self.turn_cost = turn_cost_m
        self.transit = transit
        self.coarse_step = math.radians(coarse_step_deg)
        keep = transit.keepout
        self._keep_edges = edges_of(rings_of(keep)) if not keep.is_empty else np.zeros((0, 4))

    # ---- evaluation of one angle -------------------------------------------------------------
    def _layout(self, edges: np.ndarray, verts: np.ndarray, angle: float, gap_max: float,
                start: np.ndarray, end: np.ndarray) -> _Layout:
        r = rotate(verts, angle)
        offsets = line_offsets(r[:, 1].min(), r[:, 1].max(), self.g.spacing, self.g.edge)
        redges = rotate_edges(edges, angle)
        water = intervals(redges, offsets)
        half = intervals(redges, np.append(offsets - self.g.spacing / 2, offsets[-1] + self.g.spacing / 2))
        keep = intervals(rotate_edges(self._keep_edges, angle), offsets) if len(self._keep_edges) else None
        lines = sweeps_per_line(water, half, keep, gap_max, self.g.reach, self.g.safety)
        cells = build_cells(lines)
        rs, re_ = rotate(start[None], angle)[0], rotate(end[None], angle)[0]
        cost, sweep_len = _greedy_cost(cells, offsets, rs, re_)
        cost += self.turn_cost * sum(len(c) for c in cells)
        return _Layout(angle, gap_max, offsets, cells, cost, sweep_len)

    def plan(self, name: str, region: Polygon | MultiPolygon, start, end=None,
             progress: Progress | None = None) -> CoveragePath:
        start = np.asarray(start, dtype=float)
        end = start if end is None else np.asarray(end, dtype=float)
        rings = rings_of(region)
        edges = edges_of(rings)
        verts = np.concatenate(rings)
        hull = np.asarray(region.convex_hull.exterior.coords)
        s = self.g.spacing

        coarse = list(np.arange(0.0, math.pi, self.coarse_step))
        d = np.diff(hull, axis=0)
        lens = np.hypot(d[:, 0], d[:, 1])
        for i in np.argsort(lens)[::-1][:6]:
            coarse.append(math.atan2(d[i, 1], d[i, 0]) % math.pi)
        total = len(coarse) + 2 * 12 + 5
        done = 0

        def tick():
            nonlocal done
            done += 1
            if progress:
                progress(done, total)

        default_gap = 3 * s
        scored = []
        for a in coarse:
            scored.append(self._layout(edges, verts, a, default_gap, start, end))
            tick()
        scored.sort(key=lambda l: l.cost)
        best = scored[0]
        seeds, picked = [], []
        for lay in scored:
            if all(abs(math.remainder(lay.angle - p, math.pi)) > 1.5 * self.coarse_step / 2 for p in picked):
                picked.append(lay.angle)
                seeds.append(lay)
            if len(seeds) == 2:
                break
        for seed in seeds:
            local = seed
            for step in (math.radians(1.0), math.radians(0.25)):
                centre = local.angle
                for j in (-3, -2, -1, 1, 2, 3):
                    lay = self._layout(edges, verts, (centre + j * step) % math.pi, default_gap, start, end)
                    tick()
                    if lay.cost < local.cost:
                        local = lay
            if local.cost < best.cost:
                best = local
        for gap in (0.0, 1.0 * s, 6.0 * s, 20.0 * s, math.inf):
            lay = self._layout(edges, verts, best.angle, gap, start, end)
            tick()
            if lay.cost < best.cost - 1e-6:
                best = lay
        path = self._assemble(name, best, start, end, edges, verts)
        if self.try_contour and region.area / region.convex_hull.area >= CONTOUR_MIN_CONVEXITY:
            alt = self._contour(name, region, start, end)
            if alt is not None and self._score(alt, start, end) < self._score(path, start, end):
                path = alt
        if progress:
            progress(total, total)
        return path

    def _score(self, path: CoveragePath, start: np.ndarray, end: np.ndarray) -> float:
        """The same objective for either strategy: length, braking at corners, and getting there and back."""
        pts = np.vstack([start[None], path.points, end[None]])
        d = np.diff(pts, axis=0)
        seg = np.hypot(d[:, 0], d[:, 1])
        d = d[seg > 1e-6]
        h = np.arctan2(d[:, 1], d[:, 0])
        turn = np.abs((np.diff(h) + math.pi) % (2 * math.pi) - math.pi)
        return float(seg.sum() + self.turn_cost * ((1 - np.cos(turn)) / 2).sum())

    def _contour(self, name: str, region, start: np.ndarray, end: np.ndarray) -> CoveragePath | None:
        got = contour_path(region, self.g, start, self.transit)
        if got is None:
            return None
        points, flags = got
        seg = np.hypot(*np.diff(points, axis=0).T)
        return CoveragePath(area=name, points=points, sweep=flags, angle_deg=None, sweeps=int(flags.sum()), cells=1,
                            length_m=float(seg.sum()), sweep_length_m=float(seg[flags].sum()),
                            turns=count_turns(points), strategy="contour")

    # ---- the chosen layout, ordered and made safe ------------------------------------------------
    def _assemble(self, name: str, lay: _Layout, start: np.ndarray, end: np.ndarray,
                  edges: np.ndarray, verts: np.ndarray) -> CoveragePath:
        variants = [_variants(c, lay.offsets) for c in lay.cells]
        r = rotate(verts, lay.angle)
        trimmer = EndTrimmer(rotate_edges(edges, lay.angle), r[:, 1].min(), r[:, 1].max(), self.g.spacing,
                             self.g.footprint)
        world = [[unrotate(p, lay.angle) for p, _ in v] for v in variants]
        sequence = order_cells(world, start, end, self.transit)
        world = [list(v) for v in world]
        for ci, vi in sequence:
            world[ci][vi] = unrotate(trimmer.trim(variants[ci][vi][0]), lay.angle)
        pts: list[np.ndarray] = []
        flags: list[bool] = []
        for ci, vi in sequence:
            cell_pts = world[ci][vi]
            if pts:
                _, via = self.transit.route(tuple(pts[-1]), tuple(cell_pts[0]))
                for p in via[1:]:
                    pts.append(np.asarray(p))
                    flags.append(False)
            else:
                pts.append(cell_pts[0])
            for j in range(1, len(cell_pts)):
                is_sweep = j % 2 == 1
                a, b = pts[-1], cell_pts[j]
                if not is_sweep and not self.transit.clear(tuple(a), tuple(b)):
                    _, via = self.transit.route(tuple(a), tuple(b))
                    for p in via[1:-1]:
                        pts.append(np.asarray(p))
                        flags.append(False)
                pts.append(b)
                flags.append(is_sweep)
        points = np.asarray(pts)
        flags_arr = np.asarray(flags, dtype=bool)
        points, flags_arr = _drop_repeats(points, flags_arr)
        seg = np.hypot(*np.diff(points, axis=0).T) if len(points) > 1 else np.zeros(0)
        sweeps = sum(len(c) for c in lay.cells)
        return CoveragePath(
            area=name, points=points, sweep=flags_arr, angle_deg=heading_deg(lay.angle), sweeps=sweeps,
            cells=len(lay.cells), length_m=float(seg.sum()), sweep_length_m=float(seg[flags_arr].sum()),
            turns=count_turns(points),
            estimates={"gap_max_m": lay.gap_max, "search_cost_m": lay.cost},
        )


def _variants(cell: list[Sweep], offsets: np.ndarray) -> list[tuple[np.ndarray, float]]:
    """The four ways to fly a cell: from either end line, starting on either side."""
    out = []
    for start_right in (False, True):
        p = cell_path(cell, offsets, start_right)
        L = path_length(p)
        out.append((p, L))
        out.append((p[::-1].copy(), L))
    return out


def _greedy_cost(cells: list[list[Sweep]], offsets: np.ndarray, start: np.ndarray, end: np.ndarray) -> tuple[float, float]:
    """Flown length with cells taken nearest-first: cheap enough to score dozens of angles."""
    if not cells:
        return math.inf, 0.0
    n = len(cells)
    entry = np.empty((n, 4, 2))
    exit_ = np.empty((n, 4, 2))
    inner = np.empty((n, 4))
    sweep_len = 0.0
    for i, c in enumerate(cells):
        sweep_len += sum(sw.length for sw in c)
        for v, (p, L) in enumerate(_variants(c, offsets)):
            entry[i, v], exit_[i, v], inner[i, v] = p[0], p[-1], L
    cost = 0.0
    cur = start
    alive = np.ones(n, dtype=bool)
    for _ in range(n):
        d = np.hypot(entry[..., 0] - cur[0], entry[..., 1] - cur[1]) + 1e-9 * inner
        d[~alive] = np.inf
        ci, vi = np.unravel_index(int(np.argmin(d)), d.shape)
        cost += float(np.hypot(*(entry[ci, vi] - cur))) + float(inner[ci, vi])
        cur = exit_[ci, vi]
        alive[ci] = False
    cost += float(np.hypot(*(end - cur)))
    return cost, sweep_len


def _drop_repeats(points: np.ndarray, flags: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if len(points) < 2:
        return points, flags
    seg = np.hypot(*np.diff(points, axis=0).T)
    keep_seg = seg > 0.01
    keep_pts = np.concatenate([[True], keep_seg])
    return points[keep_pts], flags[keep_seg]


def count_turns(points: np.ndarray, min_deg: float = 30.0) -> int:
    if len(points) < 3:
        return 0
    d = np.diff(points, axis=0)
    h = np.arctan2(d[:, 1], d[:, 0])
    change = np.abs((np.diff(h) + math.pi) % (2 * math.pi) - math.pi)
    return int((change > math.radians(min_deg)).sum())
