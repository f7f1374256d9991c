"""The patrol: every drone flying its own sorties at once, one log, one live status, one outcome."""
from __future__ import annotations

import hashlib
import json
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from missions.errors import UserError
from missions.plan import PatrolPlan
from missions.site import Site, SiteGeometry
from missions.transit import Transit

from ..vehicle import System, VehicleError
from .drone import DroneRunner, DroneStatus, Settings
from .live import live_doc
from .missionlog import MissionLog
from .report import write_reports


def plan_fingerprint(plan: PatrolPlan) -> str:
    items = [[it.mavlink() for it in s.items] for s in plan.sorties]
    return hashlib.sha256(json.dumps([plan.site, [s.drone for s in plan.sorties], items]).encode()).hexdigest()[:16]


class DroneAbort:
    """One drone's abort: set for that drone alone, or for the whole patrol (all a DroneRunner asks is is_set)."""

    def __init__(self, patrol: threading.Event):
        self.patrol = patrol
        self.own = threading.Event()

    def is_set(self) -> bool:
        return self.patrol.is_set() or self.own.is_set()

    def set(self) -> None:
        self.own.set()


@dataclass
class Outcome:
    completed: bool
    sorties: int
    failed: list[str]
    out: Path


class Patrol:
    def __init__(self, site: Site, plan: PatrolPlan, connections: list[str], out: Path, settings: Settings | None = None,
                 connect_timeout_s: float = 30.0, frames: str | None = None, frame_hooks: list | None = None,
                 frames_backlog: int = 8, frames_drain_s: float = 5.0, live_every_s: float = 0.5):
        if plan.drones != len(connections):
            raise UserError(f"the plan shares its sorties among {plan.drones} drone(s) but {len(connections)} "
                            f"--connect given; plan again with --drones {len(connections)} or give one per drone")
        self.site, self.plan, self.conns, self.out = site, plan, connections, Path(out)
        self.settings = settings or Settings()
        self.connect_timeout_s = connect_timeout_s
        self.abort = threading.Event()
        self.out.mkdir(parents=True, exist_ok=True)
        self.log = MissionLog(self.out / "mission.db")
        self.runners: list[DroneRunner] = []
        self.errors: list[str] = []
        self.frames_spec = frames
        self.frame_hooks = list(frame_hooks or [])
        self.frames_backlog, self.frames_drain_s = frames_backlog, frames_drain_s
        self.pipeline = None
        self.live_every_s = live_every_s
        self._live_at = 0.0
        self.resumed = self._prepare_log()
        if site.path:  # so that `waterpatrol dashboard --out` finds the site's map
            self.log.set_meta("site_file", site.path)

    def _prepare_log(self) -> bool:
        """A fresh log gets the plan's sorties; a log of the same plan is continued (re-attach)."""
        fp = plan_fingerprint(self.plan)
        old = self.log.meta("plan")
        if old is not None and old != fp:
            raise UserError(f"{self.out / 'mission.db'} belongs to another plan; use a new --out folder")
        if old == fp:
            self.log.event("restart", "controller started again; re-attaching")
            return True
        self.log.set_meta("plan", fp)
        self.log.set_meta("site", self.site.name)
        self.log.set_meta("connections", self.conns)
        for s in sorted(self.plan.sorties, key=lambda s: s.start_s):
            self.log.add_sortie(s.index, s.drone, s.items)
        self.log.event("start", f"{len(self.plan.sorties)} sorties on {self.plan.drones} drone(s)")
        return False

    def statuses(self) -> list[DroneStatus]:
        return [r.status for r in self.runners]

    def run(self, on_tick: Callable[[list[DroneStatus]], None] | None = None) -> Outcome:
        transit = Transit(SiteGeometry(self.site).keepout)
        systems: list[System] = []
        try:
            for k, conn in enumerate(self.conns, start=1):
                sysk = System(conn, name=f"drone {k} ({conn})",
                              events=lambda kind, detail, d=k: self.log.event(kind, detail, d),
                              connect_timeout_s=self.connect_timeout_s)
                sysk.connect()
                systems.append(sysk)
                self.runners.append(DroneRunner(k, sysk, self.site, self.log, self.settings, DroneAbort(self.abort),
                                                transit))
            if self.frames_spec:
                self.pipeline = self._start_frames(systems)
            threads = [threading.Thread(target=self._drone_thread, args=(r,), name=f"drone-{r.drone}", daemon=True)
                       for r in self.runners]
            for t in threads:
                t.start()
            while any(t.is_alive() for t in threads):
                for req in self.log.take_requests():
                    self._requested(req)
                self._publish_live()
                if on_tick:
                    on_tick(self.statuses())
                time.sleep(0.1)
            self._publish_live(force=True)
            if on_tick:
                on_tick(self.statuses())
        finally:
            frame_stats = None
            if self.pipeline is not None:
                self.pipeline.drain(self.frames_drain_s)
                self.pipeline.stop()
                frame_stats = self.pipeline.stats
            for s in systems:
                s.close()
            write_reports(self.log, self.site, self.out, frames=frame_stats)
        rows = self.log.sorties()
        done = _plan_sorties_completed(rows)
        return Outcome(completed=all(done.values()) and not self.errors and not self.abort.is_set(),
                       sorties=len(done), failed=self.errors, out=self.out)

    def _requested(self, req: str) -> None:
        """`abort` (every drone, from `waterpatrol abort`) or `abort:N` (drone N, from the dashboard)."""
        if req == "abort" and not self.abort.is_set():
            self.log.event("abort", "requested by `waterpatrol abort`")
            self.abort.set()
        elif req.startswith("abort:"):
            runner = next((r for r in self.runners if str(r.drone) == req[6:]), None)
            if runner is None:
                self.log.event("abort_refused", f"no drone {req[6:]!r} in this patrol")
            elif not runner.abort.is_set():
                self.log.event("abort", "drone abort requested from the dashboard", runner.drone)
                runner.abort.set()

    def _publish_live(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._live_at < self.live_every_s:
            return
        self._live_at = now
        self.log.set_live({r.drone: live_doc(r.status, r.sys.telemetry.snapshot(), r.abort.is_set())
                           for r in self.runners})

    def _start_frames(self, systems: list[System]):
        from ..frames import FramePipeline, PoseHistory, open_source

        spec = self.frames_spec
        video = {}
        if not spec.startswith(("tcp://", "ipc://", "inproc://")):  # a video: posed from drone 1's telemetry
            history = PoseHistory(self.site.info.water_level_m).attach(systems[0].link)
            video = {"history": history, "hfov_deg": self.site.camera.hfov_deg, "drone": 1}
        source = open_source(spec, **video)
        by_sysid = {r.sys.link.target_system: r for r in self.runners}

        def count(frame) -> None:
            r = by_sysid.get(frame.drone) or (self.runners[0] if len(self.runners) == 1 else None)
            if r is not None:
                r.status.frames += 1
        pipe = FramePipeline(source, [count, *self.frame_hooks], backlog=self.frames_backlog).start()
        self.log.event("frames", f"receiving frames from {spec}")
        return pipe

    def _drone_thread(self, runner: DroneRunner) -> None:
        try:
            runner.run()
        except VehicleError as exc:
            self.errors.append(str(exc))
        except Exception as exc:  # a bug in one drone's thread must not leave the others unwatched
            self.errors.append(f"drone {runner.drone}: {exc.__class__.__name__}: {exc}")
            self.log.event("crash", f"{exc.__class__.__name__}: {exc}", runner.drone)
            raise

    def request_abort(self) -> None:
        self.abort.set()

    def install_sigint(self) -> None:
        """First Ctrl-C: every drone returns and lands. Second: leave now (the vehicles' failsafes stay armed)."""
        def handler(signum, frame):
            if self.abort.is_set():
                raise KeyboardInterrupt
            self.log.event("abort", "Ctrl-C")
            self.abort.set()
        signal.signal(signal.SIGINT, handler)


def _plan_sorties_completed(rows) -> dict[int, bool]:
    """A plan sortie is done when the newest row of its chain (it, or its last resume) completed."""
    tip: dict[int, object] = {}
    for r in rows:  # ids grow, so the last row seen for a plan sortie is the tip of its chain
        tip[r.plan_index] = r
    return {k: r.status == "completed" for k, r in tip.items()}
