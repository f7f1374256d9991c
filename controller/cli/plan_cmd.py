"""waterpatrol plan SITE.yaml --out DIR: plan the patrol and write it in every format."""
from __future__ import annotations

import json
from pathlib import Path


def register(sub) -> None:
    p = sub.add_parser("plan", help="plan a patrol from a site config and write plan.json, waypoints, .plan, GeoJSON and a map",
                       description="Plan coverage, shoreline and hotspot patrols of a site, cut into sorties that fit "
                                   "the battery and shared among drones.")
    p.add_argument("site", type=Path, help="site config (YAML)")
    p.add_argument("--out", type=Path, required=True, help="output folder")
    p.add_argument("--drones", type=int, default=1, help="number of drones sharing the sorties (default 1)")
    p.add_argument("--patterns", default=None,
                   help="comma-separated subset of coverage,shoreline,hotspots (default: the site's patrol.patterns)")
    p.add_argument("--json", action="store_true", help="print a JSON summary on stdout")
    p.add_argument("--no-map", action="store_true", help="skip the map picture (plan.png)")
    p.set_defaults(run=run)


def summary(plan, written: dict) -> dict:
    return {
        "site": plan.site, "drones": plan.drones, "patterns": plan.patterns, "sorties": len(plan.sorties),
        "length_m": plan.length_m, "flight_time_s": plan.flight_time_s, "makespan_s": plan.makespan_s,
        "turns": plan.turns, "planning_s": plan.planning_s,
        "areas": {a.name: {"water_km2": a.water_km2, "coverage_fraction": a.coverage_fraction,
                           "coverage_fraction_all": a.coverage_fraction_all, "coverage_length_m": a.coverage_length_m,
                           "lower_bound_m": a.lower_bound_m, "ratio": a.ratio, "turns": a.turns,
                           "sweep_heading_deg": a.sweep_heading_deg} for a in plan.areas},
        "hotspots": {h.name: {"visits": len(h.times_s), "revisit_min": h.revisit_min, "max_gap_min": h.max_gap_min}
                     for h in plan.hotspots},
        "outputs": {k: str(v) for k, v in written.items()},
    }


def run(args) -> int:
    from missions.errors import UserError
    from missions.exports import write_all
    from missions.planner import plan_patrol
    from missions.site import load_site

    from .progress import stage_progress

    site = load_site(args.site)
    patterns = [p.strip() for p in args.patterns.split(",") if p.strip()] if args.patterns else None
    with stage_progress(not args.json) as progress:
        plan = plan_patrol(site, drones=args.drones, patterns=patterns, progress=progress)
    try:
        written = write_all(plan, site, args.out, picture=not args.no_map)
    except OSError as exc:
        raise UserError(f"--out {args.out}: cannot write ({exc.strerror})") from None
    if args.json:
        print(json.dumps(summary(plan, written), indent=1, ensure_ascii=False))
        return 0
    print(f"{plan.site}: {len(plan.sorties)} sorties on {plan.drones} drone(s), {plan.length_m / 1000:.1f} km, "
          f"{plan.flight_time_s / 60:.0f} min flying, last landing after {plan.makespan_s / 60:.0f} min "
          f"(planned in {plan.planning_s:.2f} s)")
    for a in plan.areas:
        cov = f"coverage {a.coverage_fraction:.2%}, " if a.coverage_fraction is not None else ""
        ratio = f"{a.ratio:.3f}x the lower bound, " if a.ratio else ""
        print(f"  area {a.name}: {a.water_km2:.2f} km2, {cov}{ratio}shoreline {a.shoreline_length_m / 1000:.1f} km")
    for s in plan.sorties:
        print(f"  sortie {s.index} (drone {s.drone}, {s.altitude_m:g} m): {s.length_m / 1000:.1f} km, "
              f"{s.flight_time_s / 60:.1f} min, {s.battery_fraction:.0%} battery, {len(s.items)} items, "
              f"sees {s.covered_km2:.2f} km2, "
              f"takeoff at +{s.start_s / 60:.0f} min")
    for h in plan.hotspots:
        gap = f", longest gap {h.max_gap_min:.0f} min (revisit every {h.revisit_min:g})" if h.revisit_min else ""
        print(f"  hotspot {h.name}: {len(h.times_s)} visit(s){gap}")
    print(f"wrote {args.out}/: " + ", ".join(sorted(p.name for p in Path(args.out).iterdir())))
    return 0
