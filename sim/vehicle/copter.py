"""One simulated ArduCopter: the state a ground station sees and the commands it accepts.

`Copter.step(dt)` advances physics, sensors, the flight mode, battery and failsafes by one
lockstep tick of simulated time. The MAVLink layer reads its state and calls its command methods
(`arm`, `set_mode`, `user_takeoff`, `guided_goto`...), each answering as ArduCopter would.
STATUSTEXTs and MISSION_ITEM_REACHED go out through `outbox`, drained by the MAVLink layer.
"""
from __future__ import annotations

import math
import random
from collections import deque
from dataclasses import dataclass

from ..pose import Pose
from . import failsafes
from .airframe import Airframe
from .arming import arming_failures
from .battery import Battery, power_factor
from .boot import CRITICAL, INFO, WARNING, BootTimeline
from .fence import Fence
from .geo import M_PER_DEG, LocalGeo
from .mission import MissionStore
from .mission_items import DO_LAND_START, MissionCommand
from .modes import AUTO, AUTO_RTL, GUIDED, LAND, NAMES, STABILIZE, all_modes
from .navigation import Limits, Navigator
from .params import ParamStore
from .sensors import Ekf, Gps
from .wind import Wind



@dataclass(frozen=True)
class VehicleConfig:
    """What differs between vehicles and runs; everything else is a parameter."""

    sysid: int = 1
    home_lat: float = 0.0
    home_lon: float = 0.0
    home_amsl_m: float = 5.0          # the dock's height above sea level
    water_level_m: float = 0.0        # water surface relative to home (site.info.water_level_m)
    endurance_s: float = 1800.0       # site.vehicle: a full battery hovers this long
    boot: BootTimeline = BootTimeline()
    seed: int = 0
    physics_hz: float = 50.0
    mission_max_items: int = 724
    params: tuple[tuple[str, float], ...] = ()
    unix_start_s: float = 1.8e9        # wall-clock time the vehicle believes it booted at


class Copter:
    def __init__(self, config: VehicleConfig):
        self.cfg = config
        self.sysid = config.sysid
        self.params = ParamStore(dict(config.params) | {"MAV_SYSID": config.sysid})
        self.rng = random.Random(config.seed * 1_000_003 + config.sysid)
        self.geo = LocalGeo(config.home_lat, config.home_lon)
        self.origin_amsl = config.home_amsl_m
        self.boot = config.boot
        self.t = 0.0
        self.outbox: deque[tuple[int, str]] = deque(maxlen=200)
        self.reached_queue: deque[int] = deque(maxlen=100)
        self.payloads: list = []
        self._boot_texts = deque(self.boot.texts())
        self._build()

    def _build(self, mission: MissionStore | None = None) -> None:
        p = self.params
        self.af = Airframe()
        self.wind = Wind(self.rng)
        self.gps = Gps(self.rng)
        self.ekf = Ekf(self.boot, self.rng)
        cap = (p["SIM_BATT_CAP_AH"] * 1000.0) or p["BATT_CAPACITY"]
        self.battery = Battery(cap, p["SIM_BATT_VOLTAGE"], self.cfg.endurance_s)
        self.limits = Limits()
        self.limits.load(p)
        self.nav = Navigator(self.limits)
        self.fence = Fence(p)
        self.mission = mission if mission is not None else MissionStore(self.cfg.mission_max_items)
        self.rally: list[tuple[float, float, float]] = []
        self.modes = all_modes(self)
        self.mode = self.modes[STABILIZE]
        self.armed = False
        self.auto_armed = False
        self.land_complete = True
        self.home_set = False
        self.home_locked = False
        self.home_n = self.home_e = self.home_alt = 0.0
        self.home_version = 0
        self.gcs_last_seen: float | None = None
        self.failsafe_gcs = False
        self.failsafe_ekf = False
        self.ekf_fail_count = 0
        self.gps_glitching = False
        self.battery_failsafe_level = 0
        self.battery_failsafe_priority = 99
        self.battery_failsafe_action = 0
        self.batt_timers: dict[str, float | None] = {}
        self.auto_disarm_begin = 0.0
        self.rc_overrides: dict[int, tuple[int, float]] = {}
        self.hold_level = False
        self.ground_idle = False
        self.climbing_requested = False
        self.nav_vu_override: float | None = None
        self.pilot_takeoff_alt: float | None = None
        self.yaw_hold: float | None = None
        self._landed_since: float | None = None
        self._tasks = [[0.0, 1 / 3.3, failsafes.gcs_check], [0.0, 0.1, failsafes.battery_check],
                       [0.0, 0.1, failsafes.ekf_check], [0.0, 0.1, failsafes.gps_glitch_check],
                       [0.0, 0.04, failsafes.fence_check], [0.0, 0.1, failsafes.auto_disarm_check]]
        self.prearm_ok = False
        self._booting = True
        self._ekf_last = 0.0
        self._pv = p._values
        self._refresh_derived()
        p.on_change(("ANGLE_MAX", "ATC_SLEW_YAW"), self._refresh_derived)
        self._apply_sim_params()
        p.on_change(("WPNAV_SPEED", "WPNAV_SPEED_UP", "WPNAV_SPEED_DN", "WPNAV_ACCEL", "WPNAV_ACCEL_Z",
                     "WPNAV_RADIUS", "LOIT_SPEED", "CIRCLE_RATE"), lambda _n, _v: self.limits.load(p))
        p.on_change(("SIM_WIND_SPD", "SIM_WIND_DIR", "SIM_WIND_TURB", "SIM_GPS1_ENABLE", "SIM_GPS1_NUMSATS",
                     "SIM_GPS1_NOISE", "SIM_GPS1_GLTCH_X", "SIM_GPS1_GLTCH_Y", "SIM_GPS1_GLTCH_Z",
                     "SIM_BATT_VOLTAGE", "SIM_BATT_SAG"), lambda _n, _v: self._apply_sim_params())

    def _apply_sim_params(self) -> None:
        """SIM_* parameters drive the fault models (as on ArduPilot's SITL)."""
        p = self.params
        self.wind.set_steady(p["SIM_WIND_SPD"], p["SIM_WIND_DIR"], p["SIM_WIND_TURB"])
        self.gps.enabled = bool(p["SIM_GPS1_ENABLE"])
        self.gps.sats_cfg = int(p["SIM_GPS1_NUMSATS"])
        self.gps.noise_m = max(0.0, p["SIM_GPS1_NOISE"])
        self.gps.glitch_n = p["SIM_GPS1_GLTCH_X"] * M_PER_DEG
        self.gps.glitch_e = p["SIM_GPS1_GLTCH_Y"] * M_PER_DEG * math.cos(math.radians(self.geo.lat0))
        self.gps.glitch_u = p["SIM_GPS1_GLTCH_Z"]
        self.battery.full_voltage = max(0.1, p["SIM_BATT_VOLTAGE"])
        self.battery.sag_v = max(0.0, p["SIM_BATT_SAG"])

    # --- state the ground station reads --------------------------------------------------------
    def time_boot_ms(self) -> int:
        return int(self.t * 1000.0)

    def est(self) -> tuple[float, float, float]:
        """The EKF's estimate: metres north and east of the EKF origin, metres above it."""
        af, ekf = self.af, self.ekf
        return af.n + ekf.err_n, af.e + ekf.err_e, af.alt + ekf.err_u

    def est_global(self) -> tuple[float, float, float, float]:
        """(lat, lon, alt AMSL, alt above home) from the estimate."""
        n, e, alt = self.est()
        lat, lon = self.geo.to_latlon(n, e)
        return lat, lon, self.origin_amsl + alt, alt - self.home_alt

    def home_global(self) -> tuple[float, float, float]:
        lat, lon = self.geo.to_latlon(self.home_n, self.home_e)
        return lat, lon, self.origin_amsl + self.home_alt

    def position_ok(self) -> bool:
        """Copter::position_ok: EKF horizontal position good (predicted is enough while disarmed)."""
        ekf = self.ekf
        if not ekf.navigating:
            return False
        return ekf.aiding

    @property
    def mode_name(self) -> str:
        return NAMES.get(self.mode.number, "?")

    def any_failsafe(self) -> bool:
        return self.failsafe_gcs or self.failsafe_ekf or self.battery_failsafe_level > 0

    def battery_remaining_mah(self) -> float:
        return self.params["BATT_CAPACITY"] - self.battery.consumed_mah

    def battery_remaining_pct(self) -> int:
        cap = self.params["BATT_CAPACITY"]
        if cap <= 0:
            return -1
        return int(max(0.0, min(100.0, 100.0 * (1.0 - self.battery.consumed_mah / cap))))

    def text(self, severity: int, text: str) -> None:
        self.outbox.append((severity, text))

    def reached(self, seq: int) -> None:
        self.reached_queue.append(seq)

    # --- RC inputs (the SITL's sticks: centred, throttle down, unless overridden) --------------------
    def rc_pwm(self, ch: int) -> int:
        ov = self.rc_overrides.get(ch)
        if ov is not None:
            if self.t - ov[1] <= max(0.0, self.params["RC_OVERRIDE_TIME"]) or self.params["RC_OVERRIDE_TIME"] < 0:
                return ov[0]
            del self.rc_overrides[ch]
        return 1000 if ch == 3 else 1500

    def rc_norm(self, ch: int) -> float:
        return max(-1.0, min(1.0, (self.rc_pwm(ch) - 1500) / 400.0))

    def throttle_in(self) -> float:
        """Throttle stick as control_in, 0..1000 (RC3_MIN..RC3_MAX)."""
        lo, hi = self.params["RC3_MIN"], self.params["RC3_MAX"]
        return max(0.0, min(1000.0, (self.rc_pwm(3) - lo) / max(1.0, hi - lo) * 1000.0))

    def pilot_climb_rate(self) -> float:
        """Copter::get_pilot_desired_climb_rate (m/s); a pilot takeoff climbs at PILOT_SPEED_UP."""
        p = self.params
        up = p["PILOT_SPEED_UP"] / 100.0
        dn = (p["PILOT_SPEED_DN"] or p["PILOT_SPEED_UP"]) / 100.0
        if self.pilot_takeoff_alt is not None:
            if self.est()[2] < self.pilot_takeoff_alt and self.armed:
                return up
            self.pilot_takeoff_alt = None
        thr = self.throttle_in()
        dz = p["THR_DZ"]
        if thr < 500 - dz:
            return -dn * (500 - dz - thr) / max(1.0, 500 - dz)
        if thr > 500 + dz:
            return up * (thr - 500 - dz) / max(1.0, 500 - dz)
        return 0.0

    def set_rc_overrides(self, values: list[int]) -> None:
        """RC_CHANNELS_OVERRIDE: 0 releases a channel, UINT16_MAX leaves it alone."""
        for i, v in enumerate(values, start=1):
            if v == 0 or v == 65534:
                self.rc_overrides.pop(i, None)
            elif v != 65535:
                self.rc_overrides[i] = (int(v), self.t)

    # --- commands ------------------------------------------------------------------------------
    def set_mode(self, number: int, reason: str = "gcs") -> bool:
        """Copter::set_mode: any mode may be entered while disarmed; in flight, checks apply."""
        if number == self.mode.number:
            return True
        if number == AUTO_RTL:
            return self.auto_rtl(reason)
        new = self.modes.get(number)
        if new is None:
            self.text(WARNING, f"No such mode {number}")
            return False
        ignore_checks = not self.armed
        if not ignore_checks and new.requires_gps and not self.position_ok():
            self.text(WARNING, f"Mode change failed: {new.name} requires position")
            return False
        if not new.init(ignore_checks):
            self.text(WARNING, f"Mode change failed: {new.name} init failed")
            return False
        self.mode.exit()
        self.mode = new
        if new.number != GUIDED:
            self.yaw_hold = None
        return True

    def auto_rtl(self, reason: str) -> bool:
        """AUTO_RTL: AUTO jumping to the mission's DO_LAND_START (failsafe action 6)."""
        for i in range(1, len(self.mission)):
            cmd = self.mission.get(i)
            if cmd is not None and cmd.id == DO_LAND_START:
                auto = self.modes[AUTO]
                if self.set_mode(AUTO, reason):
                    auto.waiting_to_start = False
                    auto.runner.state = 1
                    auto.runner.nav_loaded = False
                    auto.runner.set_current(i)
                    auto.auto_rtl = True
                    return True
                return False
        self.text(WARNING, "Mode change to AUTO RTL failed: No landing sequence found")
        return False

    def reset_battery(self, percent: float) -> None:
        """MAV_CMD_BATTERY_RESET: the pack now holds `percent` (a swap at the dock); its failsafe state clears."""
        b = self.battery
        b.consumed_mah = b.capacity_mah * (1.0 - percent / 100.0)
        b.consumed_wh = 0.0 if percent >= 100.0 else b.consumed_wh * (1.0 - percent / 100.0)
        b.sag_v = 0.0
        self.battery_failsafe_level = 0
        self.battery_failsafe_priority = 99
        self.battery_failsafe_action = 0

    def arm(self, from_gcs: bool = True, force: bool = False) -> bool:
        if self.armed:
            return True
        if not force or not self.mode.allows_arming(from_gcs):
            fails = arming_failures(self, from_gcs)
            if force:
                fails = [f for f in fails if f.endswith("mode not armable")]
            if fails:
                for f in fails:
                    self.text(CRITICAL, f"Arm: {f}")
                return False
        self.armed = True
        self.auto_armed = False
        self.auto_disarm_begin = self.t
        if self.ekf.navigating and not self.home_locked:
            self.set_home_here(lock=False)
        self.text(INFO, "Arming motors")
        return True

    def disarm(self, reason: str = "gcs", force: bool = False) -> bool:
        if not self.armed:
            return True
        self.armed = False
        self.auto_armed = False
        self.pilot_takeoff_alt = None
        self.text(INFO, "Disarming motors")
        auto = self.modes[AUTO]
        if self.mode is auto and auto.runner.state == 1:
            auto.runner.stop()
        return True

    def user_takeoff(self, alt_above_home: float, must_navigate: bool) -> bool:
        """Mode::do_user_takeoff (MAV_CMD_NAV_TAKEOFF)."""
        if not self.armed or not self.land_complete:
            return False
        if not self.mode.has_user_takeoff(must_navigate):
            return False
        if self.home_alt + alt_above_home <= self.est()[2]:
            return False
        self.auto_armed = True
        if self.mode.number == GUIDED:
            self.modes[GUIDED].start_takeoff(alt_above_home)
        else:
            self.pilot_takeoff_alt = self.home_alt + alt_above_home
        self.climbing_requested = True
        return True

    def guided_goto(self, n: float, e: float, alt: float) -> bool:
        """A GUIDED position target (local frame); refused outside an enabled fence."""
        if self.mode.number != GUIDED:
            return False
        return self.modes[GUIDED].set_destination(n, e, alt)

    def guided_velocity(self, vn: float, ve: float, vu: float) -> bool:
        if self.mode.number != GUIDED:
            return False
        self.modes[GUIDED].set_velocity(vn, ve, vu)
        return True

    def fence_allows(self, n: float, e: float, alt: float) -> bool:
        return self.fence.destination_ok(n - self.home_n, e - self.home_e, alt - self.home_alt, n, e)

    def change_speed(self, kind: int, speed: float) -> bool:
        return self.mode.set_speed(kind, speed)

    def mission_start(self) -> bool:
        """MAV_CMD_MISSION_START: AUTO, auto-armed, mission started or resumed."""
        if not self.set_mode(AUTO, "gcs"):
            return False
        self.auto_armed = True
        auto = self.modes[AUTO]
        if auto.runner.state != 1:
            auto.waiting_to_start = False
            auto.runner.start_or_resume(bool(self.params["MIS_RESTART"]))
        return True

    def set_mission_current(self, seq: int) -> bool:
        return self.modes[AUTO].runner.set_current(seq)

    def location_from_cmd(self, cmd: MissionCommand, default: tuple[float, float, float]) -> tuple[float, float, float]:
        """ModeAuto::loc_from_cmd: lat/lon 0 -> default position, alt 0 -> default altitude."""
        if cmd.lat == 0 and cmd.lng == 0:
            n, e = default[0], default[1]
        else:
            n, e = self.geo.to_ne(cmd.lat * 1e-7, cmd.lng * 1e-7)
        if cmd.alt_cm == 0:
            alt = default[2]
        elif cmd.relative_alt:
            alt = self.home_alt + cmd.alt_m
        else:
            alt = cmd.alt_m - self.origin_amsl
        return n, e, alt

    def set_home_here(self, lock: bool) -> bool:
        n, e, alt = self.est()
        return self._set_home(n, e, alt, lock)

    def set_home(self, lat: float, lon: float, alt_amsl: float, lock: bool = True) -> bool:
        if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0) or not self.ekf.origin_set:
            return False
        n, e = self.geo.to_ne(lat, lon)
        if math.hypot(n, e) > 50_000.0:     # ArduCopter refuses a home far from the EKF origin
            return False
        return self._set_home(n, e, alt_amsl - self.origin_amsl, lock)

    def set_home_from_cmd(self, cmd: MissionCommand) -> bool:
        alt = cmd.alt_m + (self.origin_amsl + self.home_alt if cmd.relative_alt else 0.0)
        return self.set_home(cmd.lat * 1e-7, cmd.lng * 1e-7, alt, lock=False)

    def _set_home(self, n: float, e: float, alt: float, lock: bool) -> bool:
        self.home_n, self.home_e, self.home_alt = n, e, alt
        self.home_set = True
        self.home_locked = self.home_locked or lock
        self.home_version += 1
        return True

    def rally_or_home(self, n: float, e: float) -> tuple[float, float]:
        """AP_Rally::calc_best_rally_or_home_location: nearest rally point within RALLY_LIMIT_KM."""
        best = (self.home_n, self.home_e)
        if self.rally:
            dists = [(math.hypot(n - rn, e - re), rn, re) for rn, re, _ in self.rally]
            d, rn, re = min(dists)
            home_d = math.hypot(n - self.home_n, e - self.home_e)
            limit = self.params["RALLY_LIMIT_KM"] * 1000.0
            if (limit <= 0 or d <= limit) and (not self.params["RALLY_INCL_HOME"] or d < home_d):
                best = (rn, re)
        return best

    def gcs_heartbeat(self) -> None:
        """A HEARTBEAT from MAV_GCS_SYSID: what the GCS failsafe watches."""
        self.gcs_last_seen = self.t

    def reboot(self) -> None:
        """MAV_CMD_PREFLIGHT_REBOOT_SHUTDOWN: boot again; parameters, mission, fence and rally are kept."""
        mission, fence_items, rally = self.mission, self.fence.poly.items, self.rally
        self.params.clear_listeners()
        self.t = 0.0
        self._boot_texts = deque(self.boot.texts())
        self._build(mission)
        self.fence.poly.load(fence_items, self.geo.to_ne)
        self.rally = rally
        self.modes[AUTO].runner.reset()

    # --- the simulation step ---------------------------------------------------------------------
    def _refresh_derived(self, *_args) -> None:
        p = self.params
        self._tilt_accel_max = 9.80665 * math.tan(math.radians(min(80.0, max(10.0, p["ANGLE_MAX"] / 100.0))))
        self._yaw_rate_max = math.radians(max(1.0, p["ATC_SLEW_YAW"] / 100.0))

    def step(self, dt: float) -> None:
        self.t = t = self.t + dt
        if self._booting:
            self._boot(t)
        af = self.af
        gps = self.gps
        if gps.update(t, af.n, af.e, af.alt, af.vn, af.ve, af.vu):
            ekf = self.ekf
            ekf.update(t, t - self._ekf_last, gps, self._pv["EK3_GLITCH_RAD"])
            self._ekf_last = t
            if ekf.texts:
                for sev, txt in ekf.texts:
                    self.text(sev, txt)
                ekf.texts.clear()
            if not self.home_set and ekf.navigating and ekf.aiding:
                self.set_home_here(lock=False)
        self.hold_level = False
        self.ground_idle = False
        self.nav_vu_override = None
        self.mode.run(dt)
        ekf = self.ekf
        n, e, alt = af.n + ekf.err_n, af.e + ekf.err_e, af.alt + ekf.err_u
        nav = self.nav
        cvn, cve, cvu = nav.update(dt, n, e, alt, af.vn, af.ve, self.params)
        if self.nav_vu_override is not None:
            cvu = self.nav_vu_override
        if self.ground_idle:       # on the ground (or disarmed): motors idle, no control
            cvn = cve = 0.0
            if af.on_ground and cvu > 0.0:
                cvu = 0.0
        armed = self.armed
        spinning = armed and (not self.land_complete or self.climbing_requested or not af.on_ground)
        wn, we = self.wind.update(t, dt)
        yaw_target = self.yaw_hold if self.yaw_hold is not None else nav.yaw_target
        lim = self.limits
        hold_level = self.hold_level or not (ekf.navigating and ekf.aiding)
        af.step(dt, cvn, cve, cvu, yaw_target, wn, we, 5.0 if self.hold_level else lim.accel, lim.accel_z * 2.0,
                self._tilt_accel_max, self._yaw_rate_max, spinning, hold_level)
        self._land_detector(t, cvu)
        self.battery.update(dt, armed, power_factor(af.airspeed, af.thrust_ratio, af.vu) if armed else 0.0)
        if armed and not self.auto_armed and self.throttle_in() > 0:
            self.auto_armed = True
        for task in self._tasks:
            if t >= task[0]:
                task[0] = t + task[1]
                task[2](self)
        if self.payloads:
            pose = self.pose()
            for payload in self.payloads:
                payload.on_pose(pose)

    def _boot(self, t: float) -> None:
        bt = self._boot_texts
        while bt and bt[0][0] <= t:
            _, sev, txt = bt.popleft()
            self.text(sev, txt)
        boot = self.boot
        if not self.gps.detected and t >= boot.gps_detect_s:
            self.gps.detected = True
        if not self.prearm_ok and t >= boot.prearm_s:
            self.prearm_ok = True
        if not bt and self.gps.detected and self.prearm_ok:
            self._booting = False

    def _land_detector(self, t: float, cvu: float) -> None:
        """land_complete after a second on the ground with no climb demanded (Copter::update_land_detector)."""
        af = self.af
        if not self.armed:
            self.land_complete = True
            self._landed_since = None
            return
        if af.on_ground and cvu <= 0.05:
            if self._landed_since is None:
                self._landed_since = t
            elif t - self._landed_since >= 1.0 and not self.land_complete:
                self.land_complete = True
        else:
            self._landed_since = None
            if not af.on_ground and af.alt > 0.05:
                self.land_complete = False
                self.climbing_requested = False

    def pose(self) -> Pose:
        """The pose a payload sees: the autopilot's estimate, and where the vehicle truly is."""
        lat, lon, _amsl, rel = self.est_global()
        af = self.af
        tlat, tlon = self.geo.to_latlon(af.n, af.e)
        return Pose(vehicle=self.sysid, time_s=self.t, lat=lat, lon=lon, alt_home_m=rel,
                    alt_water_m=rel - self.cfg.water_level_m, roll_deg=math.degrees(af.roll),
                    pitch_deg=math.degrees(af.pitch), yaw_deg=math.degrees(af.yaw) % 360.0,
                    vn_mps=af.vn, ve_mps=af.ve, vd_mps=-af.vu, armed=self.armed,
                    true_lat=tlat, true_lon=tlon, true_alt_home_m=af.alt - self.home_alt)
