"""A mission item as ArduPilot stores it, and the conversions both ways (AP_Mission semantics).

ArduPilot does not keep what a ground station uploads: it packs each item into 15 bytes (a
location as int32 lat/lon and a 24-bit altitude in centimetres, or a few typed fields), and a
download rebuilds MISSION_ITEM(_INT)s from that. So a waypoint's acceptance radius comes back 0,
LOITER_TURNS radius over 255 m comes back rounded to tens of metres, and a NaN or an
out-of-range latitude is refused with the MAV_MISSION_RESULT ArduPilot gives. Item 0 is always
home. These functions reproduce that, so a controller that verifies its upload by reading it
back sees what it would see on the real vehicle.
"""
from __future__ import annotations

import math
import struct
from dataclasses import dataclass, field

# MAV_MISSION_RESULT
ACCEPTED, ERROR, UNSUPPORTED_FRAME, UNSUPPORTED, NO_SPACE, INVALID = 0, 1, 2, 3, 4, 5
INVALID_PARAM1, INVALID_PARAM2, INVALID_PARAM3, INVALID_PARAM4 = 6, 7, 8, 9
INVALID_PARAM5_X, INVALID_PARAM6_Y, INVALID_PARAM7 = 10, 11, 12
INVALID_SEQUENCE, DENIED, OPERATION_CANCELLED = 13, 14, 15

# MAV_FRAME
FRAME_GLOBAL, FRAME_MISSION, FRAME_RELATIVE, FRAME_GLOBAL_INT, FRAME_RELATIVE_INT = 0, 2, 3, 5, 6
FRAME_TERRAIN, FRAME_TERRAIN_INT = 10, 11

# MAV_CMD ids the copter stores
WAYPOINT, LOITER_UNLIM, LOITER_TURNS, LOITER_TIME, RETURN_TO_LAUNCH, LAND, TAKEOFF = 16, 17, 18, 19, 20, 21, 22
CONTINUE_AND_CHANGE_ALT, LOITER_TO_ALT, SPLINE_WAYPOINT, GUIDED_ENABLE, NAV_DELAY = 30, 31, 82, 92, 93
CONDITION_DELAY, CONDITION_DISTANCE, CONDITION_YAW = 112, 114, 115
DO_SET_MODE, DO_JUMP, DO_CHANGE_SPEED, DO_SET_HOME = 176, 177, 178, 179
DO_SET_RELAY, DO_REPEAT_RELAY, DO_SET_SERVO, DO_REPEAT_SERVO = 181, 182, 183, 184
DO_LAND_START, DO_GO_AROUND, DO_SET_ROI = 189, 191, 201
DO_DIGICAM_CONFIGURE, DO_DIGICAM_CONTROL, DO_MOUNT_CONTROL, DO_SET_CAM_TRIGG_DIST = 202, 203, 205, 206
DO_FENCE_ENABLE, DO_PARACHUTE, DO_GRIPPER, DO_GUIDED_LIMITS = 207, 208, 211, 222
NAV_LAST = 95   # MAV_CMD_NAV_LAST: ids at or below are navigation commands

LOCATION_ALT_MAX_M = 83000
AP_MISSION_JUMP_REPEAT_FOREVER = -1

# Commands whose content is a location (AP_Mission::stored_in_location)
_LOCATION_CMDS = {WAYPOINT, LOITER_UNLIM, LOITER_TURNS, LOITER_TIME, LAND, TAKEOFF, CONTINUE_AND_CHANGE_ALT,
                  LOITER_TO_ALT, SPLINE_WAYPOINT, GUIDED_ENABLE, DO_SET_HOME, DO_LAND_START, DO_GO_AROUND, DO_SET_ROI}

# Non-location commands: which MAVLink params are stored, in which C type (x, y, z where used)
_PACKED: dict[int, tuple[tuple[str, str], ...]] = {
    RETURN_TO_LAUNCH: (),
    NAV_DELAY: (("param1", "f"), ("param2", "B"), ("param3", "B"), ("param4", "B")),
    CONDITION_DELAY: (("param1", "f"),),
    CONDITION_DISTANCE: (("param1", "f"),),
    CONDITION_YAW: (("param1", "f"), ("param2", "f"), ("param3", "b"), ("param4", "B")),
    DO_SET_MODE: (),
    DO_JUMP: (("param1", "H"), ("param2", "h")),
    DO_CHANGE_SPEED: (("param1", "B"), ("param2", "f"), ("param3", "f")),
    DO_SET_RELAY: (("param1", "B"), ("param2", "B")),
    DO_REPEAT_RELAY: (("param1", "B"), ("param2", "h"), ("param3", "f")),
    DO_SET_SERVO: (("param1", "H"), ("param2", "H")),
    DO_REPEAT_SERVO: (("param1", "H"), ("param2", "H"), ("param3", "h"), ("param4", "f")),
    DO_DIGICAM_CONFIGURE: (("param1", "B"), ("param2", "H"), ("param3", "B"), ("param4", "H"),
                           ("x", "B"), ("y", "B"), ("z", "f")),
    DO_DIGICAM_CONTROL: (("param1", "B"), ("param2", "B"), ("param3", "b"), ("param4", "B"), ("x", "B"), ("y", "B")),
    DO_MOUNT_CONTROL: (("param1", "f"), ("param2", "f"), ("param3", "f")),
    DO_SET_CAM_TRIGG_DIST: (("param1", "f"),),
    DO_FENCE_ENABLE: (),
    DO_PARACHUTE: (),
    DO_GRIPPER: (("param1", "B"), ("param2", "B")),
    DO_GUIDED_LIMITS: (("param2", "f"), ("param3", "f"), ("param4", "f")),
}
# Commands that keep param1 in the 16-bit p1 field
_P1_CMDS = {WAYPOINT, LAND, TAKEOFF, CONTINUE_AND_CHANGE_ALT, SPLINE_WAYPOINT, GUIDED_ENABLE, DO_SET_MODE,
            DO_SET_HOME, DO_SET_ROI, DO_FENCE_ENABLE, DO_PARACHUTE, DO_GUIDED_LIMITS, LOITER_TIME}

TYPE_NAMES = {
    WAYPOINT: "WP", SPLINE_WAYPOINT: "SplineWP", RETURN_TO_LAUNCH: "RTL", LOITER_UNLIM: "LoitUnlim",
    LOITER_TIME: "LoitTime", GUIDED_ENABLE: "GuidedEnable", LOITER_TURNS: "LoitTurns", LOITER_TO_ALT: "LoitAltitude",
    CONDITION_DELAY: "CondDelay", CONDITION_DISTANCE: "CondDist", DO_CHANGE_SPEED: "ChangeSpeed",
    DO_SET_HOME: "SetHome", DO_SET_SERVO: "SetServo", DO_SET_RELAY: "SetRelay", DO_REPEAT_SERVO: "RepeatServo",
    DO_REPEAT_RELAY: "RepeatRelay", DO_DIGICAM_CONFIGURE: "DigiCamCfg", DO_DIGICAM_CONTROL: "DigiCamCtrl",
    DO_SET_CAM_TRIGG_DIST: "SetCamTrigDst", DO_SET_ROI: "SetROI", DO_GUIDED_LIMITS: "GuidedLimits",
    TAKEOFF: "Takeoff", LAND: "Land", CONTINUE_AND_CHANGE_ALT: "ContinueAndChangeAlt", DO_FENCE_ENABLE: "FenceEnable",
    CONDITION_YAW: "CondYaw", DO_LAND_START: "LandStart", NAV_DELAY: "Delay", DO_GRIPPER: "Gripper",
    DO_PARACHUTE: "Parachute", DO_MOUNT_CONTROL: "MountControl", DO_JUMP: "Jump", DO_SET_MODE: "SetMode",
    DO_GO_AROUND: "GoAround",
}


@dataclass(frozen=True)
class MissionCommand:
    """One stored mission command (AP_Mission::Mission_Command)."""

    id: int
    p1: int = 0
    lat: int = 0            # 1e7 degrees
    lng: int = 0
    alt_cm: int = 0
    relative_alt: bool = False
    terrain_alt: bool = False
    loiter_ccw: bool = False
    loiter_xtrack: bool = False
    type_bits: int = 0
    packed: tuple = field(default_factory=tuple)   # typed values of non-location commands

    @property
    def is_nav(self) -> bool:
        return self.id <= NAV_LAST

    @property
    def has_location(self) -> bool:
        return self.id in _LOCATION_CMDS

    @property
    def alt_m(self) -> float:
        return self.alt_cm / 100.0

    def value(self, name: str) -> float:
        """A stored parameter of a non-location command, by its MAVLink name (param1..4, x, y, z)."""
        for (pname, _), v in zip(_PACKED.get(self.id, ()), self.packed):
            if pname == name:
                return v
        return 0.0

    @property
    def loiter_turns(self) -> int:
        return self.p1 & 0xFF

    @property
    def loiter_radius_m(self) -> float:
        r = (self.p1 >> 8) & 0xFF
        return r * 10.0 if self.type_bits & 1 else float(r)


def _c(value: float, ctype: str):
    """C's float -> type conversion as it happens on the autopilot (truncate, wrap into the type)."""
    if ctype == "f":
        return struct.unpack("<f", struct.pack("<f", value))[0] if math.isfinite(value) and abs(value) < 3.4e38 else value
    v = int(value) if math.isfinite(value) else 0
    bits = {"B": 8, "b": 8, "H": 16, "h": 16}[ctype]
    v &= (1 << bits) - 1
    if ctype in "bh" and v >= 1 << (bits - 1):
        v -= 1 << bits
    return v


def _sanity_check_params(cmd: int, params: tuple[float, float, float, float]) -> int:
    nan_ok = {WAYPOINT: 0b1000, LAND: 0b1000, TAKEOFF: 0b1000}.get(cmd, 0)
    for i, p in enumerate(params):
        if (math.isnan(p) and not nan_ok & (1 << i)) or math.isinf(p):
            return INVALID_PARAM1 + i
    return ACCEPTED


def from_mavlink(command: int, frame: int, params: tuple[float, float, float, float],
                 x: int, y: int, z: float) -> tuple[int, MissionCommand | None]:
    """MISSION_ITEM_INT fields (x, y as 1e7 degrees) -> (MAV_MISSION_RESULT, stored command)."""
    res = _sanity_check_params(command, params)
    if res != ACCEPTED:
        return res, None
    p1, p2, p3, p4 = params
    if command == 0:
        return INVALID, None
    if command not in _LOCATION_CMDS and command not in _PACKED:
        return UNSUPPORTED, None
    kw: dict = {"id": command}
    if command in _P1_CMDS:
        kw["p1"] = _c(0 if math.isnan(p1) else p1, "H")
    if command == LOITER_UNLIM:
        kw["p1"] = _c(abs(p3), "H")
        kw["loiter_ccw"] = p3 < 0
    elif command == LOITER_TURNS:
        turns = _c(p1, "H") & 0xFF
        radius = _c(abs(p3), "H")
        bits = 0
        if radius > 255:
            radius, bits = min(255, int(round(radius / 10.0))), 1
        kw.update(p1=(radius << 8) | turns, loiter_ccw=p3 < 0, loiter_xtrack=p4 > 0, type_bits=bits)
    elif command == LOITER_TIME:
        kw.update(loiter_ccw=p3 < 0, loiter_xtrack=p4 > 0)
    elif command == LOITER_TO_ALT:
        kw.update(p1=_c(abs(p2), "H"), loiter_ccw=p2 < 0, loiter_xtrack=p4 > 0)
    elif command == LAND:
        kw["loiter_ccw"] = (not math.isnan(p4)) and p4 < 0
    if command in _PACKED:
        src = {"param1": p1, "param2": p2, "param3": p3, "param4": p4, "x": x, "y": y, "z": z}
        kw["packed"] = tuple(_c(src[name], ctype) for name, ctype in _PACKED[command])
    if command in _LOCATION_CMDS:
        if not -900000000 <= x <= 900000000:
            return INVALID_PARAM5_X, None
        if not -1800000000 <= y <= 1800000000:
            return INVALID_PARAM6_Y, None
        if math.isnan(z) or abs(z) >= LOCATION_ALT_MAX_M:
            return INVALID_PARAM7, None
        if frame in (FRAME_MISSION, FRAME_GLOBAL, FRAME_GLOBAL_INT):
            rel, terrain = False, False
        elif frame in (FRAME_RELATIVE, FRAME_RELATIVE_INT):
            rel, terrain = True, False
        elif frame in (FRAME_TERRAIN, FRAME_TERRAIN_INT):
            rel, terrain = True, True
        else:
            return UNSUPPORTED_FRAME, None
        kw.update(lat=x, lng=y, alt_cm=int(z * 100.0), relative_alt=rel, terrain_alt=terrain)
    return ACCEPTED, MissionCommand(**kw)


def check_jump(cmd: MissionCommand, item_count: int, request_last: int) -> int:
    """The DO_JUMP sanity check ArduPilot applies on upload: a target in the mission, never item 0."""
    if cmd.id == DO_JUMP:
        target = cmd.packed[0]
        if (target >= item_count and target > request_last) or target == 0:
            return ERROR
    return ACCEPTED


@dataclass(frozen=True)
class MavItem:
    """What a download sends: MISSION_ITEM_INT fields (x, y as 1e7 degrees, z metres)."""

    seq: int
    frame: int
    command: int
    param1: float
    param2: float
    param3: float
    param4: float
    x: int
    y: int
    z: float


def to_mavlink(seq: int, cmd: MissionCommand) -> MavItem | None:
    """Stored command -> MISSION_ITEM_INT fields (AP_Mission::mission_cmd_to_mavlink_int)."""
    p = [0.0, 0.0, 0.0, 0.0]
    x = y = 0
    z = 0.0
    frame = FRAME_GLOBAL
    if cmd.id in _P1_CMDS:
        p[0] = float(cmd.p1)
    if cmd.id == LOITER_UNLIM:
        p[2] = -float(cmd.p1) if cmd.loiter_ccw else float(cmd.p1)
    elif cmd.id == LOITER_TURNS:
        p[0] = float(cmd.loiter_turns)
        p[2] = -cmd.loiter_radius_m if cmd.loiter_ccw else cmd.loiter_radius_m
        p[3] = float(cmd.loiter_xtrack)
    elif cmd.id == LOITER_TIME:
        p[2] = -1.0 if cmd.loiter_ccw else 1.0
        p[3] = float(cmd.loiter_xtrack)
    elif cmd.id == LOITER_TO_ALT:
        p[0] = 0.0
        p[1] = -float(cmd.p1) if cmd.loiter_ccw else float(cmd.p1)
        p[3] = float(cmd.loiter_xtrack)
    elif cmd.id == LAND:
        p[3] = -1.0 if cmd.loiter_ccw else 1.0
    if cmd.id in _PACKED:
        for (name, _), v in zip(_PACKED[cmd.id], cmd.packed):
            if name.startswith("param"):
                p[int(name[-1]) - 1] = float(v)
            elif name == "x":
                x = int(v)
            elif name == "y":
                y = int(v)
            else:
                z = float(v)
    if cmd.has_location:
        x, y, z = cmd.lat, cmd.lng, cmd.alt_cm / 100.0
        frame = FRAME_RELATIVE if cmd.relative_alt else FRAME_GLOBAL
        if cmd.terrain_alt:
            if not cmd.relative_alt:
                return None
            frame = FRAME_TERRAIN
    return MavItem(seq, frame, cmd.id, p[0], p[1], p[2], p[3], x, y, z)


def home_command(lat: float, lon: float, alt_amsl_m: float) -> MissionCommand:
    """Item 0 as every download returns it: a waypoint at home, absolute altitude."""
    return MissionCommand(WAYPOINT, lat=int(round(lat * 1e7)), lng=int(round(lon * 1e7)),
                          alt_cm=int(round(alt_amsl_m * 100)))
