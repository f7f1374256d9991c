"""Cut the work route into sorties that each fit the battery: climb, transit out, work, transit home, land.

Greedy along the route: a step is taken only if, after it, the drone can still fly home against the
planning wind and land within the usable battery (endurance less reserve). A sweep or shoreline leg
that does not fit whole is cut where the battery says, and the next sortie resumes exactly there.
Connectors and transits are never resumed: a new sortie flies from the dock straight to the next
camera work.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from .energy import FlightModel, heading_change
from .errors import PlanningError
from .route import Step
from .transit import Transit

Pt = tuple[float, float]
MIN_PIECE_M = 5.0
RETURN_ITEMS_MARGIN = 12


@dataclass
class SortiePath:
    steps: list[Step]   # flown after takeoff and before RTL: transit out, work, transit back
    time_s: float       # takeoff to landed
    length_m: float
    work_m: float
    first_step: int = 0  # index in the work route where this sortie's work begins
    visits: list[tuple[str, float]] = field(default_factory=list)  # (hotspot, seconds after takeoff)


class Splitter:
    def __init__(self, home: Pt, transit: Transit, model: FlightModel, max_items: int):
        self.home = (float(home[0]), float(home[1]))
        self.transit = transit
        self.model = model
        self.max_items = max_items
        self._ret: dict[tuple, float] = {}

    def return_s(self, p: Pt) -> float:
        key = (round(p[0], 1), round(p[1], 1))
        v = self._ret.get(key)
        if v is None:
            v = self.model.home_s(self.transit.distance(p, self.home)) + self.model.land_s()
            self._ret[key] = v
        return v

    @staticmethod
    def _positions(steps: list[Step], home: Pt) -> list[Pt]:
        """Where the drone is before each step when the route is flown in one go."""
        out, pos = [], home
        for st in steps:
            out.append(pos)
            pos = st.orbit.entry_from(pos) if st.kind == "orbit" else st.xy
        return out

    def split(self, steps: list[Step], budget_s: float) -> list[SortiePath]:
        m = self.model
        before = self._positions(steps, self.home)
        sorties: list[SortiePath] = []
        i, n = 0, len(steps)
        resume: Pt | None = None
        while i < n:
            while i < n and steps[i].kind == "wp" and not steps[i].work:
                i, resume = i + 1, None
            if i >= n:
                break
            flown: list[Step] = []
            visits: list[tuple[str, float]] = []
            t = m.takeoff_s()
            pos, prev = self.home, None
            length = work = 0.0
            start = resume if resume is not None else before[i]
            if steps[i].kind == "wp":
                d, via = self.transit.route(pos, start)
                for p in via[1:]:
                    if math.dist(pos, p) < 0.01:
                        continue
                    t += (m.turn_s(heading_change(prev, pos, p)) if prev else 0.0) + m.cruise_s(math.dist(pos, p))
                    length += math.dist(pos, p)
                    flown.append(Step("wp", p, "transit"))
                    prev, pos = pos, p
            first_work = i
            while i < n:
                st = steps[i]
                if 3 + len(flown) + 1 + RETURN_ITEMS_MARGIN >= self.max_items:
                    break
                if st.kind == "orbit":
                    o = st.orbit
                    lead = []
                    entry = o.entry_from(pos)
                    if not self.transit.clear(pos, entry):
                        _, via = self.transit.route(pos, entry)
                        lead = [tuple(p) for p in via[1:-1]]
                    path = [pos, *lead]
                    entry = o.entry_from(path[-1])
                    dt, dl, pp = 0.0, 0.0, prev
                    for a, b in zip(path, [*path[1:], entry]):
                        dt += (m.turn_s(heading_change(pp, a, b)) if pp else 0.0) + m.cruise_s(math.dist(a, b))
                        dl += math.dist(a, b)
                        pp = a
                    orbit_len = o.turns * 2 * math.pi * o.radius_m
                    arrive = t + dt
                    dt += m.orbit_s(o.radius_m, o.turns)
                    if t + dt + self.return_s(entry) > budget_s:
                        break
                    flown.extend(Step("wp", p, "transit") for p in lead)
                    flown.append(st)
                    visits.append((o.hotspot, arrive))
                    t += dt
                    length += dl + orbit_len
                    work += orbit_len
                    pos, prev = entry, None
                    i, resume = i + 1, None
                    continue
                seg = math.dist(pos, st.xy)
                turn = m.turn_s(heading_change(prev, pos, st.xy)) if prev and seg > 0.01 else 0.0
                dt = turn + m.cruise_s(seg)
                if t + dt + self.return_s(st.xy) <= budget_s:
                    flown.append(st)
                    t += dt
                    length += seg
                    work += seg if st.work else 0.0
                    if seg > 0.01:
                        prev, pos = pos, st.xy
                    i, resume = i + 1, None
                    continue
                if st.work and seg > MIN_PIECE_M:
                    cut, dt_cut = self._cut(pos, st.xy, t, turn, budget_s)
                    piece = math.dist(pos, cut) if cut else 0.0
                    if cut is not None and piece > MIN_PIECE_M:
                        flown.append(Step("wp", cut, st.pattern, st.area, st.work))
                        t += dt_cut
                        length += piece
                        work += piece
                        prev, pos = pos, cut
                        resume = cut
                break
            if work <= 0.0:
                st = steps[first_work]
                what = f"hotspot {st.area!r}" if st.kind == "orbit" else f"the {st.pattern} of {st.area or 'the patrol'}"
                raise PlanningError(
                    f"{what} is out of battery range: no sortie within the usable {budget_s:.0f} s "
                    f"(vehicle.endurance_s less reserve_fraction) can reach it, work and return")
            _, back = self.transit.route(pos, self.home)
            for p in back[1:-1]:
                flown.append(Step("wp", p, "transit"))
            d_home = self.transit.distance(pos, self.home)
            t += self.return_s(pos)
            length += d_home
            sorties.append(SortiePath(flown, t, length, work, first_work, visits))
        return sorties

    def _cut(self, a: Pt, b: Pt, t: float, turn: float, budget_s: float) -> tuple[Pt | None, float]:
        """Farthest point along a->b from which the drone still gets home within budget."""
        m = self.model
        seg = math.dist(a, b)
        lo, hi = 0.0, 1.0
        for _ in range(30):
            mid = (lo + hi) / 2
            p = (a[0] + (b[0] - a[0]) * mid, a[1] + (b[1] - a[1]) * mid)
            if t + turn + m.cruise_s(seg * mid) + self.return_s(p) <= budget_s:
                lo = mid
            else:
                hi = mid
        if lo <= 0.0:
            return None, 0.0
        p = (a[0] + (b[0] - a[0]) * lo, a[1] + (b[1] - a[1]) * lo)
        return p, turn + m.cruise_s(seg * lo)
