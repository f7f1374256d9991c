"""Coverage planning figures per area, printed as JSON.

For each example lake, a few compact synthetic lakes and a 100 km2 concave lake with islands:
area, swath (sweep spacing: footprint width x (1 - side overlap)), coverage path length, the lower
bound area / swath, their ratio, coverage fraction (path buffered by half the footprint width,
intersected with the water it must cover, over that water's area), turns, and planning seconds for
the coverage pattern alone and for the whole patrol (coverage, shoreline, hotspots, sorties).

    .venv/bin/python benchmarks/plan_bench.py [--quick]
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import LineString, Point, Polygon

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from missions.coverage.planner import CoveragePlanner  # noqa: E402
from missions.coverage.swaths import SweepGeometry  # noqa: E402
from missions.planner import plan_patrol  # noqa: E402
from missions.site import SiteGeometry, load_site, parse_site  # noqa: E402
from missions.transit import Transit  # noqa: E402

EXAMPLES = Path(__file__).resolve().parents[1] / "missions" / "examples"
HOME = (31.3105, 120.6780)


def concave_lake(radius_m: float, seed: int, n: int = 2400) -> np.ndarray:
    """A smooth lake shore with bays and peninsulas: low harmonics of random amplitude."""
    rng = np.random.default_rng(seed)
    a = np.linspace(0, 2 * math.pi, n, endpoint=False)
    r = np.ones(n)
    for k in range(2, 14):
        r += rng.normal(0, 0.38 / k ** 1.1) * np.cos(k * a + rng.uniform(0, 2 * math.pi))
    r = np.clip(r, 0.35, None)
    return np.column_stack([1.25 * radius_m * r * np.cos(a), radius_m * r * np.sin(a)])


def synthetic_site(name: str, shore_xy: np.ndarray, islands_xy: list[np.ndarray], home_offset: tuple[float, float],
                   endurance_s: float = 1800):
    """A site config around metric outlines placed near Jinji Lake (so the UTM zone is the real one)."""
    probe = parse_site({"site": {"name": "probe", "home": {"lat": HOME[0], "lon": HOME[1]}},
                        "patrol": {"altitude_m": 80}, "areas": [{"name": "p", "boundary": [
                            {"lat": HOME[0] + 0.01, "lon": HOME[1]}, {"lat": HOME[0] + 0.01, "lon": HOME[1] + 0.01},
                            {"lat": HOME[0] + 0.02, "lon": HOME[1]}]}]})
    frame = probe.frame
    hx, hy = frame.to_xy(*HOME)

    def ll(xy):
        lat_lon = frame.latlon_array(np.asarray(xy) + [hx + home_offset[0], hy + home_offset[1]])
        return [{"lat": float(a), "lon": float(b)} for a, b in lat_lon]

    return parse_site({
        "site": {"name": name, "home": {"lat": HOME[0], "lon": HOME[1]}, "max_range_km": 60},
        "vehicle": {"endurance_s": endurance_s},
        "patrol": {"altitude_m": 80, "side_overlap": 0.2},
        "areas": [{"name": name, "boundary": ll(shore_xy), "islands": [ll(i) for i in islands_xy]}],
    }, name)


def synthetic_sites(quick: bool):
    ellipse = np.column_stack([1700 * np.cos(t := np.linspace(0, 2 * math.pi, 200, endpoint=False)), 1100 * np.sin(t)])
    rect = np.array([[-1500, -1000], [1500, -1000], [1500, 1000], [-1500, 1000]], dtype=float)
    yield "compact: ellipse 3.4 x 2.2 km", synthetic_site("ellipse", ellipse, [], (-2500, 0)), True
    yield "compact: rectangle 3 x 2 km", synthetic_site("rectangle", rect, [], (-2500, 0)), True
    if quick:
        return
    shore = concave_lake(5300, seed=7)
    isl = [np.asarray(Point(x, y).buffer(r, quad_segs=12).exterior.coords)[:-1]
           for x, y, r in ((1500, 900, 450), (-2300, -1200, 320), (300, 2600, 220), (-400, -300, 150))]
    # the dock stands on the largest island; an hour of endurance reaches the far shores
    yield "100 km2 concave lake with 4 islands", synthetic_site("big lake", shore, isl, (-1500, -900), 3600), False


def measure(label: str, site, compact: bool | None, full: bool) -> dict:
    geo = SiteGeometry(site)
    w = site.footprint_m[0]
    sweep = SweepGeometry.from_camera(w, site.swath_m)
    transit = Transit(geo.keepout)
    v = site.vehicle
    out = []
    for ag in geo.areas:
        planner = CoveragePlanner(sweep, transit, turn_cost_m=v.cruise_speed_mps ** 2 / v.accel_mps2)
        t0 = time.perf_counter()
        path = planner.plan(ag.name, ag.coverable, (geo.home.x, geo.home.y))
        secs = time.perf_counter() - t0
        water = ag.coverable
        seen = shapely.intersection(LineString(path.points).buffer(w / 2, quad_segs=8), water).area
        bound = water.area / site.swath_m
        row = {
            "area": label if label else ag.name, "area_km2": round(water.area / 1e6, 3),
            "convexity": round(water.area / water.convex_hull.area, 3), "compact": compact,
            "swath_m": round(site.swath_m, 2), "footprint_m": round(w, 2),
            "path_length_m": round(path.length_m, 1), "lower_bound_m": round(bound, 1),
            "ratio": round(path.length_m / bound, 4), "coverage_fraction": round(seen / water.area, 5),
            "turns": path.turns, "sweeps": path.sweeps, "cells": path.cells,
            "strategy": path.strategy,
            "sweep_heading_deg": None if path.angle_deg is None else round(path.angle_deg, 2), "planning_s": round(secs, 3),
        }
        if full:
            t0 = time.perf_counter()
            plan = plan_patrol(site)
            row["full_plan_s"] = round(time.perf_counter() - t0, 3)
            row["sorties"] = len(plan.sorties)
        out.append(row)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="skip the 100 km2 lake")
    args = ap.parse_args()
    rows = []
    for name in ("jinji", "dushu", "qingjian"):
        site = load_site(EXAMPLES / f"{name}.yaml")
        rows += measure(site.name, site, None, True)
    for label, site, compact in synthetic_sites(args.quick):
        rows += measure(label, site, compact, True)
    compact = [r for r in rows if r["compact"]]
    summary = {
        "min_coverage_fraction": min(r["coverage_fraction"] for r in rows),
        "max_ratio_compact": max(r["ratio"] for r in compact) if compact else None,
        "big_lake_planning_s": next((r["planning_s"] for r in rows if r["area_km2"] > 90), None),
        "big_lake_full_plan_s": next((r.get("full_plan_s") for r in rows if r["area_km2"] > 90), None),
        "targets": {"coverage_fraction": ">= 0.995", "ratio_compact": "<= 1.02", "big_lake_planning_s": "< 1"},
    }
    print(json.dumps({"areas": rows, "summary": summary}, indent=1))


if __name__ == "__main__":
    main()
