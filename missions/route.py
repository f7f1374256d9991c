"""The work route: every pattern of a patrol chained into one sequence of steps, before it is cut into sorties."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .coverage.planner import CoveragePath
from .hotspots import Orbit
from .shoreline import ShorePath, entered_at
from .transit import Transit

Pt = tuple[float, float]


@dataclass(frozen=True)
class Step:
    """Fly straight to `xy` (kind 'wp'), or orbit the hotspot `orbit` (kind 'orbit')."""

    kind: str
    xy: Pt
    pattern: str          # coverage, shoreline, hotspot, transit
    area: str = ""
    work: bool = False    # camera work that must not be skipped when a sortie resumes here
    orbit: Orbit | None = None


def _wp(p, pattern: str, area: str = "", work: bool = False) -> Step:
    return Step("wp", (float(p[0]), float(p[1])), pattern, area, work)


def transit_steps(transit: Transit, a: Pt, b: Pt) -> list[Step]:
    """Waypoints of the shortest allowed leg from a to b, b included."""
    _, via = transit.route(a, b)
    return [_wp(p, "transit") for p in via[1:]]


def coverage_steps(path: CoveragePath, reverse: bool) -> list[Step]:
    pts = path.points[::-1] if reverse else path.points
    flags = path.sweep[::-1] if reverse else path.sweep
    steps = []
    for p, is_sweep in zip(pts[1:], flags):
        steps.append(_wp(p, "coverage", path.area, work=bool(is_sweep)))
    return steps


def chain(home: Pt, orbits: list[Orbit], coverage: list[CoveragePath], shores: dict[str, list[ShorePath]],
          area_order: list[str], transit: Transit) -> list[Step]:
    """Hotspots first (higher priority first), then each area: coverage, then its shoreline loops, nearest first."""
    steps: list[Step] = []
    pos: Pt = home

    def go(p) -> None:
        nonlocal pos
        p = (float(p[0]), float(p[1]))
        if math.dist(pos, p) > 0.01:
            steps.extend(transit_steps(transit, pos, p))
        pos = p

    for o in orbits:
        entry = o.entry_from(pos)
        if math.dist(pos, entry) > 0.01 and not transit.clear(pos, entry):
            _, via = transit.route(pos, entry)
            steps.extend(_wp(p, "transit") for p in via[1:-1])
            pos = via[-2]
        steps.append(Step("orbit", o.center, "hotspot", o.hotspot, True, o))
        pos = o.entry_from(pos)
    cov = {c.area: c for c in coverage}
    for name in area_order:
        path = cov.get(name)
        if path is not None and len(path.points):
            p0, p1 = path.points[0], path.points[-1]
            reverse = math.dist(pos, p1) < math.dist(pos, p0)
            go(p1 if reverse else p0)
            steps.extend(coverage_steps(path, reverse))
            pos = tuple(map(float, steps[-1].xy)) if steps else pos
        loops = list(shores.get(name, []))
        while loops:
            nearest = min(range(len(loops)), key=lambda i: float(np.min(np.hypot(*(loops[i].points - np.asarray(pos)).T))))
            loop = loops.pop(nearest)
            pts = entered_at(loop, np.asarray(pos))
            go(pts[0])
            steps.extend(_wp(p, "shoreline", name, work=True) for p in pts[1:])
            pos = (float(pts[-1][0]), float(pts[-1][1]))
    return steps
