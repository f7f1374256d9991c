"""ArduCopter's flight modes: what each does with the navigator every step, and what it allows.

Numbers and names are ArduCopter's (HEARTBEAT custom_mode). Manual modes read the RC channels
(RC_CHANNELS_OVERRIDE, or the SITL's idle sticks: throttle at 1000 means "down"), so a copter
switched to LOITER without raising the throttle descends and lands, as on the real SITL.
AUTO runs the mission through MissionRunner with ModeAuto's start/verify rules; RTL follows
ModeRTL's climb / return / loiter / land states and return altitude rule.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

from . import mission_items as mi
from .boot import CRITICAL, INFO, WARNING
from .mission import COMPLETE, RUNNING, MissionRunner

if TYPE_CHECKING:
    from .copter import Copter

STABILIZE, ACRO, ALT_HOLD, AUTO, GUIDED, LOITER, RTL, CIRCLE, LAND = 0, 1, 2, 3, 4, 5, 6, 7, 9
POSHOLD, BRAKE, SMART_RTL, AUTO_RTL = 16, 17, 21, 27
LAND_WITH_DELAY_S = 4.0
RTL_ABS_MIN_CLIMB_M = 2.5
RTL_MIN_CONE_SLOPE = 0.5
# do commands AP_Mission verifies itself (no MISSION_ITEM_REACHED for them)
_LIBRARY_VERIFIED = {mi.DO_SET_SERVO, mi.DO_SET_RELAY, mi.DO_REPEAT_SERVO, mi.DO_REPEAT_RELAY,
                     mi.DO_DIGICAM_CONFIGURE, mi.DO_DIGICAM_CONTROL, mi.DO_SET_CAM_TRIGG_DIST, mi.DO_PARACHUTE,
                     mi.DO_GRIPPER}


class Mode:
    number = -1
    name = "?"
    requires_gps = True
    has_manual_throttle = False
    is_autopilot = False
    gcs_may_arm = False

    def __init__(self, copter: "Copter"):
        self.c = copter

    def init(self, ignore_checks: bool) -> bool:
        return True

    def exit(self) -> None:
        pass

    def run(self, dt: float) -> None:
        pass

    def allows_arming(self, from_gcs: bool) -> bool:
        return self.gcs_may_arm

    def has_user_takeoff(self, must_navigate: bool) -> bool:
        return False

    def is_landing(self) -> bool:
        return False

    def is_taking_off(self) -> bool:
        return False

    def target(self) -> tuple[float, float, float] | None:
        """Where the mode is flying to (local north, east, alt), for POSITION_TARGET_GLOBAL_INT."""
        return None

    def wp_distance(self) -> float:
        return 0.0

    def wp_bearing(self) -> float:
        return 0.0

    def set_speed(self, kind: int, speed: float) -> bool:
        nav = self.c.nav
        if kind in (0, 1):
            nav.speed_override = speed
        elif kind == 2:
            nav.speed_up_override = speed
        elif kind == 3:
            nav.speed_dn_override = speed
        else:
            return False
        return True

    def pause(self) -> bool:
        return False

    def resume(self) -> bool:
        return False

    # helpers shared by the modes -------------------------------------------------------------
    def make_safe_if_landed(self) -> bool:
        """True when disarmed or sitting on the ground: motors idle, the navigator's target kept
        for when the vehicle lifts off (ArduCopter's make_safe_ground_handling)."""
        c = self.c
        if not c.armed or (c.land_complete and not c.climbing_requested):
            c.ground_idle = True
            return True
        return False

    def hold_here(self) -> None:
        c = self.c
        n, e, alt = c.est()
        sn, se = c.nav.stopping_point(n, e, c.af.vn, c.af.ve)
        c.nav.hold(sn, se, alt)


class ModeStabilize(Mode):
    number, name = STABILIZE, "STABILIZE"
    requires_gps = False
    has_manual_throttle = True
    gcs_may_arm = True

    def run(self, dt: float) -> None:
        c = self.c
        c.hold_level = True
        thr = c.throttle_in()
        c.climbing_requested = thr > 550
        c.nav.velocity(0.0, 0.0, (thr - 500.0) / 500.0 * 5.0)


class ModeAltHold(Mode):
    number, name = ALT_HOLD, "ALT_HOLD"
    requires_gps = False
    gcs_may_arm = True

    def has_user_takeoff(self, must_navigate: bool) -> bool:
        return not must_navigate

    def run(self, dt: float) -> None:
        c = self.c
        c.hold_level = True
        vz = c.pilot_climb_rate()
        c.climbing_requested = vz > 0.0
        c.nav.velocity(0.0, 0.0, vz)


class ModeLoiter(Mode):
    number, name = LOITER, "LOITER"
    gcs_may_arm = True

    def init(self, ignore_checks: bool) -> bool:
        self.hold_here()
        return True

    def has_user_takeoff(self, must_navigate: bool) -> bool:
        return True

    def run(self, dt: float) -> None:
        c = self.c
        vz = c.pilot_climb_rate()
        c.climbing_requested = vz > 0.0
        if self.make_safe_if_landed():
            return
        nav = c.nav
        n, e, alt = c.est()
        fwd, right = -c.rc_norm(2), c.rc_norm(1)
        if abs(fwd) > 0.05 or abs(right) > 0.05:
            s = nav.lim.loiter_speed
            cy, sy = math.cos(c.af.yaw), math.sin(c.af.yaw)
            nav.velocity((fwd * cy - right * sy) * s, (fwd * sy + right * cy) * s, vz)
            return
        if nav.kind != 0:
            self.hold_here()
        if vz != 0.0:                      # the pilot climbs or descends; hold where the stick stops
            nav.talt = alt
            c.nav_vu_override = vz


class ModePosHold(ModeLoiter):
    number, name = POSHOLD, "POSHOLD"


class ModeBrake(Mode):
    number, name = BRAKE, "BRAKE"

    def init(self, ignore_checks: bool) -> bool:
        self.hold_here()
        return True

    def run(self, dt: float) -> None:
        if self.make_safe_if_landed():
            return


class ModeGuided(Mode):
    number, name = GUIDED, "GUIDED"
    is_autopilot = True

    def __init__(self, copter: "Copter"):
        super().__init__(copter)
        self.submode = "pos"
        self.taking_off = False
        self._vel_time = 0.0
        self._target: tuple[float, float, float] | None = None

    def allows_arming(self, from_gcs: bool) -> bool:
        return from_gcs or bool(int(self.c.params["GUID_OPTIONS"]) & 1)

    def has_user_takeoff(self, must_navigate: bool) -> bool:
        return True

    def init(self, ignore_checks: bool) -> bool:
        self.submode = "pos"
        self.taking_off = False
        self._target = None
        n, e, alt = self.c.est()
        sn, se = self.c.nav.stopping_point(n, e, self.c.af.vn, self.c.af.ve)
        self.c.nav.hold(sn, se, alt)
        return True

    def is_taking_off(self) -> bool:
        return self.taking_off

    def start_takeoff(self, alt_above_home: float) -> None:
        c = self.c
        n, e, _ = c.est()
        self.submode, self.taking_off = "takeoff", True
        self._target = (n, e, c.home_alt + alt_above_home)
        c.nav.climb_to(n, e, c.home_alt + alt_above_home, c.nav.speed_up)

    def set_destination(self, n: float, e: float, alt: float) -> bool:
        c = self.c
        if not c.fence_allows(n, e, alt):
            return False
        if self.taking_off:
            self.taking_off = False
        en, ee, ealt = c.est()
        if c.nav.kind == 1 and not c.nav.reached:
            origin = (en, ee, ealt)
        else:
            sn, se = c.nav.stopping_point(en, ee, c.af.vn, c.af.ve)
            origin = (sn, se, ealt)
        self.submode = "wp"
        self._target = (n, e, alt)
        c.nav.goto(origin, (n, e, alt))
        return True

    def set_velocity(self, vn: float, ve: float, vu: float) -> None:
        self.submode, self.taking_off = "vel", False
        self._vel_time = self.c.t
        self._target = None
        self.c.nav.velocity(vn, ve, vu)

    def target(self):
        return self._target

    def wp_distance(self) -> float:
        return self.c.nav.distance if self.submode == "wp" else 0.0

    def wp_bearing(self) -> float:
        return self.c.nav.bearing if self.submode == "wp" else 0.0

    def run(self, dt: float) -> None:
        c = self.c
        # ArduCopter's guided controllers stay idle on the ground unless the target is above the vehicle
        c.climbing_requested = self.taking_off or (
            self.submode == "wp" and c.auto_armed and self._target is not None and self._target[2] > c.est()[2] + 0.1)
        if self.submode == "takeoff":
            if not c.armed:
                return
            if c.nav.reached:
                self.taking_off = False
                self.submode = "pos"
                c.nav.hold(c.nav.tn, c.nav.te, c.nav.talt)
            return
        if self.make_safe_if_landed():
            return
        if self.submode == "vel" and c.t - self._vel_time > c.params["GUID_TIMEOUT"]:
            self.submode = "pos"
            self.hold_here()


class ModeLand(Mode):
    number, name = LAND, "LAND"
    requires_gps = False

    def __init__(self, copter: "Copter"):
        super().__init__(copter)
        self.pause_until = 0.0
        self.use_gps = True

    def init(self, ignore_checks: bool) -> bool:
        self.use_gps = self.c.position_ok()
        self.pause_until = 0.0
        n, e, alt = self.c.est()
        sn, se = self.c.nav.stopping_point(n, e, self.c.af.vn, self.c.af.ve)
        self.c.nav.hold(sn, se, alt)
        return True

    def set_pause(self) -> None:
        self.pause_until = self.c.t + LAND_WITH_DELAY_S

    def is_landing(self) -> bool:
        return True

    def run(self, dt: float) -> None:
        c = self.c
        if not c.armed:
            return
        if c.land_complete:
            c.disarm("landed")
            return
        if not c.position_ok():
            self.use_gps = False
        if c.t < self.pause_until:
            if not self.use_gps:
                c.nav.velocity(c.af.vn, c.af.ve, 0.0)
            return
        if c.nav.kind != 3:
            n, e, _ = c.est()
            c.nav.descend(c.nav.tn if c.nav.kind == 0 else n, c.nav.te if c.nav.kind == 0 else e, self.use_gps)
        c.nav.hold_xy = self.use_gps


class RtlController:
    """ModeRTL's state machine, shared by RTL mode and AUTO's NAV_RETURN_TO_LAUNCH."""

    STARTING, CLIMB, RETURN, LOITER_AT_HOME, FINAL_DESCENT, LANDING = range(6)

    def __init__(self, copter: "Copter"):
        self.c = copter
        self.state = self.STARTING
        self.complete = False
        self.return_alt = 0.0
        self.target_n = self.target_e = 0.0
        self._loiter_start = 0.0

    def start(self) -> None:
        c = self.c
        n, e, alt = c.est()
        sn, se = c.nav.stopping_point(n, e, c.af.vn, c.af.ve)
        tn, te = c.rally_or_home(n, e)
        self.target_n, self.target_e = tn, te
        p = c.params
        curr = alt - c.home_alt
        target_alt = max(p["RTL_ALT"] / 100.0, curr + max(0.0, p["RTL_CLIMB_MIN"] / 100.0))
        if p["RTL_CONE_SLOPE"] >= RTL_MIN_CONE_SLOPE:
            dist = math.hypot(tn - sn, te - se)
            target_alt = min(target_alt, max(dist * p["RTL_CONE_SLOPE"], curr + RTL_ABS_MIN_CLIMB_M))
        if c.fence.enabled_fences() & 1:
            target_alt = min(target_alt, c.fence.safe_alt_max())
        target_alt = max(target_alt, curr)
        self.return_alt = c.home_alt + target_alt
        self.state = self.CLIMB
        self.complete = False
        c.nav.goto((sn, se, alt), (sn, se, self.return_alt), speed=self._speed())

    def _speed(self) -> float | None:
        s = self.c.params["RTL_SPEED"]
        return s / 100.0 if s > 0 else None

    def is_landing(self) -> bool:
        return self.state in (self.FINAL_DESCENT, self.LANDING)

    def target(self):
        if self.state in (self.CLIMB, self.RETURN):
            return self.c.nav.tn, self.c.nav.te, self.c.nav.talt
        return self.target_n, self.target_e, self.return_alt

    def run(self, dt: float, disarm_on_land: bool) -> None:
        c = self.c
        nav = c.nav
        p = c.params
        if self.state == self.CLIMB:
            if nav.reached:
                self.state = self.RETURN          # the leg home starts from the climb's target, at return altitude
                nav.goto((nav.tn, nav.te, self.return_alt), (self.target_n, self.target_e, self.return_alt),
                         speed=self._speed())
        elif self.state == self.RETURN:
            if nav.reached:
                self.state = self.LOITER_AT_HOME
                self._loiter_start = c.t
                nav.hold(self.target_n, self.target_e, self.return_alt)
        elif self.state == self.LOITER_AT_HOME:
            if c.t - self._loiter_start >= p["RTL_LOIT_TIME"] / 1000.0:
                final = p["RTL_ALT_FINAL"] / 100.0
                if final > 0:
                    self.state = self.FINAL_DESCENT
                    nav.goto((self.target_n, self.target_e, self.return_alt),
                             (self.target_n, self.target_e, c.home_alt + final))
                else:
                    self.state = self.LANDING
                    nav.descend(self.target_n, self.target_e, c.position_ok())
        elif self.state == self.FINAL_DESCENT:
            self.complete = nav.reached
        elif self.state == self.LANDING:
            nav.hold_xy = c.position_ok()
            if c.land_complete:
                self.complete = True
                if disarm_on_land and c.armed:
                    c.disarm("landed")


class ModeRTL(Mode):
    number, name = RTL, "RTL"
    is_autopilot = True

    def __init__(self, copter: "Copter"):
        super().__init__(copter)
        self.rtl = RtlController(copter)

    def init(self, ignore_checks: bool) -> bool:
        if not ignore_checks and not self.c.home_set:
            return False
        self.rtl.start()
        return True

    def is_landing(self) -> bool:
        return self.rtl.is_landing()

    def target(self):
        return self.rtl.target()

    def wp_distance(self) -> float:
        return self.c.nav.distance

    def wp_bearing(self) -> float:
        return self.c.nav.bearing

    def run(self, dt: float) -> None:
        c = self.c
        if not c.armed or (c.land_complete and self.rtl.state != RtlController.LANDING):
            self.make_safe_if_landed()
            return
        self.rtl.run(dt, disarm_on_land=True)


class ModeCircle(Mode):
    number, name = CIRCLE, "CIRCLE"
    is_autopilot = True

    def init(self, ignore_checks: bool) -> bool:
        c = self.c
        n, e, alt = c.est()
        r = c.params["CIRCLE_RADIUS"] / 100.0
        cn, ce = n + r * math.cos(c.af.yaw), e + r * math.sin(c.af.yaw)
        c.nav.circle(cn, ce, alt, r, c.params["CIRCLE_RATE"], math.atan2(e - ce, n - cn))
        return True

    def run(self, dt: float) -> None:
        self.make_safe_if_landed()


class ModeSmartRTL(Mode):
    """Not simulated: entering it fails, so failsafes fall back to RTL as ArduCopter does."""
    number, name = SMART_RTL, "SMART_RTL"

    def init(self, ignore_checks: bool) -> bool:
        return False


class ModeAuto(Mode):
    number, name = AUTO, "AUTO"
    is_autopilot = True

    def __init__(self, copter: "Copter"):
        super().__init__(copter)
        self.submode = "loiter"
        self.waiting_to_start = False
        self.rtl = RtlController(copter)
        self.runner = MissionRunner(copter.mission, self._start_cmd, self._verify_cmd, self._exit_mission,
                                    lambda s: copter.text(INFO, s))
        self._loiter_time = 0.0
        self._loiter_time_max = 0.0
        self._circle: tuple = ((0.0, 0.0, 0.0), 0.0, False)     # centre, radius, counter-clockwise
        self._circle_last = -1
        self._condition_start = 0.0
        self._condition_value = 0.0
        self._delay_until = 0.0
        self._target: tuple[float, float, float] | None = None
        self._paused = False
        self._resume_leg: tuple = ((0.0, 0.0, 0.0), (0.0, 0.0, 0.0))
        self.auto_rtl = False
        self._mission_version = 0

    def allows_arming(self, from_gcs: bool) -> bool:
        return (not self.auto_rtl) and bool(int(self.c.params["AUTO_OPTIONS"]) & 1)

    def init(self, ignore_checks: bool) -> bool:
        c = self.c
        self.auto_rtl = False
        if not (c.mission.present or ignore_checks):
            return False
        if c.armed and c.land_complete and not self._starts_with_takeoff():
            c.text(CRITICAL, "Auto: Missing Takeoff Cmd")
            return False
        self.submode = "loiter"
        self.hold_here()
        c.nav.reset_overrides()
        self.waiting_to_start = True
        self._paused = False
        self._mission_version = c.mission.change_count
        return True

    def exit(self) -> None:
        if self.runner.state == RUNNING:
            self.runner.stop()
        self.auto_rtl = False

    def _starts_with_takeoff(self) -> bool:
        idx = 1 if self.c.params["MIS_RESTART"] or self.runner.nav_index is None else self.runner.nav_index
        for i in range(idx, min(len(self.c.mission), idx + 16)):
            cmd = self.c.mission.get(i)
            if cmd is None:
                return False
            if not cmd.is_nav:
                continue
            if cmd.id == mi.TAKEOFF:
                return True
            if cmd.id == mi.NAV_DELAY:
                continue
            return False
        return False

    def is_landing(self) -> bool:
        return self.submode == "land" or (self.submode == "rtl" and self.rtl.is_landing())

    def is_taking_off(self) -> bool:
        return self.submode == "takeoff" and not self.c.nav.reached

    def target(self):
        if self.submode == "rtl":
            return self.rtl.target()
        return self._target

    def wp_distance(self) -> float:
        return self.c.nav.distance if self.submode in ("wp", "circle_edge", "rtl") else 0.0

    def wp_bearing(self) -> float:
        return self.c.nav.bearing

    def pause(self) -> bool:
        if self.submode not in ("wp", "circle_edge") or self._paused:
            return False
        self._paused = True
        self._resume_leg = (self.c.nav.on, self.c.nav.oe, self.c.nav.oalt), (self.c.nav.tn, self.c.nav.te, self.c.nav.talt)
        self.hold_here()
        return True

    def resume(self) -> bool:
        if not self._paused:
            return False
        self._paused = False
        n, e, alt = self.c.est()
        self.c.nav.goto((n, e, alt), self._resume_leg[1])
        return True

    # --- per step -------------------------------------------------------------------------------
    def run(self, dt: float) -> None:
        c = self.c
        if self.waiting_to_start:
            if c.ekf.origin_set:
                self.runner.start_or_resume(bool(c.params["MIS_RESTART"]))
                self.waiting_to_start = False
                self._mission_version = c.mission.change_count
        elif not self._paused:
            if c.mission.change_count != self._mission_version:
                self._mission_changed()
            self.runner.update()
        c.climbing_requested = self.submode == "takeoff" and c.auto_armed
        if self.submode == "takeoff":
            if not c.armed or not c.auto_armed:
                self.make_safe_if_landed()
        elif self.submode == "rtl":
            if c.armed and not (c.land_complete and self.rtl.state != RtlController.LANDING):
                self.rtl.run(dt, disarm_on_land=False)
        elif self.submode == "land":
            if c.armed and not c.land_complete:
                if c.nav.kind == 1 and c.nav.reached:
                    c.nav.descend(c.nav.tn, c.nav.te, c.position_ok())
        else:
            if c.land_complete and not c.climbing_requested:
                self.make_safe_if_landed()

    # --- AP_Mission callbacks -----------------------------------------------------------------------
    def _loc(self, cmd: mi.MissionCommand, default: tuple[float, float, float]) -> tuple[float, float, float]:
        return self.c.location_from_cmd(cmd, default)

    def _default_loc(self) -> tuple[float, float, float]:
        c = self.c
        nav = c.nav
        if nav.kind == 1 and nav.reached:
            return nav.tn, nav.te, nav.talt
        return c.est()

    def _start_cmd(self, index: int, cmd: mi.MissionCommand) -> bool:
        c = self.c
        nav = c.nav
        cid = cmd.id
        if cid == mi.TAKEOFF:
            n, e, alt = c.est()
            target_alt = self._loc(cmd, (n, e, alt))[2] if cmd.alt_cm else alt
            if c.land_complete:
                target_alt = max(target_alt, alt + 1.0)
            self.submode = "takeoff"
            self._target = (n, e, target_alt)
            nav.climb_to(n, e, target_alt, nav.speed_up)
            return True
        if cid in (mi.WAYPOINT, mi.SPLINE_WAYPOINT):
            dest = self._loc(cmd, self._default_loc())
            origin = self._leg_origin()
            nxt = None
            if cmd.p1 == 0:
                nxt_cmd = self._next_nav(index)
                if nxt_cmd is not None and nxt_cmd.id in (mi.WAYPOINT, mi.SPLINE_WAYPOINT, mi.LOITER_UNLIM, mi.LOITER_TIME):
                    nn, ne, _ = self._loc(nxt_cmd, dest)
                    nxt = (nn, ne)
            self.submode = "wp"
            self._target = dest
            nav.goto(origin, dest, nxt)
            self._loiter_time = 0.0
            self._loiter_time_max = float(cmd.p1)
            return True
        if cid in (mi.LOITER_UNLIM, mi.LOITER_TIME):
            dest = self._loc(cmd, self._default_loc())
            self.submode = "wp"
            self._target = dest
            nav.goto(self._leg_origin(), dest)
            self._loiter_time = 0.0
            self._loiter_time_max = float(cmd.p1) if cid == mi.LOITER_TIME else 0.0
            return True
        if cid == mi.LOITER_TURNS:
            centre = self._loc(cmd, c.est())
            radius = cmd.loiter_radius_m
            self._circle = (centre, radius, cmd.loiter_ccw)
            self._circle_last = -1
            self._target = centre
            n, e, alt = c.est()
            dist = math.hypot(n - centre[0], e - centre[1])
            if dist > 0.01:
                en, ee = centre[0] + (n - centre[0]) / dist * radius, centre[1] + (e - centre[1]) / dist * radius
            else:
                en, ee = centre[0] + radius, centre[1]
            if math.hypot(n - en, e - ee) > 3.0 or abs(alt - centre[2]) > 3.0:
                self.submode = "circle_edge"
                nav.goto(self._leg_origin(), (en, ee, centre[2]))
            else:
                self._circle_start()
            return True
        if cid == mi.RETURN_TO_LAUNCH:
            self.submode = "rtl"
            self.rtl.start()
            return True
        if cid == mi.LAND:
            self.submode = "land"
            if cmd.lat or cmd.lng:
                n, e, alt = c.est()
                dest = self._loc(cmd, (n, e, alt))
                self._target = (dest[0], dest[1], alt)
                nav.goto(self._leg_origin(), (dest[0], dest[1], alt))
            else:
                n, e, alt = c.est()
                sn, se = nav.stopping_point(n, e, c.af.vn, c.af.ve)
                self._target = (sn, se, c.home_alt)
                nav.descend(sn, se, c.position_ok())
            return True
        if cid == mi.NAV_DELAY:
            self.hold_here()
            self.submode = "loiter"
            secs = cmd.value("param1")
            self._delay_until = c.t + max(0.0, secs)
            c.text(INFO, f"Delaying {int(max(0.0, secs))} sec")
            return True
        if cid == mi.CONDITION_DELAY:
            self._condition_start, self._condition_value = c.t, cmd.value("param1")
            return True
        if cid == mi.CONDITION_DISTANCE:
            self._condition_value = cmd.value("param1")
            return True
        if cid == mi.CONDITION_YAW:
            c.yaw_hold = math.radians(cmd.value("param1"))
            return True
        if cid == mi.DO_CHANGE_SPEED:
            speed = cmd.value("param2")
            if speed > 0:
                self.set_speed(int(cmd.value("param1")), speed)
            return True
        if cid == mi.DO_SET_HOME:
            if cmd.p1 == 1 or (cmd.lat == 0 and cmd.lng == 0 and cmd.alt_cm == 0):
                c.set_home_here(lock=False)
            else:
                c.set_home_from_cmd(cmd)
            return True
        if cid == mi.DO_FENCE_ENABLE:
            c.fence.enable(cmd.p1 != 0)
            c.text(INFO, "Fence Enabled" if cmd.p1 else "Fence Disabled")
            return True
        if cid in (mi.DO_SET_ROI, mi.DO_MOUNT_CONTROL, mi.DO_GUIDED_LIMITS, mi.DO_LAND_START) or cid in _LIBRARY_VERIFIED:
            return True
        return False

    def _verify_cmd(self, index: int, cmd: mi.MissionCommand) -> bool:
        c = self.c
        if cmd.id in _LIBRARY_VERIFIED:
            return True
        if c.mode is not self:
            return False
        done = self._verify(index, cmd)
        if done:
            c.reached(index)
        return done

    def _verify(self, index: int, cmd: mi.MissionCommand) -> bool:
        c = self.c
        nav = c.nav
        cid = cmd.id
        if cid == mi.TAKEOFF:
            return self.submode == "takeoff" and nav.kind == 2 and nav.reached
        if cid in (mi.WAYPOINT, mi.SPLINE_WAYPOINT, mi.LOITER_TIME):
            if nav.kind != 1 or not nav.reached:
                return False
            if self._loiter_time == 0.0:
                self._loiter_time = c.t
            if c.t - self._loiter_time >= self._loiter_time_max:
                c.text(INFO, f"Reached command #{index}")
                return True
            return False
        if cid == mi.LOITER_UNLIM:
            return False
        if cid == mi.LOITER_TURNS:
            if self.submode == "circle_edge":
                if nav.reached:
                    self._circle_start()
                return False
            turns = cmd.loiter_turns
            done = abs(nav.c_total) / (2.0 * math.pi)
            if int(done) != int(self._circle_last):
                self._circle_last = done
                c.text(INFO, f"Mission: starting circle {int(done) + 1}/{turns}")
            return done >= turns
        if cid == mi.RETURN_TO_LAUNCH:
            return self.rtl.complete and self.rtl.state in (RtlController.FINAL_DESCENT, RtlController.LANDING) \
                and (c.land_complete or self.rtl.state == RtlController.FINAL_DESCENT)
        if cid == mi.LAND:
            if nav.kind == 1:
                if nav.reached:
                    nav.descend(nav.tn, nav.te, c.position_ok())
                return False
            if c.land_complete and c.armed:
                c.disarm("landed")      # stop the mission on the LAND item, as ArduCopter does
            return False
        if cid == mi.NAV_DELAY:
            return c.t >= self._delay_until
        if cid == mi.CONDITION_DELAY:
            return c.t - self._condition_start > max(0.0, self._condition_value)
        if cid == mi.CONDITION_DISTANCE:
            return self.wp_distance() < max(0.0, self._condition_value)
        if cid == mi.CONDITION_YAW:
            return c.yaw_hold is None or abs((c.af.yaw - c.yaw_hold + math.pi) % (2 * math.pi) - math.pi) < math.radians(2)
        if cid in (mi.DO_CHANGE_SPEED, mi.DO_SET_HOME, mi.DO_SET_ROI, mi.DO_MOUNT_CONTROL, mi.DO_GUIDED_LIMITS,
                   mi.DO_FENCE_ENABLE, mi.DO_LAND_START):
            return True
        c.text(WARNING, f"Skipping invalid cmd #{cid}")
        return True

    def _mission_changed(self) -> None:
        """A new upload while flying: restart the current waypoint from the new mission, as ArduCopter does."""
        c = self.c
        self._mission_version = c.mission.change_count
        if self.runner.state != RUNNING or self.submode != "wp":
            return
        index = self.runner.nav_index
        if index is not None and index < len(c.mission) and self.runner.set_current(index):
            c.text(CRITICAL, "Auto mission changed, restarted command")
        else:
            c.text(CRITICAL, "Auto mission changed but failed to restart command")

    def _exit_mission(self) -> None:
        c = self.c
        if not c.land_complete:
            self.submode = "loiter"
            if not c.position_ok():
                c.set_mode(LAND, "mission end")
            else:
                self.hold_here()
        elif c.armed:
            c.disarm("mission exit")

    def _circle_start(self) -> None:
        c = self.c
        (cn, ce, calt), radius, ccw = self._circle
        n, e, _ = c.est()
        start = math.atan2(e - ce, n - cn)
        rate = abs(c.params["CIRCLE_RATE"])
        c.nav.circle(cn, ce, calt, radius, -rate if ccw else rate, start)
        self.submode = "circle"

    def _leg_origin(self) -> tuple[float, float, float]:
        c = self.c
        nav = c.nav
        if nav.kind == 1 and nav.reached:
            return nav.tn, nav.te, nav.talt
        if self.submode == "takeoff" and nav.kind == 2:
            return nav.tn, nav.te, nav.talt
        n, e, alt = c.est()
        return n, e, alt

    def _next_nav(self, index: int) -> mi.MissionCommand | None:
        for i in range(index + 1, len(self.c.mission)):
            cmd = self.c.mission.get(i)
            if cmd is None:
                return None
            if cmd.id == mi.DO_JUMP:
                return None
            if cmd.is_nav:
                return cmd
        return None

    def mission_state(self) -> int:
        """MISSION_STATE for MISSION_CURRENT: 1 none, 2 not started, 3 active, 4 paused, 5 complete."""
        if not self.c.mission.present:
            return 1
        if self.runner.state == COMPLETE:
            return 5
        if self._paused:
            return 4
        if self.runner.state == RUNNING:
            return 3
        return 2


def all_modes(copter: "Copter") -> dict[int, Mode]:
    auto = ModeAuto(copter)
    modes = [ModeStabilize(copter), ModeAltHold(copter), auto, ModeGuided(copter), ModeLoiter(copter),
             ModeRTL(copter), ModeCircle(copter), ModeLand(copter), ModePosHold(copter), ModeBrake(copter),
             ModeSmartRTL(copter)]
    return {m.number: m for m in modes}


NAMES = {STABILIZE: "STABILIZE", ACRO: "ACRO", ALT_HOLD: "ALT_HOLD", AUTO: "AUTO", GUIDED: "GUIDED",
         LOITER: "LOITER", RTL: "RTL", CIRCLE: "CIRCLE", LAND: "LAND", POSHOLD: "POSHOLD", BRAKE: "BRAKE",
         SMART_RTL: "SMART_RTL", AUTO_RTL: "AUTO_RTL"}
