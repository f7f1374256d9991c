"""Hotspots with a revisit interval get orbited again before the interval runs out, for as long as the patrol lasts."""
from __future__ import annotations

import math
from typing import Callable

from .fleet import Schedule
from .hotspots import Orbit
from .route import Step, transit_steps
from .sorties import Splitter, SortiePath
from .transit import Transit

MAX_PASSES = 24


def visit_times(paths: list[SortiePath], sched: Schedule) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    for k, p in enumerate(paths):
        for name, t in p.visits:
            out.setdefault(name, []).append(sched.start_s[k] + t)
    return out


def _first_violation(paths, sched, revisit: dict[str, float]):
    times = visit_times(paths, sched)
    worst = None
    for name, minutes in revisit.items():
        ts = sorted(times.get(name, []))
        if not ts:
            continue
        for a, b in zip(ts, [*ts[1:], sched.makespan_s]):
            if b - a > minutes * 60 + 1e-6:
                deadline = a + minutes * 60
                if worst is None or deadline < worst[1]:
                    worst = (name, deadline)
                break
    return worst


def with_revisits(paths: list[SortiePath], sched: Schedule, steps: list[Step], orbits: list[Orbit],
                  revisit: dict[str, float], transit: Transit, splitter: Splitter,
                  resplit: Callable[[list[Step]], tuple[list[SortiePath], Schedule]]):
    """Insert an extra orbit at the start of the last sortie that takes off before each missed deadline."""
    by_name = {o.hotspot: o for o in orbits}
    steps = list(steps)
    tried: set[tuple[str, int]] = set()
    for _ in range(MAX_PASSES):
        v = _first_violation(paths, sched, revisit)
        if v is None:
            break
        name, deadline = v
        o = by_name[name]
        reach = splitter.model.takeoff_s() + splitter.model.cruise_s(transit.distance(splitter.home, o.center))
        starts = [(sched.start_s[k], k) for k in range(len(paths)) if sched.start_s[k] + reach <= deadline]
        if not starts:
            break
        _, k = max(starts)
        at = paths[k].first_step
        if (name, at) in tried:
            break
        tried.add((name, at))
        before = Splitter._positions(steps, splitter.home)[at]
        entry = o.entry_from(splitter.home)
        back = [Step("wp", st.xy, "transit") for st in transit_steps(transit, entry, before)]
        steps = steps[:at] + [Step("orbit", o.center, "hotspot", o.hotspot, True, o)] + back + steps[at:]
        paths, sched = resplit(steps)
    return paths, sched
