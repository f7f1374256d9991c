"""Wire the parts into one simulated patrol: SITL with its camera, ticket server, a partner feed per
agency, the controller flying with vision on its frames; then score and report.

Every part runs as it would in the field: the simulator and the partner feeds are their own
processes, reached only through their sockets; the controller, vision and the ticket server share
this process. Ctrl-C brings the drones home first, then everything stops and the report is written.
"""
from __future__ import annotations

import dataclasses
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from missions.errors import UserError
from missions.planner import plan_patrol
from missions.site import load_site

ROOT = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "controller.cli"]


@dataclass
class DemoOptions:
    site: Path = ROOT / "missions" / "examples" / "jinji.yaml"
    world: str = "default"
    out: Path = Path("out/demo")
    speedup: float = 15.0
    drones: int = 3
    fps: float | None = None             # None: LOOKS frames of each point along the track (frames_per_s)
    patterns: list[str] | None = None
    boot_s: float = 41.0
    faults: Path | None = None
    live: bool = True
    drain_s: float = 600.0
    dashboard: dict | None = None        # controller.dashboard.start's host/port/token; None: no live page
    extra_run: dict = field(default_factory=dict)


LOOKS = 3.0  # frames per point along the track: confirmation wants three sightings (vision.confirm)


def frames_per_s(site, plan, looks: float = LOOKS) -> float:
    """The frame rate that shows every point of the track in `looks` frames at the lowest altitude flown."""
    import math

    alt = min([s.altitude_m for s in plan.sorties] or [plan.altitude_m])
    along_m = 2 * alt * math.tan(math.radians(site.camera.vfov_deg) / 2)
    return round(min(max(looks * site.vehicle.cruise_speed_mps / along_m, 0.1), 2.0), 2)


def free_ports(n: int, stride: int = 1) -> int:
    """A base port with base + stride*i free (TCP and UDP) for i < n."""
    for _ in range(100):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            base = s.getsockname()[1]
        if base + stride * n >= 65000:
            continue
        socks = []
        try:
            for i in range(n):
                for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
                    t = socket.socket(socket.AF_INET, kind)
                    socks.append(t)
                    t.bind(("127.0.0.1", base + stride * i))
            return base
        except OSError:
            continue
        finally:
            for t in socks:
                t.close()
    raise UserError("no free local ports for the demo")


class Processes:
    """Child processes that are always stopped: politely (SIGINT), then firmly."""

    def __init__(self):
        self.procs: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, args: list[str], log: Path, wait_for: str | None = None, timeout_s: float = 120.0):
        f = open(log, "w", encoding="utf-8")
        p = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE if wait_for else f, stderr=subprocess.STDOUT,
                             text=True, start_new_session=True)
        self.procs.append((name, p))
        if wait_for:
            deadline = time.monotonic() + timeout_s
            for line in p.stdout:
                f.write(line)
                if wait_for in line:
                    break
                if time.monotonic() > deadline:
                    break
            else:
                raise UserError(f"{name} did not start (see {log})")
            threading.Thread(target=_copy, args=(p.stdout, f), daemon=True).start()
        return p

    def stop(self, name: str | None = None, timeout_s: float = 15.0) -> None:
        for n, p in list(self.procs):
            if name is not None and n != name:
                continue
            if p.poll() is None:
                p.send_signal(signal.SIGINT)
                try:
                    p.wait(timeout_s)
                except subprocess.TimeoutExpired:
                    p.terminate()
                    try:
                        p.wait(5)
                    except subprocess.TimeoutExpired:
                        p.kill()
            self.procs.remove((n, p))

    def pids(self) -> list[int]:
        return [p.pid for _, p in self.procs if p.poll() is None]


def _copy(src, dst) -> None:
    for line in src:
        dst.write(line)
    dst.close()


class RssWatch:
    """Peak of the summed resident memory of this process and all its descendants."""

    def __init__(self, period_s: float = 0.5):
        import psutil
        self.me = psutil.Process()
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, args=(period_s,), daemon=True)

    def _run(self, period_s: float) -> None:
        import psutil
        while not self._stop.wait(period_s):
            total = 0
            for p in [self.me, *self.me.children(recursive=True)]:
                try:
                    total += p.memory_info().rss
                except psutil.Error:
                    pass
            self.peak_mb = max(self.peak_mb, total / 2 ** 20)

    def __enter__(self):
        self._t.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._t.join(2)


def run_demo(opt: DemoOptions) -> dict:
    from controller.alerting_service import start_alerting
    from controller.flight.drone import Settings
    from controller.flight.patrol import Patrol

    from ..cli.live import LiveStatus
    from .finish import finish
    from .pacer import SimPacer

    t0 = time.monotonic()
    out = Path(opt.out)
    if (out / "run" / "mission.db").exists():
        raise UserError(f"--out {out}: holds an earlier demo; give a new folder or remove it")
    for d in ("run", "tickets", "keys", "feeds", "truth", "logs"):
        (out / d).mkdir(parents=True, exist_ok=True)
    site = load_site(opt.site)
    # an exercise: deliver at any hour (quiet hours would hold a waste pile found at night until morning)
    site = dataclasses.replace(site, routing=dataclasses.replace(site.routing, quiet_hours=None))
    procs = Processes()
    with ExitStack() as stack:
        stack.callback(procs.stop)
        rss = stack.enter_context(RssWatch())
        r = subprocess.run([*CLI, "world", str(opt.site), "--world", opt.world, "--out", str(out / "truth")],
                           cwd=ROOT, capture_output=True, text=True, timeout=300)
        if r.returncode != 0:
            raise UserError(f"ground truth: {r.stderr.strip().splitlines()[-1] if r.stderr.strip() else r.returncode}")
        plan = plan_patrol(site, drones=opt.drones, patterns=opt.patterns)
        from missions.exports import write_all
        write_all(plan, site, out / "plan")

        fps = opt.fps or frames_per_s(site, plan)
        opt = dataclasses.replace(opt, fps=fps)      # the report gives the rate flown
        mav = free_ports(opt.drones, stride=10)
        frames_port, ticket_port = free_ports(1), free_ports(1)
        sim_args = [*CLI, "sim", str(opt.site), "--speedup", str(opt.speedup), "--vehicles", str(opt.drones),
                    "--port", str(mav), "--no-udp", "--quiet", "--boot-s", str(opt.boot_s), "--world", opt.world,
                    "--frames", f"tcp://127.0.0.1:{frames_port}", "--fps", str(fps)]
        if opt.faults:
            sim_args += ["--faults", str(opt.faults)]
        procs.start("sim", sim_args, out / "logs" / "sim.log", wait_for="running")

        patrol = Patrol(site, plan, [f"tcp:127.0.0.1:{mav + 10 * k}" for k in range(opt.drones)], out / "run",
                        Settings(), frames=f"tcp://127.0.0.1:{frames_port}", frames_backlog=100000,
                        frames_drain_s=opt.drain_s)

        def vehicle_now() -> float:
            return max([r.sys.telemetry.snapshot().boot_s or 0.0 for r in patrol.runners] or [0.0])

        service = start_alerting(site, outbox_path=out / "tickets" / "outbox.sqlite", mission_db=out / "run" / "mission.db",
                                 keys_dir=out / "keys", bind=f"tcp://127.0.0.1:{ticket_port}", drones=opt.drones,
                                 exercise=True, now_vehicle_s=vehicle_now)
        server, alert, endpoint = service.server, service.hook, service.endpoint
        stack.callback(server.stop)
        if opt.dashboard is not None:
            _start_dashboard(stack, out, site, service.outbox_path, opt.dashboard)
        for a in site.agencies:
            procs.start(f"feed-{a.name}", [*CLI, "feed", "--agency", a.name, "--server", endpoint, "--keys",
                                          str(out / "keys"), "--out", str(out / "feeds" / a.name)],
                        out / "logs" / f"feed-{a.name}.log")

        patrol.frame_hooks.append(alert)
        patrol.install_sigint()
        pacer_holder = []

        def start_pacer(_statuses) -> None:  # once the frame pipeline exists
            if not pacer_holder and patrol.pipeline is not None:
                pacer_holder.append(SimPacer(f"tcp:127.0.0.1:{mav}", lambda: patrol.pipeline.backlog,
                                             opt.speedup).start())
        st = alert.stats
        with LiveStatus(len(plan.sorties), extra=lambda: (
                f"frames {st.frames} detections {st.detections} sightings {st.sightings} "
                f"confirmed {st.confirmed} tickets {st.tickets} (+{st.updates} updates)"), enabled=opt.live) as live:
            outcome = patrol.run(on_tick=lambda sts: (start_pacer(sts), live.update(sts)))
        for p in pacer_holder:
            p.stop()
        signal.signal(signal.SIGINT, signal.default_int_handler)
        sim_s = vehicle_now()
        # deliveries finish: every partner acknowledges what was routed to it
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            c = _counts(out)
            if c["unacked"] == 0 and c["held"] == 0:
                break
            time.sleep(0.5)
        for a in site.agencies:
            procs.stop(f"feed-{a.name}")
        server.stop()
        procs.stop("sim")
        summary = finish(site, opt, out, plan, outcome, alert, patrol, sim_s=sim_s,
                         wall_s=time.monotonic() - t0, peak_rss_mb=rss.peak_mb)
    return summary


def _start_dashboard(stack, out: Path, site, outbox: Path, serving: dict) -> None:
    """The live operations map beside the demo; a busy port costs the page, never the demo."""
    from controller import dashboard

    try:
        board = dashboard.start(out / "run", site, outbox=outbox, **serving)
    except UserError as exc:
        print(f"dashboard: not started ({exc})", file=sys.stderr)
        return
    stack.callback(board.stop)
    print(f"dashboard: {board.url}", file=sys.stderr, flush=True)


def _counts(out: Path) -> dict:
    from controller.tickets.outbox import Outbox
    ob = Outbox(out / "tickets" / "outbox.sqlite")
    try:
        return ob.counts()
    finally:
        ob.close()
