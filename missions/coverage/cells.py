"""Boustrophedon cells: runs of sweeps on consecutive lines that one back-and-forth pass can fly.

Before cells are formed, intervals on the same line are joined across short gaps (an island, a
spit of land) when flying straight over the gap is cheaper than flying around it, but never across
a no-fly zone: a drone at patrol altitude may overfly land, not a heliport.

Each sweep then stops short of the shore by as much as the camera allows there: the full reach
where the shore meets the sweep square on, less where the water runs on past the sweep's end
on either side (an oblique shore), so no strip of water beside a sweep's end goes unseen.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Sweep:
    line: int
    raw0: float  # where the water starts and ends on this line (rotated frame)
    raw1: float
    x0: float    # where the drone flies: short of the shore where the camera allows
    x1: float

    @property
    def length(self) -> float:
        return self.x1 - self.x0


def _blocked(gap0: float, gap1: float, keep_ivs: list) -> bool:
    return any(k0 < gap1 and k1 > gap0 for k0, k1 in keep_ivs)


def _extent(half: list, a: float, b: float) -> tuple[float, float]:
    """Leftmost start and rightmost end of the half-line's water that overlaps [a, b]."""
    lo, hi = a, b
    for h0, h1 in half:
        if h0 <= b and h1 >= a:
            lo, hi = min(lo, h0), max(hi, h1)
    return lo, hi


def sweeps_per_line(water_ivs: list[list], half_ivs: list[list], keepout_ivs: list[list] | None,
                    gap_max: float, reach: float, safety: float) -> list[list[Sweep]]:
    """Join intervals across cheap, allowed gaps, then stop each sweep short of its shores.

    `half_ivs[k]` and `half_ivs[k + 1]` are the water on the lines half a spacing below and above line k.
    """
    out: list[list[Sweep]] = []
    for k, ivs in enumerate(water_ivs):
        joined: list[list[float]] = []
        keep = keepout_ivs[k] if keepout_ivs is not None else ()
        for a, b in ivs:
            if joined and a - joined[-1][1] <= gap_max and not _blocked(joined[-1][1], a, keep):
                joined[-1][1] = b
            else:
                joined.append([a, b])
        sweeps = []
        for a, b in joined:
            lo0, lo1 = _extent(half_ivs[k], a, b)
            hi0, hi1 = _extent(half_ivs[k + 1], a, b)
            d0 = min(max(safety * (reach - max(0.0, a - min(lo0, hi0))), 0.0), reach)
            d1 = min(max(safety * (reach - max(0.0, max(lo1, hi1) - b)), 0.0), reach)
            x0, x1 = a + d0, b - d1
            if x1 < x0:  # shorter than its two insets: fly through a single point
                x0 = x1 = min(max((x0 + x1) / 2, a), b)
            sweeps.append(Sweep(k, a, b, x0, x1))
        out.append(sweeps)
    return out


def build_cells(lines: list[list[Sweep]]) -> list[list[Sweep]]:
    """Group sweeps into cells: a cell continues to the next line while exactly one sweep overlaps it both ways."""
    cells: list[list[Sweep]] = []
    open_cells: list[list[Sweep]] = []
    for sweeps in lines:
        if not sweeps:
            cells.extend(open_cells)
            open_cells = []
            continue
        touched = [[] for _ in sweeps]  # for each sweep, the open cells it overlaps
        cell_hits = [0] * len(open_cells)
        for ci, cell in enumerate(open_cells):
            last = cell[-1]
            for si, sw in enumerate(sweeps):
                if sw.raw0 <= last.raw1 and last.raw0 <= sw.raw1:
                    touched[si].append(ci)
                    cell_hits[ci] += 1
        nxt_open: list[list[Sweep]] = []
        extended = set()
        for si, sw in enumerate(sweeps):
            hits = touched[si]
            if len(hits) == 1 and cell_hits[hits[0]] == 1:
                open_cells[hits[0]].append(sw)
                nxt_open.append(open_cells[hits[0]])
                extended.add(hits[0])
            else:
                nxt_open.append([sw])
        cells.extend(cell for ci, cell in enumerate(open_cells) if ci not in extended)
        open_cells = nxt_open
    cells.extend(open_cells)
    return cells


def cell_path(cell: list[Sweep], offsets: np.ndarray, start_right: bool) -> np.ndarray:
    """Waypoints (rotated frame) of one back-and-forth pass over a cell, first line first."""
    m = len(cell)
    x0 = np.fromiter((sw.x0 for sw in cell), float, m)
    x1 = np.fromiter((sw.x1 for sw in cell), float, m)
    y = offsets[np.fromiter((sw.line for sw in cell), np.int64, m)]
    right = (np.arange(m) % 2 == 0) == start_right
    first = np.where(right, x1, x0)
    second = np.where(right, x0, x1)
    pts = np.empty((2 * m, 2))
    pts[0::2, 0], pts[1::2, 0] = first, second
    pts[0::2, 1] = pts[1::2, 1] = y
    return pts


def path_length(pts: np.ndarray) -> float:
    if len(pts) < 2:
        return 0.0
    return float(np.hypot(*np.diff(pts, axis=0).T).sum())
