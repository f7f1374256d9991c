"""waterpatrol sim SITE.yaml: simulated ArduCopters a ground station connects to over MAVLink.

The camera stage plugs in here: if `sim.camera.cli_options` exists, its `add_arguments(parser)`
adds its options and its `payloads(args, site, sysid)` gives the payloads to ride on each vehicle.
"""
from __future__ import annotations

import argparse
import importlib
import signal
import sys
import threading
from pathlib import Path

from missions.errors import UserError

CAMERA_HOOK = "sim.camera.cli_options"

EPILOG = """\
endpoints:
  vehicle i (MAV_SYSID i) listens on TCP PORT+10*(i-1) and on the same UDP port number
  (connect with tcp:HOST:PORT, or udpout:HOST:PORT).

faults (--faults FILE, YAML or JSON; times are simulated seconds after boot):
  faults:
    - {at: 60, fault: wind, speed_mps: 8, direction_deg: 270, turbulence_mps: 2}
    - {at: 120, fault: gps_loss, duration: 20}
    - {at: 150, vehicle: 2, fault: gps_glitch, north_m: 40, duration: 15}
    - {at: 200, fault: battery_sag, volts: 1.5}
    - {at: 240, fault: link_outage, duration: 8}
{kinds}
  every event: at (required), fault (required), vehicle (sysid or all), duration (then undone).

faults at run time: set these parameters from any ground station (as on ArduPilot's SITL):
  SIM_WIND_SPD, SIM_WIND_DIR, SIM_WIND_TURB     wind speed m/s, from-direction deg, turbulence m/s
  SIM_GPS1_ENABLE 0                             GPS loses its fix
  SIM_GPS1_GLTCH_X / _Y (deg) / _Z (m)          GPS position offset (glitch)
  SIM_BATT_VOLTAGE, SIM_BATT_SAG                full-charge voltage; extra voltage drop (V)
  SIM_LINK_LOSS (percent), SIM_LINK_OUT (s)     MAVLink messages lost; an outage starting now
See docs/sim.md for the full behaviour and the list of deviations from ArduCopter.
"""


def _camera_hook():
    try:
        return importlib.import_module(CAMERA_HOOK)
    except ModuleNotFoundError as exc:
        if exc.name and CAMERA_HOOK.startswith(exc.name):
            return None
        raise


def _param(text: str) -> tuple[str, float]:
    name, sep, value = text.partition("=")
    try:
        if not sep:
            raise ValueError
        return name.strip().upper(), float(value)
    except ValueError:
        raise UserError(f"--param {text!r}: expected NAME=VALUE, e.g. FS_GCS_ENABLE=1") from None


def register(sub) -> None:
    from sim.faults import HELP
    kinds = "\n".join(f"  {k:<14}{v}" for k, v in HELP.items())
    p = sub.add_parser(
        "sim", help="run simulated ArduCopters (SITL) for the site, reachable over MAVLink",
        description="Simulated ArduCopter 4.7 vehicles booting at the site's home: MAVLink 2 over TCP and UDP, "
                    "parameters, missions, fence, failsafes, wind, battery and faults, on a lockstep clock that "
                    "can run faster than real time. Runs until Ctrl-C.",
        epilog=EPILOG.replace("{kinds}", kinds), formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("site", type=Path, help="site config (YAML)")
    p.add_argument("--speedup", type=float, default=1.0,
                   help="simulated seconds per wall second (default 1: real time; 0: as fast as possible)")
    p.add_argument("--vehicles", type=int, default=1, help="number of vehicles, MAV_SYSID 1..N (default 1)")
    p.add_argument("--seed", type=int, default=0, help="random seed for GPS noise, turbulence, packet loss (default 0)")
    p.add_argument("--faults", type=Path, default=None, help="fault scenario file (YAML or JSON, format below)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=5760, help="TCP/UDP port of vehicle 1 (default 5760; +10 per vehicle)")
    p.add_argument("--no-udp", action="store_true", help="listen on TCP only")
    p.add_argument("--wait", action="store_true",
                   help="hold the clock at boot until a ground station connects (as ArduPilot's SITL does)")
    p.add_argument("--boot-s", type=float, default=41.0,
                   help="seconds from power-on until the EKF uses GPS and arming is possible (default 41)")
    p.add_argument("--home-alt", type=float, default=5.0, help="height of home above sea level, metres (default 5)")
    p.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                   help="set a parameter at boot (repeatable), e.g. --param FS_GCS_ENABLE=1")
    p.add_argument("--duration", type=float, default=None, help="stop after this many simulated seconds")
    p.add_argument("--quiet", action="store_true", help="no periodic status lines")
    hook = _camera_hook()
    if hook is not None:
        hook.add_arguments(p)
    p.set_defaults(run=run)


def _status(runner) -> None:
    parts = [f"t={runner.sim_time:7.1f}s ({runner.clock.realtime_factor():.1f}x)"]
    for v in runner.vehicles:
        c = v.copter
        _, _, _, rel = c.est_global()
        parts.append(f"v{c.sysid} {c.mode_name} {'armed' if c.armed else 'disarmed'} {rel:.0f}m {c.battery_remaining_pct()}%")
    print(" | ".join(parts), file=sys.stderr, flush=True)


def run(args) -> int:
    from missions.site import load_site

    from sim.faults import load_scenario
    from sim.runner import RunConfig, SimRunner
    from sim.vehicle.boot import BootTimeline
    from sim.vehicle.params import ParamStore

    if args.speedup < 0:
        raise UserError(f"--speedup {args.speedup:g}: must be >= 0")
    if not 1 <= args.vehicles <= 50:
        raise UserError(f"--vehicles {args.vehicles}: must be 1..50")
    if not 0 <= args.port <= 65535 - 10 * args.vehicles:
        raise UserError(f"--port {args.port}: out of range for {args.vehicles} vehicle(s)")
    if args.boot_s <= 0:
        raise UserError(f"--boot-s {args.boot_s:g}: must be > 0")
    params = dict(_param(t) for t in args.param)
    known = ParamStore()
    for name in params:
        if name not in known:
            raise UserError(f"--param {name}: no such parameter")
    site = load_site(args.site)
    faults = load_scenario(args.faults) if args.faults else []
    config = RunConfig(speedup=args.speedup, vehicles=args.vehicles, seed=args.seed, host=args.host,
                       base_port=args.port, udp=not args.no_udp, boot=BootTimeline(args.boot_s),
                       home_amsl_m=args.home_alt, params=tuple(params.items()), wait_for_gcs=args.wait)
    runner = SimRunner(site, config, faults)
    stop = threading.Event()
    try:
        hook = _camera_hook()
        if hook is not None:
            for ep in runner.endpoints():
                for payload in hook.payloads(args, site, ep.sysid):
                    runner.attach(ep.sysid, payload)
        speed = "as fast as possible" if args.speedup == 0 else f"{args.speedup:g}x real time"
        print(f"waterpatrol sim: {site.name}: {args.vehicles} vehicle(s), {speed}, seed {args.seed}", flush=True)
        for ep in runner.endpoints():
            udp = f"  {ep.udp}" if ep.udp else ""
            print(f"  vehicle {ep.sysid}: {ep.tcp}{udp}", flush=True)
        print("waiting for a ground station to connect" if args.wait else "running; Ctrl-C to stop", flush=True)
        previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            runner.run(stop=stop, until_s=args.duration, on_status=None if args.quiet else _status)
        except KeyboardInterrupt:
            pass
        finally:
            signal.signal(signal.SIGTERM, previous)
        print(f"waterpatrol sim: stopped after {runner.sim_time:.1f} simulated seconds", flush=True)
    finally:
        runner.close()
    return 0
