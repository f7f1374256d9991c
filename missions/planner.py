"""plan_patrol: site config in, PatrolPlan out. The one entry point the CLI and the controller call."""
from __future__ import annotations

import math
import time
from typing import Callable, Sequence

import numpy as np
import shapely
from shapely.geometry import LineString, MultiLineString

from .coverage.planner import CoveragePath, CoveragePlanner, count_turns
from .coverage.swaths import SweepGeometry
from .energy import FlightModel
from .errors import PlanningError
from .fleet import Schedule, assign
from .hotspots import Orbit, ardupilot_radius, tour
from .items import flown_polyline, legs, mission_items
from .plan import AreaFigures, HotspotVisits, PatrolPlan, Sortie
from .revisits import visit_times, with_revisits
from .route import Step, chain
from .shoreline import ShorePath, shoreline_paths
from .site.geometry import SiteGeometry
from .site.schema import PATTERNS, Site
from .sorties import Splitter, SortiePath
from .transit import Transit

Progress = Callable[[str, int, int], None]


def _quiet(stage: str, done: int, total: int) -> None:
    pass


def plan_patrol(site: Site, drones: int = 1, patterns: Sequence[str] | None = None,
                progress: Progress | None = None) -> PatrolPlan:
    t0 = time.perf_counter()
    progress = progress or _quiet
    patterns = list(dict.fromkeys(patterns or site.patrol.patterns))
    for p in patterns:
        if p not in PATTERNS:
            raise PlanningError(f"--patterns: {p!r} is not one of {', '.join(PATTERNS)}")
    if drones < 1:
        raise PlanningError(f"--drones: {drones} must be at least 1")
    top = site.patrol.altitude_m + (drones - 1) * site.patrol.drone_separation_m
    if top > site.vehicle.max_altitude_m:
        raise PlanningError(
            f"patrol.altitude_m {site.patrol.altitude_m:g} + {drones - 1} x patrol.drone_separation_m "
            f"{site.patrol.drone_separation_m:g} = {top:g} m exceeds vehicle.max_altitude_m {site.vehicle.max_altitude_m:g}")

    geo = SiteGeometry(site)
    transit = Transit(geo.keepout)
    home = (geo.home.x, geo.home.y)
    footprint_w, _ = site.footprint_m
    sweep = SweepGeometry.from_camera(footprint_w, site.swath_m)

    coverage: list[CoveragePath] = []
    if "coverage" in patterns:
        v = site.vehicle
        planner = CoveragePlanner(sweep, transit, turn_cost_m=v.cruise_speed_mps ** 2 / v.accel_mps2)
        for ag in geo.areas:
            stage = f"coverage: {ag.name}"
            coverage.append(planner.plan(ag.name, ag.coverable, home, progress=lambda d, t, s=stage: progress(s, d, t)))
    shores: dict[str, list[ShorePath]] = {}
    if "shoreline" in patterns:
        for k, ag in enumerate(geo.areas):
            progress("shoreline", k, len(geo.areas))
            shores[ag.name] = shoreline_paths(ag.name, ag.water, geo.keepout_clear, site.patrol.shore_margin_m)
    orbits: list[Orbit] = []
    if "hotspots" in patterns and site.hotspots:
        progress("hotspot tour", 0, 1)
        raw = [Orbit(h.name, h.kind, (p.x, p.y), ardupilot_radius(h.radius_m), h.orbit_turns or site.patrol.orbit_turns, h.rank)
               for h, p in zip(site.hotspots, geo.hotspots)]
        orbits = [raw[i] for i in tour(raw, home, transit)]
    area_order = _nearest_first(home, geo)
    steps = chain(home, orbits, coverage, shores, area_order, transit)
    if not steps:
        raise PlanningError(f"nothing to fly: patterns {', '.join(patterns)} give no work for this site")

    model = FlightModel(site.vehicle, top)
    splitter = Splitter(home, transit, model, site.vehicle.max_mission_items)
    progress("sorties", 0, 1)
    paths, sched = _best_split(splitter, steps, site, drones)
    revisit = {h.name: h.revisit_min for h in site.hotspots if h.revisit_min and "hotspots" in patterns}
    if revisit:
        paths, sched = with_revisits(paths, sched, steps, orbits, revisit, transit, splitter,
                                     lambda st: _best_split(splitter, st, site, drones))
    progress("sorties", 1, 1)

    sorties = _sorties(site, geo, paths, sched, model)
    figures = _figures(site, geo, coverage, shores, paths, footprint_w)
    visits = []
    times = visit_times(paths, sched)
    for h in site.hotspots:
        if "hotspots" not in patterns:
            continue
        ts = sorted(times.get(h.name, []))
        gaps = np.diff([*ts, sched.makespan_s]) if ts else []
        visits.append(HotspotVisits(h.name, h.priority, [round(t, 1) for t in ts], h.revisit_min,
                                    round(float(max(gaps)) / 60, 1) if len(gaps) else None))
    total_len = sum(s.length_m for s in sorties)
    return PatrolPlan(
        site=site.name, home=site.info.home, altitude_m=site.patrol.altitude_m,
        footprint_m=tuple(round(v, 2) for v in site.footprint_m), swath_m=round(site.swath_m, 2), drones=drones,
        patterns=patterns, sorties=sorties, areas=figures, hotspots=visits, length_m=round(total_len, 1),
        flight_time_s=round(sum(s.flight_time_s for s in sorties), 1), makespan_s=round(sched.makespan_s, 1),
        turns=sum(count_turns(np.asarray([home, *[st.xy for st in p.steps if st.kind == 'wp'], home])) for p in paths),
        planning_s=round(time.perf_counter() - t0, 3), usable_s=site.vehicle.usable_s,
    )


def _nearest_first(home, geo: SiteGeometry) -> list[str]:
    left = {ag.name: ag.water.representative_point() for ag in geo.areas}
    order, pos = [], home
    while left:
        name = min(left, key=lambda n: math.dist(pos, (left[n].x, left[n].y)))
        pos = (left[name].x, left[name].y)
        order.append(name)
        del left[name]
    return order


def _best_split(splitter: Splitter, steps: list[Step], site: Site, drones: int) -> tuple[list[SortiePath], Schedule]:
    """Fewest sorties at full battery, then the same count (or a multiple of the drones) of even length."""
    usable = site.vehicle.usable_s
    turn = site.vehicle.turnaround_s
    base = splitter.split(steps, usable)

    def score(paths):
        sched = assign([p.time_s for p in paths], drones, turn)
        return (round(sched.makespan_s, 3), len(paths), sum(p.time_s for p in paths)), sched

    best_key, best_sched = score(base)
    best = base
    m0 = len(base)
    targets = sorted({m0, drones * math.ceil(m0 / drones)})
    for m in targets:
        if m <= 1:
            continue
        lo, hi = usable / (m + 1), usable
        found = None
        for _ in range(12):
            mid = (lo + hi) / 2
            try:
                cand = splitter.split(steps, mid)
            except PlanningError:
                lo = mid
                continue
            if len(cand) <= m:
                hi, found = mid, cand
            else:
                lo = mid
        if found is not None:
            key, sched = score(found)
            if key < best_key:
                best, best_key, best_sched = found, key, sched
    return best, best_sched


def _sorties(site: Site, geo: SiteGeometry, paths: list[SortiePath], sched: Schedule, model: FlightModel) -> list[Sortie]:
    home_xy = (geo.home.x, geo.home.y)
    water = shapely.union_all([ag.coverable for ag in geo.areas])
    shapely.prepare(water)
    half = site.footprint_m[0] / 2
    out = []
    for k, p in enumerate(paths):
        drone = sched.drone_of[k]
        alt = site.patrol.altitude_m + drone * site.patrol.drone_separation_m
        items = mission_items(p, geo.frame, site.info.home, alt, site.vehicle.cruise_speed_mps)
        areas = list(dict.fromkeys(st.area for st in p.steps if st.kind == "wp" and st.pattern in ("coverage", "shoreline")))
        spots = [st.orbit.hotspot for st in p.steps if st.kind == "orbit"]
        work = [pts for pts, pattern, _ in flown_polyline(p, home_xy) if pattern != "transit" and len(pts) > 1]
        seen = (shapely.intersection(MultiLineString([LineString(w) for w in work]).buffer(half, quad_segs=2), water).area
                if work else 0.0)
        out.append(Sortie(
            index=k + 1, drone=drone + 1, altitude_m=alt, items=items, legs=legs(p, geo.frame, home_xy),
            length_m=round(p.length_m, 1), work_length_m=round(p.work_m, 1), flight_time_s=round(p.time_s, 1),
            battery_fraction=round(model.battery_fraction(p.time_s), 4), start_s=round(sched.start_s[k], 1),
            end_s=round(sched.end_s[k], 1), areas=areas, hotspots=spots, covered_km2=round(seen / 1e6, 4)))
    return out


def _figures(site: Site, geo: SiteGeometry, coverage: list[CoveragePath], shores: dict[str, list[ShorePath]],
             paths: list[SortiePath], footprint_w: float) -> list[AreaFigures]:
    half = footprint_w / 2
    home_xy = (geo.home.x, geo.home.y)
    flown = [pts for p in paths for pts, _, _ in flown_polyline(p, home_xy) if len(pts) > 1]
    seen_all = MultiLineString([LineString(pts) for pts in flown]).buffer(half, quad_segs=4) if flown else None
    cov = {c.area: c for c in coverage}
    out = []
    for ag in geo.areas:
        water = ag.coverable
        c = cov.get(ag.name)
        frac = None
        if c is not None and len(c.points) > 1:
            frac = shapely.intersection(LineString(c.points).buffer(half, quad_segs=4), water).area / water.area
        frac_all = shapely.intersection(seen_all, water).area / water.area if seen_all is not None else 0.0
        bound = water.area / site.swath_m
        out.append(AreaFigures(
            name=ag.name, water_km2=round(water.area / 1e6, 4), swath_m=round(site.swath_m, 2),
            strategy=c.strategy if c else None,
            sweep_heading_deg=round(c.angle_deg, 2) if c and c.angle_deg is not None else None,
            coverage_length_m=round(c.length_m, 1) if c else 0.0, lower_bound_m=round(bound, 1),
            ratio=round(c.length_m / bound, 4) if c else None,
            coverage_fraction=round(frac, 5) if frac is not None else None,
            coverage_fraction_all=round(frac_all, 5), turns=c.turns if c else 0, sweeps=c.sweeps if c else 0,
            cells=c.cells if c else 0,
            shoreline_length_m=round(sum(s.length_m for s in shores.get(ag.name, [])), 1)))
    return out
