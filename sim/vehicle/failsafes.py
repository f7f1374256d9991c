"""ArduCopter's failsafes as configured by its parameters: battery, GCS heartbeat, EKF, fence.

Each check runs at the rate ArduCopter runs it (GCS 3 Hz, battery/EKF 10 Hz, fence 25 Hz) and
acts as events.cpp / fence.cpp / ekf_check.cpp do: disarm when landed, otherwise the configured
action (RTL, LAND, SmartRTL falling back to RTL, Brake...), with FS_OPTIONS exceptions, and the
same STATUSTEXTs ("GCS Failsafe", "Battery 1 is low 10.43V used 2340 mAh", "Circle fence breached",
"EKF variance").
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from .boot import CRITICAL, NOTICE, WARNING
from .fence import GIVE_UP_DISTANCE_M, fence_names
from .modes import AUTO, BRAKE, LAND, RTL, SMART_RTL

if TYPE_CHECKING:
    from .copter import Copter

# FailsafeAction (ArduCopter): also the values of BATT_FS_*_ACT
ACT_NONE, ACT_LAND, ACT_RTL, ACT_SMARTRTL, ACT_SMARTRTL_LAND, ACT_TERMINATE, ACT_AUTO_LAND_START, ACT_BRAKE_LAND = range(8)
# FS_OPTIONS bits
OPT_RC_CONTINUE_IF_AUTO, OPT_GCS_CONTINUE_IF_AUTO, OPT_RC_CONTINUE_IF_GUIDED = 1, 2, 4
OPT_CONTINUE_IF_LANDING, OPT_GCS_CONTINUE_IF_PILOT_CONTROL = 8, 16
EKF_CHECK_ITERATIONS = 10
LOW, CRITICAL_LEVEL = 1, 2


def should_disarm_on_failsafe(c: "Copter") -> bool:
    if c.mode.number in (0, 1):
        return c.throttle_in() <= 0 or c.land_complete
    if c.mode.number == AUTO:
        return not c.auto_armed and c.land_complete
    return c.land_complete


def announce(c: "Copter", kind: str, action: str | None = None) -> None:
    c.text(WARNING, f"{kind} Failsafe - {action}" if action else f"{kind} Failsafe")


def land_with_pause(c: "Copter", reason: str) -> None:
    if c.set_mode(LAND, reason):
        c.modes[LAND].set_pause()


def rtl_or_land(c: "Copter", reason: str) -> None:
    if not c.set_mode(RTL, reason):
        land_with_pause(c, reason)


def do_action(c: "Copter", action: int, reason: str) -> None:
    if action == ACT_NONE:
        return
    if action == ACT_LAND:
        land_with_pause(c, reason)
    elif action == ACT_RTL:
        rtl_or_land(c, reason)
    elif action == ACT_SMARTRTL:
        if not c.set_mode(SMART_RTL, reason):
            c.text(WARNING, "SmartRTL Unavailable, Trying RTL Mode")
            rtl_or_land(c, reason)
    elif action == ACT_SMARTRTL_LAND:
        if not c.set_mode(SMART_RTL, reason):
            c.text(WARNING, "SmartRTL Unavailable, Using Land Mode")
            land_with_pause(c, reason)
    elif action == ACT_TERMINATE:
        c.disarm("terminate", force=True)
    elif action == ACT_AUTO_LAND_START:
        if not c.auto_rtl(reason):
            c.text(WARNING, "Trying RTL Mode")
            rtl_or_land(c, reason)
    elif action == ACT_BRAKE_LAND:
        if not c.set_mode(BRAKE, reason):
            c.text(WARNING, "Trying Land Mode")
            land_with_pause(c, reason)


def gcs_check(c: "Copter") -> None:
    """Copter::failsafe_gcs_check: heartbeats from MAV_GCS_SYSID, FS_GCS_TIMEOUT seconds."""
    p = c.params
    enable = int(p["FS_GCS_ENABLE"])
    if enable == 0 or c.gcs_last_seen is None:
        return
    since = c.t - c.gcs_last_seen
    timeout = max(0.0, p["FS_GCS_TIMEOUT"])
    if since < timeout:
        if c.failsafe_gcs:
            c.failsafe_gcs = False
            c.text(WARNING, "GCS Failsafe Cleared")
        return
    if c.failsafe_gcs:
        return
    c.failsafe_gcs = True
    c.rc_overrides.clear()
    action = {1: ACT_RTL, 2: ACT_RTL, 3: ACT_SMARTRTL, 4: ACT_SMARTRTL_LAND, 5: ACT_LAND,
              6: ACT_AUTO_LAND_START, 7: ACT_BRAKE_LAND}.get(enable, ACT_RTL)
    options = int(p["FS_OPTIONS"])
    if not c.armed:
        action = ACT_NONE
        announce(c, "GCS")
    elif should_disarm_on_failsafe(c):
        c.disarm("gcs failsafe")
        action = ACT_NONE
        announce(c, "GCS", "Disarming")
    elif c.mode.is_landing() and c.battery_failsafe_level and c.battery_failsafe_action in (ACT_LAND, ACT_TERMINATE):
        announce(c, "GCS + Battery", "Continuing Landing")
        action = ACT_LAND
    elif c.mode.is_landing() and options & OPT_CONTINUE_IF_LANDING:
        announce(c, "GCS", "Continuing Landing")
        action = ACT_LAND
    elif c.mode.number == AUTO and options & OPT_GCS_CONTINUE_IF_AUTO:
        announce(c, "GCS", "Continuing Auto Mode")
        action = ACT_NONE
    elif options & OPT_GCS_CONTINUE_IF_PILOT_CONTROL and not c.mode.is_autopilot:
        announce(c, "GCS", "Continuing Pilot Control")
        action = ACT_NONE
    else:
        announce(c, "GCS")
    if action == ACT_LAND and c.mode.number == LAND:
        return
    do_action(c, action, "gcs failsafe")


def battery_check(c: "Copter") -> None:
    """AP_BattMonitor::check_failsafes + Copter::handle_battery_failsafe."""
    p = c.params
    b = c.battery
    t = c.t
    volt = b.resting_voltage() if int(p["BATT_FS_VOLTSRC"]) == 1 else b.voltage
    remaining = c.battery_remaining_mah()
    timer = p["BATT_LOW_TIMER"]

    def timed(key: str, condition: bool) -> bool:
        if not condition:
            c.batt_timers[key] = None
            return False
        if c.batt_timers.get(key) is None:
            c.batt_timers[key] = t
            return False
        return timer > 0 and t - c.batt_timers[key] > timer

    crit_v, low_v = p["BATT_CRT_VOLT"], p["BATT_LOW_VOLT"]
    level = 0
    if timed("crit", volt > 0 and crit_v > 0 and volt < crit_v) or (p["BATT_CRT_MAH"] > 0 and remaining < p["BATT_CRT_MAH"]):
        level = CRITICAL_LEVEL
    elif timed("low", volt > 0 and low_v > 0 and volt < low_v) or (p["BATT_LOW_MAH"] > 0 and remaining < p["BATT_LOW_MAH"]):
        level = LOW
    if not c.armed or level <= c.battery_failsafe_level:
        return
    c.battery_failsafe_level = level
    kind = "critical" if level == CRITICAL_LEVEL else "low"
    action = int(p["BATT_FS_CRT_ACT"] if level == CRITICAL_LEVEL else p["BATT_FS_LOW_ACT"])
    c.text(WARNING, f"Battery 1 is {kind} {b.voltage:.2f}V used {b.consumed_mah:.0f} mAh")
    priorities = (ACT_TERMINATE, ACT_LAND, ACT_RTL, ACT_SMARTRTL_LAND, ACT_SMARTRTL, ACT_NONE)
    prio = priorities.index(action) if action in priorities else len(priorities)
    if prio > c.battery_failsafe_priority:
        return
    c.battery_failsafe_priority = prio
    c.battery_failsafe_action = action
    if should_disarm_on_failsafe(c):
        c.disarm("battery failsafe")
        announce(c, "Battery", "Disarming")
        return
    if c.mode.is_landing() and int(p["FS_OPTIONS"]) & OPT_CONTINUE_IF_LANDING and action != ACT_NONE:
        announce(c, "Battery", "Continuing Landing")
        action = ACT_LAND
    else:
        announce(c, "Battery")
    if action == ACT_LAND and c.mode.number == LAND:
        return
    do_action(c, action, "battery failsafe")


def ekf_check(c: "Copter") -> None:
    """Copter::ekf_check at 10 Hz: two variances over FS_EKF_THRESH, or no position, for 1 s."""
    p = c.params
    thresh = p["FS_EKF_THRESH"]
    if not c.ekf.origin_set:
        return
    if not c.armed or thresh <= 0:
        c.ekf_fail_count = 0
        c.failsafe_ekf = False
        return
    vel, pos, _hgt, mag = c.ekf.variances(c.t)
    over = sum(v >= thresh for v in (vel, pos, mag)) >= 2 or not c.position_ok()
    if over:
        if c.ekf_fail_count < EKF_CHECK_ITERATIONS:
            c.ekf_fail_count += 1
            if c.ekf_fail_count == EKF_CHECK_ITERATIONS:
                c.text(CRITICAL, "EKF variance")
                _ekf_failsafe(c)
    elif c.ekf_fail_count > 0:
        c.ekf_fail_count -= 1
        if c.ekf_fail_count == 0:
            c.failsafe_ekf = False


def _ekf_failsafe(c: "Copter") -> None:
    if c.failsafe_ekf:
        return
    c.failsafe_ekf = True
    if c.mode.number == LAND:
        return
    action = int(c.params["FS_EKF_ACTION"])
    if not c.mode.requires_gps and action != 3:
        return
    if action == 2:
        if not c.set_mode(2, "ekf failsafe"):
            land_with_pause(c, "ekf failsafe")
    else:
        land_with_pause(c, "ekf failsafe")


def gps_glitch_check(c: "Copter") -> None:
    glitching = c.ekf.glitching
    if glitching != c.gps_glitching:
        c.gps_glitching = glitching
        c.text(CRITICAL, "GPS Glitch or Compass error" if glitching else "Glitch cleared")


def fence_check(c: "Copter") -> None:
    """Copter::fence_check at 25 Hz."""
    fence = c.fence
    if not fence.enabled and not fence.breaches:
        return
    n, e, alt = c.est()
    before = fence.breaches
    new = fence.check(n - c.home_n, e - c.home_e, alt - c.home_alt, n, e, c.time_boot_ms())
    if not new and before and not fence.breaches and not c.land_complete:
        c.text(NOTICE, "Fence breach cleared")
    if not c.armed or not new:
        return
    if not c.land_complete:
        c.text(NOTICE, f"{fence_names(new)} breached")
    action = int(c.params["FENCE_ACTION"])
    if action == 0:
        return
    if c.land_complete:
        c.disarm("fence breach")
        return
    if fence.breach_distance > GIVE_UP_DISTANCE_M:
        c.set_mode(LAND, "fence breach")
    elif action == 2:
        c.set_mode(LAND, "fence breach")
    elif action == 3:
        if not c.set_mode(SMART_RTL, "fence breach") and not c.set_mode(RTL, "fence breach"):
            c.set_mode(LAND, "fence breach")
    elif action == 4:
        if not c.set_mode(BRAKE, "fence breach"):
            c.set_mode(LAND, "fence breach")
    elif action == 5:
        if not c.set_mode(SMART_RTL, "fence breach"):
            c.set_mode(LAND, "fence breach")
    else:
        if not c.set_mode(RTL, "fence breach"):
            c.set_mode(LAND, "fence breach")


def auto_disarm_check(c: "Copter") -> None:
    """Copter::auto_disarm_check: landed with the throttle down for DISARM_DELAY seconds."""
    delay = c.params["DISARM_DELAY"]
    if not c.armed or delay <= 0:
        c.auto_disarm_begin = c.t
        return
    thr_low = c.throttle_in() <= 0
    if not (thr_low and c.land_complete) or c.climbing_requested:
        c.auto_disarm_begin = c.t
        return
    if c.t - c.auto_disarm_begin >= delay:
        c.disarm("disarm delay")
