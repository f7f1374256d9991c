"""One drone's patrol: preflight, fly each of its sorties, watch over them, resume what was cut short.

The vehicle's own failsafes stay armed throughout (written by preflight), so the drone is safe if
this controller dies; this code only adds what the vehicle cannot know: the plan's battery
projection, the operator's abort, and how to resume without leaving water unseen.
"""
from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field

import numpy as np

from missions.energy import FlightModel, mission_time_s
from missions.plan import MAV_CMD_NAV_RETURN_TO_LAUNCH, NAV_COMMANDS, MissionItem
from missions.site import Site, SiteGeometry
from missions.transit import Transit

from ..vehicle import System, VehicleError
from ..vehicle.telemetry import StatusText
from .missionlog import MissionLog, SortieRow
from .policy import failsafe_params
from .progress import BatteryWatch, Progress, SortieGeometry, progress
from .resume import first_work_index, resume_items

FAILSAFE_MODES = ("RTL", "LAND", "SMART_RTL", "BRAKE")


@dataclass
class Settings:
    overlap_m: float = 20.0          # re-flown before the point where work stopped
    dock: str = "swap"               # swap: the dock swaps batteries (gauge reset after turnaround); manual: a person does
    boot_wait_s: float = 180.0       # vehicle seconds to wait for GPS and EKF after boot
    battery_margin_pct: float = 2.0  # the battery cut fires this much before the reserve
    track_every_s: float = 2.0       # vehicle seconds between logged track points
    resume_in_air: bool = True
    home_tolerance_m: float = 50.0


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


class PreflightFailed(VehicleError):
    def __init__(self, drone: int, check: Check):
        super().__init__(f"drone {drone}: preflight check '{check.name}' failed: {check.detail}")
        self.check = check


@dataclass
class DroneStatus:
    drone: int
    conn: str
    state: str = "starting"
    sortie: int | None = None
    plan_index: int | None = None
    mode: str = "-"
    armed: bool = False
    link_ok: bool = True
    progress: Progress | None = None
    alt_m: float | None = None
    last_event: str = ""
    frames: int = 0
    events: list[str] = field(default_factory=list)


class DroneRunner:
    def __init__(self, drone: int, system: System, site: Site, log: MissionLog, settings: Settings,
                 abort: threading.Event, transit: Transit | None = None):
        self.drone = drone
        self.sys = system
        self.site = site
        self.log = log
        self.settings = settings
        self.abort = abort
        self.frame = site.frame
        self.transit = transit or Transit(SiteGeometry(site).keepout)
        self.status = DroneStatus(drone, system.link.conn)
        self._sid: int | None = None
        self._commanded: str | None = None
        self._texts: list[StatusText] = []
        system.telemetry.on_reached(self._on_reached)
        system.telemetry.on_text(self._on_text)

    # ---- events ------------------------------------------------------------------------------------
    def event(self, kind: str, detail: str = "") -> None:
        self.log.event(kind, detail, self.drone, self._sid)
        line = f"{kind}: {detail}" if detail else kind
        self.status.last_event = line
        self.status.events.append(line)
        del self.status.events[:-50]

    def _on_reached(self, seq: int) -> None:
        if self._sid is not None:
            self.log.reached(self._sid, seq)

    def _on_text(self, st: StatusText) -> None:
        self._texts.append(st)
        low = st.text.lower()
        if "fence" in low and ("breach" in low or "breached" in low):
            self.event("fence_breach", st.text)
        elif "failsafe" in low:
            self.event("vehicle_failsafe", st.text)
        elif st.severity <= 3:
            self.event("vehicle_error", st.text)

    # ---- the drone's patrol ------------------------------------------------------------------------
    def run(self) -> None:
        """Fly every pending sortie of this drone (resumes first), re-attaching to one in flight."""
        try:
            flying = [s for s in self.log.sorties(self.drone) if s.status == "flying"]
            for row in flying:
                self._reattach(row)
            first = not flying  # after a re-attach the drone has flown: the dock turns it round first
            while not self.abort.is_set():
                row = self._next_pending()
                if row is None:
                    break
                if not first:
                    self._turnaround(row)
                    if self.abort.is_set():
                        break
                first = False
                self._fly(row)
            self.status.state = "done" if not self.abort.is_set() else "aborted"
        except VehicleError as exc:
            self.status.state = "failed"
            self.event("error", str(exc))
            if self._sid is not None:
                self.log.set_status(self._sid, "failed", str(exc))
            raise

    def _next_pending(self) -> SortieRow | None:
        rows = [s for s in self.log.sorties(self.drone) if s.status == "pending"]
        rows.sort(key=lambda s: (s.parent is None, s.id))  # a resume flies before new work
        return rows[0] if rows else None

    def _model(self, altitude_m: float) -> FlightModel:
        return FlightModel(self.site.vehicle, altitude_m)

    def _needed_pct(self, items: list[MissionItem]) -> float:
        """Battery the sortie needs, reserve included, by the planner's own flight model."""
        t = mission_time_s(items, self.frame, self.site.info.home, self._model(items[1].alt))
        return 100.0 * (t / self.site.vehicle.endurance_s + self.site.vehicle.reserve_fraction)

    # ---- preflight -----------------------------------------------------------------------------------
    def preflight(self, row: SortieRow) -> list[Check]:
        tel, link = self.sys.telemetry, self.sys.link
        checks: list[Check] = []

        def check(name: str, ok: bool, detail: str) -> None:
            c = Check(name, ok, detail)
            checks.append(c)
            self.event("preflight", f"{name}: {'ok' if ok else 'FAILED'} ({detail})")
            if not ok:
                raise PreflightFailed(self.drone, c)

        self.status.state = "preflight"
        check("heartbeat", link.healthy, f"last heartbeat {link.heartbeat_age_s:.1f} s ago")
        expired = link.clock.timer(self.settings.boot_wait_s, 5.0)
        while not expired() and not self.abort.is_set():
            s = tel.snapshot()
            if s.gps_fix >= 3 and s.satellites >= 6 and s.ekf_ok and s.home is not None:  # home follows the fix
                break
            self.status.state = "waiting for GPS and EKF"
            time.sleep(0.05)
        s = tel.snapshot()
        check("gps", s.gps_fix >= 3 and s.satellites >= 6, f"fix type {s.gps_fix}, {s.satellites} satellites")
        check("ekf", s.ekf_ok, f"EKF flags 0x{s.ekf_flags:x}")
        need = self._needed_pct(row.items)
        have = s.battery_pct
        check("battery", have is not None and have + 0.5 >= need,
              f"{'unknown' if have is None else f'{have:.0f} %'} on board, sortie needs {need:.0f} % with the reserve")
        home = s.home
        if home is None:
            check("home", False, "the vehicle has not reported a home position")
        d = _distance_m(self.frame, home, self.site.info.home)
        check("home", d <= self.settings.home_tolerance_m,
              f"vehicle home {d:.0f} m from the site's dock (allowed {self.settings.home_tolerance_m:g} m)")
        try:
            capacity = self.sys.params.get("BATT_CAPACITY")
        except VehicleError:
            capacity = None
        held = self.sys.params.apply(failsafe_params(self.site, row.items[1].alt, capacity))
        check("failsafe parameters", True, ", ".join(f"{k}={v:g}" for k, v in held.items()))
        radius = self._fence_radius(row.items)
        n = self.sys.fence.apply(self.site, radius)
        check("geofence", True, f"{n} no-fly fence items, ceiling {self.site.vehicle.max_altitude_m:g} m, "
                                f"range {radius:.0f} m")
        self.sys.mission.upload_verified(row.items)
        check("mission", True, f"{len(row.items)} items uploaded and read back identical")
        return checks

    def _fence_radius(self, items: list[MissionItem]) -> float:
        home = np.asarray(self.frame.to_xy(*self.site.info.home))
        far = max((float(np.hypot(*(np.asarray(self.frame.to_xy(it.lat, it.lon)) - home)))
                   for it in items if it.lat or it.lon), default=0.0)
        return far + 300.0

    # ---- flying ------------------------------------------------------------------------------------
    def _fly(self, row: SortieRow) -> None:
        self._sid = row.id
        self.status.sortie, self.status.plan_index = row.id, row.plan_index
        try:
            self.preflight(row)
        except PreflightFailed as exc:
            self.log.set_status(row.id, "failed", str(exc))
            raise
        if self.abort.is_set():  # aborted during preflight: stay on the ground, the sortie stays pending
            self.event("abort", "before takeoff: staying on the ground")
            return
        a = self.sys.action
        self.status.state = "arming"
        a.set_mode("GUIDED")
        a.arm()
        self.log.set_status(row.id, "flying")
        self.event("takeoff", f"sortie {row.plan_index} to {row.items[1].alt:g} m")
        self.status.state = "taking off"
        a.takeoff(row.items[1].alt, self.site.vehicle.climb_speed_mps)
        a.set_mode("AUTO")
        self.event("auto", f"mission of {len(row.items)} items")
        self._watch(self.log.sortie(row.id))

    def _reattach(self, row: SortieRow) -> None:
        """After a restart: the log says this sortie was flying; find out what the vehicle is doing."""
        self._sid = row.id
        self.status.sortie, self.status.plan_index = row.id, row.plan_index
        s = self.sys.telemetry.snapshot()
        self.event("reattach", f"vehicle {'armed' if s.armed else 'disarmed'} in {s.mode}")
        if s.armed and s.mode == "AUTO":
            from ..vehicle.mission import mismatch
            bad = mismatch(row.items, self.sys.mission.download())
            if bad is None:
                self._watch(row)
                return
            self.event("reattach", f"vehicle mission is not this sortie's ({bad}); bringing it home")
            self.sys.action.rtl()
        exit_seq, exit_pos = self._exit_from_track(row)
        self.log.set_exit(row.id, exit_pos[0], exit_pos[1], exit_seq) if exit_pos else None
        if s.armed:
            if self._try_resume_in_air(self.log.sortie(row.id), "controller restarted"):
                return
            self._wait_landed(row)
        self._interrupt(self.log.sortie(row.id), "controller restarted")

    def _exit_from_track(self, row: SortieRow) -> tuple[int, tuple[float, float] | None]:
        if row.exit_seq is not None:
            return row.exit_seq, (row.exit_lat, row.exit_lon)
        pts = [p for p in self.log.track(self.drone) if p[4] == "AUTO" and p[5] is not None and
               (row.started is None or p[0] >= row.started)]
        if not pts:
            return 0, None
        t, lat, lon, alt, mode, seq, batt = pts[-1]
        return int(seq), (lat, lon)

    def _watch(self, row: SortieRow) -> None:
        """Follow the sortie to its landing; cut it short, resume it, or close it as the situation asks."""
        tel, link = self.sys.telemetry, self.sys.link
        items = row.items
        geom = SortieGeometry(items, self.frame, self.site.info.home)
        model = self._model(items[1].alt)
        watch = BatteryWatch(model)
        rtl_idx = next(i for i, it in enumerate(items) if it.command == MAV_CMD_NAV_RETURN_TO_LAUNCH)
        flown, last_pos, last_track = 0.0, None, -1e9
        last_auto: tuple[float, float, int] | None = None
        cut_reason: str | None = None
        self._commanded = None
        self.status.state = "flying"
        was_lost = False
        link_back = -1e9  # when heartbeats last came back after a silence
        while True:
            s = tel.snapshot()
            self.status.mode, self.status.armed, self.status.link_ok = s.mode, s.armed, s.link_ok
            self.status.alt_m = s.alt_rel_m
            watch.observe(s.boot_s, s.battery_pct)
            pos = (s.lat, s.lon) if s.lat is not None else None
            if pos and last_pos:
                flown += _distance_m(self.frame, pos, last_pos)
            last_pos = pos
            if pos and s.boot_s is not None and s.boot_s - last_track >= self.settings.track_every_s:
                self.log.track_point(self.drone, pos[0], pos[1], s.alt_rel_m or 0.0, s.mode, s.mission_current,
                                     s.battery_pct)
                last_track = s.boot_s
            self.status.progress = progress(geom, model, watch, s.mission_current, pos, flown, s.battery_pct)

            if not s.link_ok:
                was_lost = True
                self.status.state = "link lost: the vehicle's own failsafe is in charge"
                time.sleep(0.05)
                continue
            if was_lost:
                was_lost = False
                link_back = time.monotonic()
                self.status.state = "flying"
            if self.abort.is_set() and cut_reason is None:
                cut_reason = "operator abort"
                self._leave_auto(row, last_auto, "abort", "operator abort: returning home")
            if s.mode == "AUTO" and s.armed and s.mission_current is not None:
                last_auto = (pos[0], pos[1], s.mission_current) if pos else last_auto
                p = self.status.progress
                if (cut_reason is None and s.mission_current < rtl_idx and p.home_pct is not None
                        and p.home_pct <= 100 * self.site.vehicle.reserve_fraction + self.settings.battery_margin_pct):
                    cut_reason = "battery"
                    self._leave_auto(row, last_auto, "battery_cut",
                                     f"{s.battery_pct:.0f} % left, would land with {p.home_pct:.0f} %: returning home")
            elif s.armed and s.mode in FAILSAFE_MODES and self._commanded != s.mode and cut_reason is None:
                why = self._recent_failsafe_text() or f"vehicle switched to {s.mode}"
                cut_reason = f"failsafe: {why}"
                self.event("failsafe", f"{s.mode}: {why}")
                if last_auto:
                    self.log.set_exit(row.id, last_auto[0], last_auto[1], last_auto[2])
                after_silence = time.monotonic() - link_back < 5.0  # its "GCS Failsafe" text was lost with the link
                if after_silence or any(w in why.lower() for w in ("gcs", "radio", "link")):
                    if self._try_resume_in_air(self.log.sortie(row.id), "GCS failsafe after a link loss"):
                        return
            if not s.armed:
                landed_home = s.mission_current is not None and s.mission_current >= rtl_idx
                if cut_reason is None and landed_home:
                    self.log.set_status(row.id, "completed")
                    self.event("landed", f"sortie {row.plan_index} completed, {flown / 1000:.1f} km flown")
                    self.status.state = "landed"
                    return
                if cut_reason == "operator abort":
                    self.log.set_status(row.id, "aborted", "operator abort")
                    self.event("landed", "after the abort")
                    self.status.state = "aborted"
                    return
                self._interrupt(self.log.sortie(row.id), cut_reason or "landed before the end of its mission")
                return
            time.sleep(0.05)

    def _recent_failsafe_text(self) -> str | None:
        for st in reversed(self._texts[-20:]):
            low = st.text.lower()
            if ("failsafe" in low or "fence" in low) and "cleared" not in low:
                return st.text
        return None

    def _leave_auto(self, row: SortieRow, last_auto, kind: str, detail: str) -> None:
        if last_auto:
            self.log.set_exit(row.id, last_auto[0], last_auto[1], last_auto[2])
        self.event(kind, detail)
        self._commanded = "RTL"
        self.status.state = "returning"
        try:
            self.sys.action.rtl()
        except VehicleError as exc:
            self.event("error", f"RTL refused: {exc}")

    def _try_resume_in_air(self, row: SortieRow, why: str) -> bool:
        """Back to the mission from where the drone is, if the battery still allows the rest of it."""
        if not self.settings.resume_in_air or self.abort.is_set() or row.exit_seq is None:
            return False
        s = self.sys.telemetry.snapshot()
        if not s.armed or s.lat is None:
            return False
        items = resume_items(row.items, row.exit_seq, (row.exit_lat, row.exit_lon), self.frame,
                             self.settings.overlap_m, self.transit, start=(s.lat, s.lon))
        if items is None:
            return False
        geom = SortieGeometry(items, self.frame, self.site.info.home)
        model = self._model(items[1].alt)
        need = 100.0 * (model.cruise_s(geom.left_m(2, np.asarray(self.frame.to_xy(s.lat, s.lon)))) + model.land_s()) \
            / self.site.vehicle.endurance_s + 100.0 * self.site.vehicle.reserve_fraction
        if s.battery_pct is None or s.battery_pct < need:
            self.event("resume_later", f"{why}: {s.battery_pct} % on board, the rest needs {need:.0f} %")
            return False
        new = self.log.add_sortie(row.plan_index, self.drone, items, parent=row.id, status="pending")
        self.log.set_status(row.id, "interrupted", why)
        self._sid = new
        self.sys.mission.upload_verified(items)
        start = first_work_index(items)
        nav = next(i for i in range(start, len(items)) if items[i].command in NAV_COMMANDS)
        self.sys.mission.set_current(start, reports=nav)
        self.log.set_status(new, "flying")
        self._commanded = "AUTO"
        self.sys.action.set_mode("AUTO")
        self.event("resumed", f"in the air after {why}: {len(items)} items from item {row.exit_seq} "
                              f"with {self.settings.overlap_m:g} m overlap")
        self.status.sortie = new
        self._watch(self.log.sortie(new))
        return True

    def _interrupt(self, row: SortieRow, why: str) -> None:
        """The drone is on the ground with work left: queue the rest as its next sortie."""
        self.log.set_status(row.id, "interrupted", why)
        exit_seq = row.exit_seq if row.exit_seq is not None else self._exit_from_track(row)[0]
        exit_pos = (row.exit_lat, row.exit_lon) if row.exit_lat is not None else self._exit_from_track(row)[1]
        items = resume_items(row.items, exit_seq, exit_pos, self.frame, self.settings.overlap_m, self.transit,
                             start=self.site.info.home)
        if items is None:
            self.event("interrupted", f"{why}; nothing left to fly")
            return
        new = self.log.add_sortie(row.plan_index, self.drone, items, parent=row.id)
        self.event("interrupted", f"{why}; the rest ({len(items)} items from item {exit_seq}) is queued as sortie #{new}")
        self.status.state = "landed (interrupted)"

    def _wait_landed(self, row: SortieRow) -> None:
        self.status.state = "returning"
        self.sys.action.wait_landed(3600.0)

    def _turnaround(self, row: SortieRow) -> None:
        """Battery swap or charge at the dock, then a battery that will carry the next sortie."""
        link, tel = self.sys.link, self.sys.telemetry
        self.status.state = f"turnaround ({self.site.vehicle.turnaround_s:.0f} s)"
        expired = link.clock.timer(self.site.vehicle.turnaround_s, 0.1)
        while not expired() and not self.abort.is_set():
            time.sleep(0.05)
        need = self._needed_pct(row.items)
        if self.settings.dock == "swap":
            self._battery_reset()
        self.status.state = f"waiting for a battery with {need:.0f} %"
        while not self.abort.is_set():
            pct = tel.snapshot().battery_pct
            if pct is not None and pct >= need:
                return
            time.sleep(0.1)

    def _battery_reset(self) -> None:
        """Tell the autopilot its battery is fresh (MAV_CMD_BATTERY_RESET), as a swapping dock does."""
        from pymavlink import mavutil
        link = self.sys.link
        with link.waiter("COMMAND_ACK") as w:
            link.send(lambda m: m.command_long_send(link.target_system, link.target_component,
                                                    mavutil.mavlink.MAV_CMD_BATTERY_RESET, 0, 0xFF, 100, 0, 0, 0, 0, 0))
            ack = w.get(link.wall(3.0, 1.0), lambda a: a.command == mavutil.mavlink.MAV_CMD_BATTERY_RESET)
        self.event("battery_swap", "dock swapped the battery" if ack and ack.result == 0
                   else "battery reset not acknowledged; waiting for a fresh battery")


def _distance_m(frame, a, b) -> float:
    if a is None or b is None:
        return math.inf
    ax, ay = frame.to_xy(*a)
    bx, by = frame.to_xy(*b)
    return math.hypot(ax - bx, ay - by)
