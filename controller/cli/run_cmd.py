"""waterpatrol run / status / abort: fly the patrol, see how it stands, bring every drone home."""
from __future__ import annotations

import sys
import time
from pathlib import Path


def register(sub) -> None:
    p = sub.add_parser("run", help="fly the patrol on MAVLink vehicles (real or simulated) with a live status",
                       description="Plan (unless --plan is given) and fly every sortie on the drones reached by the "
                                   "--connect strings, one per drone. Writes the mission log, run.json and "
                                   "track.geojson into --out; started again with the same --out it re-attaches and "
                                   "continues. Exits 0 only when every sortie was completed.")
    p.add_argument("site", type=Path, help="site config (YAML)")
    p.add_argument("--connect", action="append", required=True, metavar="CONN",
                   help="MAVLink connection string (tcp:HOST:PORT, udp:..., udpin:..., /dev/ttyUSB0); once per drone")
    p.add_argument("--plan", type=Path, help="a folder written by `waterpatrol plan` (default: plan now)")
    p.add_argument("--out", type=Path, default=Path("out/run"), help="output folder (default out/run)")
    p.add_argument("--patterns", default=None,
                   help="when planning here: comma-separated subset of coverage,shoreline,hotspots")
    p.add_argument("--frames", metavar="ENDPOINT",
                   help="frames to detect on: the SITL's ZeroMQ stream (tcp://HOST:PORT), or any OpenCV source "
                        "(rtsp://..., a video file) posed from drone 1's telemetry")
    p.add_argument("--frames-backlog", type=int, default=8, metavar="N",
                   help="frames waiting for the detector before the oldest are dropped to stay live (default 8; "
                        "raise it for a sparse stream where every frame counts); all queued are looked at before exit")
    p.add_argument("--keys", type=Path, default=None,
                   help="ticket keys folder (server.key_secret and AGENCY.key files; default OUT/keys, missing pairs "
                        "are created there)")
    p.add_argument("--tickets-bind", default="tcp://127.0.0.1:5560", metavar="ENDPOINT",
                   help="where partner agencies connect for tickets (default tcp://127.0.0.1:5560)")
    p.add_argument("--no-tickets", action="store_true",
                   help="with --frames: detect and confirm only; raise no tickets")
    p.add_argument("--overlap-m", type=float, default=20.0, help="re-flown before the point where an interrupted "
                                                                  "sortie stopped (default 20 m)")
    p.add_argument("--dock", choices=("swap", "manual"), default="swap",
                   help="swap: the dock swaps batteries during the turnaround; manual: wait for a fresh battery")
    p.add_argument("--connect-timeout", type=float, default=30.0, help="seconds to wait for each vehicle")
    p.add_argument("--no-dashboard", action="store_true", help="do not serve the live operations map")
    from .dashboard_cmd import add_serving_options
    add_serving_options(p, prefix="dashboard-")
    p.set_defaults(run=run)

    st = sub.add_parser("status", help="how the patrol in an output folder stands (reads its mission log)")
    st.add_argument("--out", type=Path, default=Path("out/run"), help="the run's output folder")
    st.add_argument("--json", action="store_true", help="print run.json-style JSON")
    st.set_defaults(run=status)

    ab = sub.add_parser("abort", help="ask the running controller to bring every drone home and land")
    ab.add_argument("--out", type=Path, default=Path("out/run"), help="the run's output folder")
    ab.set_defaults(run=abort)


def _load_plan(args, site):
    from missions.errors import UserError
    from missions.plan import PatrolPlan
    from missions.planner import plan_patrol
    import json

    if args.plan is None:
        patterns = [p.strip() for p in args.patterns.split(",") if p.strip()] if args.patterns else None
        plan = plan_patrol(site, drones=len(args.connect), patterns=patterns)
        from missions.exports import write_all
        write_all(plan, site, args.out / "plan")
        return plan
    path = args.plan / "plan.json" if args.plan.is_dir() else args.plan
    try:
        return PatrolPlan.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise UserError(f"--plan {args.plan}: no plan.json there (write one with `waterpatrol plan`)") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise UserError(f"--plan {path}: not a waterpatrol plan ({exc})") from None


def run(args) -> int:
    from missions.site import load_site

    from ..flight.drone import Settings
    from ..flight.patrol import Patrol
    from .live import LiveStatus

    site = load_site(args.site)
    args.out.mkdir(parents=True, exist_ok=True)
    plan = _load_plan(args, site)
    patrol = Patrol(site, plan, args.connect, args.out, Settings(overlap_m=args.overlap_m, dock=args.dock),
                    connect_timeout_s=args.connect_timeout, frames=args.frames,
                    frames_backlog=max(1, args.frames_backlog), frames_drain_s=5.0 + 3.0 * max(1, args.frames_backlog))
    board = _start_dashboard(args, site)
    service, extra = None, None
    try:
        if args.frames:
            service = _start_alerting(args, site, patrol)
            patrol.frame_hooks.append(service.hook)
            st = service.hook.stats
            extra = lambda: (f"frames {st.frames} detections {st.detections} confirmed {st.confirmed} "  # noqa: E731
                             f"tickets {st.tickets} (+{st.updates} updates)")
        patrol.install_sigint()
        with LiveStatus(len(plan.sorties), extra=extra) as live:
            outcome = patrol.run(on_tick=live.update)
    finally:  # the ticket server and the map stop however the patrol ended
        if service is not None:
            service.stop()
        if board is not None:
            board.stop()
    word = "completed" if outcome.completed else "NOT completed"
    print(f"patrol {word}: {outcome.sorties} sorties; log, run.json and track.geojson in {outcome.out}/")
    for err in outcome.failed:
        print(f"  {err}", file=sys.stderr)
    return 0 if outcome.completed else 1


def _start_alerting(args, site, patrol):
    """Vision on the frames and, unless --no-tickets, tickets to the agencies (controller/alerting_service)."""
    from ..alerting_service import start_alerting, start_detect_only

    def vehicle_now() -> float:
        return max([r.sys.telemetry.snapshot().boot_s or 0.0 for r in patrol.runners] or [0.0])

    if args.no_tickets:
        return start_detect_only(site)
    service = start_alerting(site, outbox_path=args.out / "tickets" / "outbox.sqlite", mission_db=args.out / "mission.db",
                             keys_dir=args.keys or args.out / "keys", bind=args.tickets_bind, drones=len(args.connect),
                             now_vehicle_s=vehicle_now)
    print(f"tickets: partners connect to {service.endpoint} (keys in {service.keys_dir})", flush=True)
    return service


def _start_dashboard(args, site):
    """The live operations map of this run (controller/dashboard), unless --no-dashboard."""
    if args.no_dashboard:
        return None
    from missions.errors import UserError

    from ..dashboard import start
    from .dashboard_cmd import announce, serving

    opts = serving(args, "dashboard-")
    try:
        board = start(args.out, site, **opts)
    except UserError as exc:  # a busy port must not keep the drones on the ground
        print(f"waterpatrol run: {exc}; flying without it", file=sys.stderr, flush=True)
        return None
    announce(board, opts["token"])
    return board


def status(args) -> int:
    import json

    from missions.errors import UserError

    from ..flight.missionlog import MissionLog
    from ..flight.report import run_summary

    db = args.out / "mission.db"
    if not db.exists():
        raise UserError(f"--out {args.out}: no mission log there (mission.db)")
    log = MissionLog(db)
    summary = run_summary(log)
    if args.json:
        print(json.dumps(summary, indent=1, ensure_ascii=False))
        return 0
    for s in summary["sorties"]:
        reached = len(s["items_reached"])
        extra = f", resumes #{s['resumes']}" if s["resumes"] else ""
        print(f"#{s['id']} sortie {s['plan_sortie']} drone {s['drone']}: {s['status']}{extra}, "
              f"{reached}/{s['nav_items']} items reached, {s['distance_flown_m'] / 1000:.1f} km flown"
              + (f" ({s['note']})" if s["note"] else ""))
    for e in summary["events"][-10:]:
        print(f"  {time.strftime('%H:%M:%S', time.localtime(e['t']))} drone {e['drone'] or '-'} {e['kind']}: {e['detail']}")
    return 0


def abort(args) -> int:
    from missions.errors import UserError

    from ..flight.missionlog import MissionLog

    db = args.out / "mission.db"
    if not db.exists():
        raise UserError(f"--out {args.out}: no running patrol there (no mission.db)")
    MissionLog(db).request("abort")
    print(f"abort requested: the controller running in {args.out} brings every drone home")
    return 0
