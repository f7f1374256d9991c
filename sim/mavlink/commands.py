"""COMMAND_LONG and COMMAND_INT, answered with COMMAND_ACK the way ArduCopter answers them.

Results follow GCS_Common.cpp / GCS_MAVLink_Copter.cpp: ACCEPTED, FAILED when the vehicle
refuses (arming checks, a mode it cannot enter now), DENIED for bad parameters, UNSUPPORTED for
commands ArduCopter does not handle. Anything a command makes the vehicle say (an "Arm: ..."
STATUSTEXT) goes out through the copter's outbox.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

from ..vehicle import modes
from .telemetry import BUILDERS

if TYPE_CHECKING:
    from .gcs import Channel, VehicleMavlink

ACCEPTED, TEMPORARILY_REJECTED, DENIED, UNSUPPORTED, FAILED = 0, 1, 2, 3, 4
COMMAND_ACK = 77
FORCE_MAGIC = 21196
CMD_NAV_WAYPOINT, CMD_LOITER_UNLIM, CMD_RTL, CMD_LAND, CMD_TAKEOFF = 16, 17, 20, 21, 22
CMD_CONDITION_YAW, CMD_DO_SET_MODE, CMD_DO_CHANGE_SPEED, CMD_DO_SET_HOME = 115, 176, 178, 179
CMD_DO_SET_RELAY, CMD_DO_SET_SERVO, CMD_DO_FLIGHTTERMINATION, CMD_DO_REPOSITION = 181, 183, 185, 192
CMD_DO_PAUSE_CONTINUE, CMD_DO_FENCE_ENABLE, CMD_DO_SET_MISSION_CURRENT = 193, 207, 224
CMD_PREFLIGHT_CALIBRATION, CMD_REBOOT, CMD_MISSION_START, CMD_ARM_DISARM = 241, 246, 300, 400
CMD_GET_HOME_POSITION, CMD_GET_MESSAGE_INTERVAL, CMD_SET_MESSAGE_INTERVAL = 410, 510, 511
CMD_REQUEST_MESSAGE, CMD_REQUEST_AUTOPILOT_CAPABILITIES = 512, 520
CMD_BATTERY_RESET = 42651  # ardupilotmega: a battery swap without a reboot (AP_BattMonitor::reset_remaining_mask)
MSG_HOME_POSITION, MSG_AUTOPILOT_VERSION, MSG_MESSAGE_INTERVAL, MSG_MISSION_CURRENT = 242, 148, 244, 42
# messages SET_MESSAGE_INTERVAL / REQUEST_MESSAGE can name (those the simulator produces)
SCHEDULABLE = frozenset(BUILDERS)


class Command:
    """COMMAND_LONG or COMMAND_INT normalised: params 1-4, x/y as degrees * 1e7 ints, z, frame."""

    __slots__ = ("command", "p1", "p2", "p3", "p4", "x", "y", "z", "frame", "is_int", "confirmation")

    def __init__(self, msg, is_int: bool):
        self.command = int(msg.command)
        self.p1, self.p2, self.p3, self.p4 = (float(msg.param1), float(msg.param2), float(msg.param3),
                                              float(msg.param4))
        self.is_int = is_int
        if is_int:
            self.x, self.y, self.z, self.frame = int(msg.x), int(msg.y), float(msg.z), int(msg.frame)
            self.confirmation = 0
        else:
            p5, p6 = float(msg.param5), float(msg.param6)
            self.x = int(p5 * 1e7) if math.isfinite(p5) and abs(p5) < 214 else 2 ** 31 - 1
            self.y = int(p6 * 1e7) if math.isfinite(p6) and abs(p6) < 214 else 2 ** 31 - 1
            self.z = float(msg.param7)
            self.frame = 3 if self.command == CMD_TAKEOFF else 0   # mav_frame_for_command_long
            self.confirmation = int(msg.confirmation)


def handle(vm: "VehicleMavlink", ch: "Channel", msg, is_int: bool) -> None:
    cmd = Command(msg, is_int)
    follow: list = []
    try:
        result = _dispatch(vm, ch, cmd, follow)
    except (ValueError, OverflowError):      # a parameter no conversion can swallow
        result = DENIED
    ch.send(COMMAND_ACK, (cmd.command, result, 0, 0, msg.get_srcSystem(), msg.get_srcComponent()), droppable=False)
    for fn in follow:
        fn()


def _location(vm: "VehicleMavlink", cmd: Command) -> tuple[float, float, float] | None:
    """(north, east, alt) in the local frame from a command's x/y/z and frame; None if invalid."""
    c = vm.copter
    if not (-900000000 <= cmd.x <= 900000000 and -1800000000 <= cmd.y <= 1800000000) or not math.isfinite(cmd.z):
        return None
    n, e = c.geo.to_ne(cmd.x * 1e-7, cmd.y * 1e-7)
    if cmd.frame in (0, 5):
        alt = cmd.z - c.origin_amsl
    elif cmd.frame in (3, 6, 10, 11):
        alt = c.home_alt + cmd.z
    else:
        return None
    return n, e, alt


def _dispatch(vm: "VehicleMavlink", ch: "Channel", cmd: Command, follow: list) -> int:
    c = vm.copter
    k = cmd.command
    if k == CMD_ARM_DISARM:
        if cmd.p1 == 1.0:
            return ACCEPTED if c.arm(from_gcs=True, force=cmd.p2 == FORCE_MAGIC) else FAILED
        if cmd.p1 == 0.0:
            if not c.armed:
                return ACCEPTED
            if cmd.p2 != FORCE_MAGIC and not c.land_complete:
                return FAILED
            c.disarm("gcs", force=True)
            return ACCEPTED
        return UNSUPPORTED
    if k == CMD_BATTERY_RESET:
        if not (math.isfinite(cmd.p1) and math.isfinite(cmd.p2)) or not 0.0 <= cmd.p2 <= 100.0:
            return DENIED
        if not int(cmd.p1) & 1:
            return FAILED  # one battery: instance 0 is the only one to reset
        c.reset_battery(cmd.p2)
        return ACCEPTED
    if k == CMD_DO_SET_MODE:
        if not math.isfinite(cmd.p1) or not math.isfinite(cmd.p2):
            return DENIED
        if int(cmd.p1) & 1:
            return ACCEPTED if c.set_mode(int(cmd.p2), "gcs") else FAILED
        return DENIED
    if k == CMD_TAKEOFF:
        if cmd.frame not in (3, 6):
            return DENIED
        if not math.isfinite(cmd.z):
            return FAILED
        return ACCEPTED if c.user_takeoff(cmd.z, must_navigate=cmd.p3 == 0.0) else FAILED
    if k == CMD_RTL:
        return ACCEPTED if c.set_mode(modes.RTL, "gcs") else FAILED
    if k == CMD_LAND:
        return ACCEPTED if c.set_mode(modes.LAND, "gcs") else FAILED
    if k == CMD_LOITER_UNLIM:
        return ACCEPTED if c.set_mode(modes.LOITER, "gcs") else FAILED
    if k == CMD_DO_CHANGE_SPEED:
        if not (math.isfinite(cmd.p2) and cmd.p2 > 0):
            return DENIED
        kind = int(cmd.p1) if math.isfinite(cmd.p1) else -1
        if kind == 4:
            return DENIED
        return ACCEPTED if c.change_speed(kind, cmd.p2) else FAILED
    if k == CMD_DO_SET_HOME:
        if cmd.p1 == 1.0 or (cmd.x == 0 and cmd.y == 0):
            if not c.ekf.navigating or not c.set_home_here(lock=True):
                return FAILED
            follow.append(vm.announce_home)
            return ACCEPTED
        if cmd.p1 != 0.0:
            return FAILED
        if not (-900000000 <= cmd.x <= 900000000 and -1800000000 <= cmd.y <= 1800000000) or not math.isfinite(cmd.z):
            return DENIED
        alt = cmd.z if cmd.frame in (0, 5) else c.origin_amsl + c.home_alt + cmd.z
        if not c.set_home(cmd.x * 1e-7, cmd.y * 1e-7, alt, lock=True):
            return FAILED
        follow.append(vm.announce_home)
        return ACCEPTED
    if k in (CMD_REQUEST_MESSAGE, CMD_REQUEST_AUTOPILOT_CAPABILITIES, CMD_GET_HOME_POSITION):
        msgid = {CMD_REQUEST_AUTOPILOT_CAPABILITIES: MSG_AUTOPILOT_VERSION,
                 CMD_GET_HOME_POSITION: MSG_HOME_POSITION}.get(k)
        if msgid is None:
            if not math.isfinite(cmd.p1):
                return FAILED
            msgid = int(cmd.p1)
        if k == CMD_REQUEST_AUTOPILOT_CAPABILITIES and cmd.p1 != 1.0:
            return FAILED
        if msgid not in SCHEDULABLE:
            return FAILED
        if k == CMD_GET_HOME_POSITION and not c.home_set:
            return FAILED
        follow.append(lambda: ch.send_now(msgid))
        return ACCEPTED
    if k == CMD_SET_MESSAGE_INTERVAL:
        if not (math.isfinite(cmd.p1) and math.isfinite(cmd.p2)):
            return DENIED
        msgid = int(cmd.p1)
        if msgid not in SCHEDULABLE:
            ch.text(6, f"No ap_message for mavlink id ({msgid})")
            return DENIED
        ch.schedule.set_interval(msgid, cmd.p2, c.t)
        return ACCEPTED
    if k == CMD_GET_MESSAGE_INTERVAL:
        msgid = int(cmd.p1) if math.isfinite(cmd.p1) else -1
        if msgid not in SCHEDULABLE:
            return DENIED
        interval = ch.schedule.interval_of(msgid)
        us = int(interval * 1e6) if interval > 0 else -1
        follow.append(lambda: ch.send(MSG_MESSAGE_INTERVAL, (msgid, us), droppable=False))
        return ACCEPTED
    if k == CMD_MISSION_START:
        if cmd.p1 != 0.0 or cmd.p2 != 0.0:
            return DENIED
        return ACCEPTED if c.mission_start() else FAILED
    if k == CMD_DO_SET_MISSION_CURRENT:
        if not math.isfinite(cmd.p1) or cmd.p1 < 0:
            return FAILED
        if cmd.p2 > 0.5:
            c.modes[modes.AUTO].runner.reset()
        if not c.set_mission_current(int(cmd.p1)):
            return FAILED
        follow.append(lambda: vm.broadcast_now(MSG_MISSION_CURRENT))
        return ACCEPTED
    if k == CMD_DO_FENCE_ENABLE:
        if cmd.p1 == 0.0:
            c.fence.enable(False)
        elif cmd.p1 == 1.0:
            c.fence.enable(True)
        elif cmd.p1 == 2.0:
            pass                    # floor fence: not modelled, nothing to disable
        else:
            return FAILED
        return ACCEPTED
    if k == CMD_DO_REPOSITION:
        change_modes = int(cmd.p2) & 1 if math.isfinite(cmd.p2) else 0
        if c.mode.number != modes.GUIDED and not change_modes:
            return DENIED
        loc = _location(vm, cmd)
        if loc is None:
            return DENIED
        if not c.fence_allows(*loc):
            return FAILED
        if c.mode.number != modes.GUIDED and not c.set_mode(modes.GUIDED, "gcs"):
            return FAILED
        return ACCEPTED if c.guided_goto(*loc) else FAILED
    if k == CMD_DO_PAUSE_CONTINUE:
        if cmd.p1 == 0.0:
            if c.mode.pause():
                return ACCEPTED
            ch.text(6, "Failed to pause")
            return FAILED
        if cmd.p1 == 1.0:
            if c.mode.resume():
                return ACCEPTED
            ch.text(6, "Failed to resume")
            return FAILED
        return DENIED
    if k == CMD_CONDITION_YAW:
        if 0.0 <= cmd.p1 <= 360.0 and cmd.p4 in (0.0, 1.0):
            base = c.af.yaw if cmd.p4 == 1.0 else 0.0
            direction = -1.0 if cmd.p3 < 0 else 1.0
            c.yaw_hold = (base + direction * math.radians(cmd.p1)) % (2 * math.pi) if cmd.p4 else math.radians(cmd.p1)
            return ACCEPTED
        return FAILED
    if k == CMD_REBOOT:
        if cmd.p1 == 1.0:
            if c.armed:
                return FAILED
            follow.append(vm.reboot)
            return ACCEPTED
        if cmd.p1 == 0.0:
            return ACCEPTED
        return UNSUPPORTED
    if k == CMD_PREFLIGHT_CALIBRATION:
        return FAILED if c.armed else ACCEPTED
    if k in (CMD_DO_SET_RELAY, CMD_DO_SET_SERVO):
        return ACCEPTED
    if k == CMD_DO_FLIGHTTERMINATION:
        if cmd.p1 > 0.5:
            c.disarm("terminate", force=True)
            return ACCEPTED
        return FAILED
    return UNSUPPORTED
