"""waterpatrol demo: plan, fly, see, confirm and alert on a simulated lake; a report scored against the truth."""
from __future__ import annotations

from pathlib import Path


def register(sub) -> None:
    p = sub.add_parser("demo", help="the whole loop on a simulated lake: SITL, detector, tickets, partner feeds, report",
                       description="Starts the simulator with its camera, a ticket server with keys for every agency, "
                                   "one partner feed per agency and the controller; plans and flies the patrol, "
                                   "detects and confirms anomalies on the frames, sends tickets, and writes "
                                   "report.html and report.json scored against the simulator's ground truth.")
    p.add_argument("site", nargs="?", type=Path, default=None, help="site config (default: the bundled Jinji Lake)")
    p.add_argument("--world", default="default", help="world file (default: the site's bundled world)")
    p.add_argument("--out", type=Path, default=Path("out/demo"), help="output folder (default out/demo)")
    p.add_argument("--speedup", type=float, default=15.0, help="simulated seconds per wall second (default 15)")
    p.add_argument("--drones", type=int, default=3, help="drones sharing the patrol (default 3)")
    p.add_argument("--fps", type=float, default=None,
                   help="camera frames per simulated second (default: enough for 3 frames of every point along "
                        "the track at the lowest altitude flown; 0.38 for the Jinji demo at 80 m)")
    p.add_argument("--patterns", default=None,
                   help="comma-separated subset of coverage,shoreline,hotspots (default: all three; for the bundled "
                        "Jinji Lake shoreline,hotspots, which pass over every planted object: covering its 7 km2 "
                        "of water at 80 m is about four drone-hours of frames)")
    p.add_argument("--faults", type=Path, default=None, help="a fault scenario for the simulator (docs/sim.md)")
    p.add_argument("--json", action="store_true", help="print report.json on stdout at the end")
    p.add_argument("--no-dashboard", action="store_true", help="do not serve the live operations map")
    from .dashboard_cmd import add_serving_options
    add_serving_options(p, prefix="dashboard-")
    p.set_defaults(run=run)


def run(args) -> int:
    import json

    from ..demo.run import ROOT, DemoOptions, run_demo
    from .dashboard_cmd import serving

    patterns = [p.strip() for p in args.patterns.split(",")] if args.patterns else None
    if args.site is None and patterns is None:
        patterns = ["shoreline", "hotspots"]
    opt = DemoOptions(site=args.site or ROOT / "missions" / "examples" / "jinji.yaml", world=args.world,
                      out=args.out, speedup=args.speedup, drones=args.drones, fps=args.fps, patterns=patterns,
                      faults=args.faults, dashboard=None if args.no_dashboard else serving(args, "dashboard-"))
    s = run_demo(opt)
    if args.json:
        print(json.dumps(s, indent=1, ensure_ascii=False))
    else:
        print(f"{s['site']}: precision {s['precision']}, recall {s['recall']}, location error median "
              f"{s['loc_err_median_m']} m, {s['tickets']} tickets, all acknowledged: {s['all_acknowledged']}; "
              f"{s['sim_s'] / 60:.0f} simulated minutes in {s['wall_s'] / 60:.1f} min, peak {s['peak_rss_mb']:.0f} MB")
        print(f"report: {args.out / 'report.html'} and {args.out / 'report.json'}")
    return 0 if s["patrol_completed"] else 1
