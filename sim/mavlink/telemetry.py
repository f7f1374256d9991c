"""Telemetry messages built from the copter's state, fields in the dialect's definition order.

Each builder returns the message's fields, or None when ArduCopter would not send it now (no
LOCAL_POSITION_NED before the EKF has an origin, no FENCE_STATUS with the fence off, no
POSITION_TARGET_GLOBAL_INT without a target). Values follow ArduCopter's units and conventions
(AMSL millimetres, centi-degrees, NED velocities, VFR_HUD airspeed = ground speed on a copter
without an airspeed estimate).
"""
from __future__ import annotations

import math
from typing import Callable

from ..vehicle.copter import Copter
from ..vehicle.geo import wrap_pi
from ..vehicle.modes import AUTO, GUIDED, LAND, RTL

# MAV_SYS_STATUS_SENSOR bits
_GYRO, _ACCEL, _MAG, _BARO, _GPS = 1, 2, 4, 8, 32
_RATE, _ATT, _YAW, _Z, _XY, _MOTORS, _RC = 1024, 2048, 4096, 8192, 16384, 32768, 65536
_GYRO2, _ACCEL2, _MAG2, _FENCE, _AHRS, _TERRAIN, _LOGGING, _BATTERY, _PREARM = (
    131072, 262144, 524288, 1048576, 2097152, 4194304, 16777216, 33554432, 268435456)
_PRESENT = (_GYRO | _ACCEL | _MAG | _BARO | _GPS | _RATE | _ATT | _YAW | _Z | _XY | _MOTORS | _RC | _GYRO2 | _ACCEL2
            | _MAG2 | _AHRS | _TERRAIN | _LOGGING | _BATTERY | _PREARM)
# MAV_MODE_FLAG
_CUSTOM, _GUIDED_FLAG, _STABILIZE_FLAG, _MANUAL, _ARMED = 1, 8, 16, 64, 128
_POSITION_MODES = {AUTO, GUIDED, 5, RTL, 7, 16, 17, 21}
CAPABILITIES = 1 | 2 | 4 | 8 | 64 | 128 | 256 | 512 | 2048 | 4096 | 8192 | 16384 | 32768 | 131072
FLIGHT_SW_VERSION = (4 << 24) | (7 << 16) | (0 << 8) | 0          # 4.7.0, FIRMWARE_VERSION_TYPE_DEV
GIT_HASH = b"wpsim47d"
EARTH_MAG = (220.0, 0.0, 430.0)   # mGauss at Suzhou: north, east, down


def heartbeat(c: Copter) -> tuple:
    base = _CUSTOM | _STABILIZE_FLAG | _MANUAL
    if c.mode.number in _POSITION_MODES:
        base |= _GUIDED_FLAG
    if c.armed:
        base |= _ARMED
    if c.t < c.boot.initialised_s:
        status = 1           # BOOT
    elif c.any_failsafe():
        status = 5           # CRITICAL
    elif c.land_complete:
        status = 3           # STANDBY
    else:
        status = 4           # ACTIVE
    return 2, 3, base, c.mode.number, status, 3


def sys_status(c: Copter) -> tuple:
    present = _PRESENT | (_FENCE if c.fence.enabled else 0)
    enabled = present & ~(_MOTORS if not c.armed else 0)
    if c.mode.number not in _POSITION_MODES and c.mode.number != LAND:
        enabled &= ~_XY
    health = present
    if not c.gps.healthy:
        health &= ~_GPS
    if not c.ekf.started or (c.ekf.navigating and not c.ekf.aiding):
        health &= ~_AHRS
    if not c.prearm_ok or (c.ekf.navigating and not c.position_ok()):
        health &= ~_PREARM
    if c.battery_failsafe_level:
        health &= ~_BATTERY
    if c.fence.breaches:
        health &= ~_FENCE
    b = c.battery
    return (present, enabled, health, 120, int(b.voltage * 1000), int(b.current_a * 100), c.battery_remaining_pct(),
            0, 0, 0, 0, 0, 0, 0, 0, 0)


def power_status(c: Copter) -> tuple:
    return 5000, 0, 1


def meminfo(c: Copter) -> tuple:
    return 0, 65535, 131072


def mission_current(c: Copter) -> tuple:
    auto = c.modes[AUTO]
    total = max(0, len(c.mission) - 1)
    return auto.runner.current_nav_index(), total, auto.mission_state(), 1 if c.mode.number == AUTO else 0


def gps_raw_int(c: Copter) -> tuple:
    g = c.gps
    if not g.detected:
        return (0, 0, 0, 0, 0, 65535, 65535, 0, 65535, 0, 0, 0, 0, 0, 0, 0)
    lat, lon = c.geo.to_latlon(g.n, g.e)
    alt_mm = int((c.origin_amsl + g.alt) * 1000)
    speed = math.hypot(g.vn, g.ve)
    cog = int(math.degrees(math.atan2(g.ve, g.vn)) % 360.0 * 100) if speed > 0.1 else 0
    t_us = int((c.cfg.unix_start_s + c.t) * 1e6) if g.last_fix_s >= 0 else 0
    if g.fix_type < 3:
        return (t_us, g.fix_type, int(lat * 1e7), int(lon * 1e7), alt_mm, 9999, 9999, 0, 0, 0, alt_mm, 0, 0, 0, 0, 0)
    return (t_us, g.fix_type, int(lat * 1e7), int(lon * 1e7), alt_mm, 121, 200, int(speed * 100), cog, g.sats,
            alt_mm, 300, 500, 400, 0, 0)


def nav_controller_output(c: Copter) -> tuple | None:
    if c.t < c.boot.initialised_s:
        return None
    af = c.af
    tgt = c.mode.target()
    alt_err = (tgt[2] - c.est()[2]) if tgt else 0.0
    return (math.degrees(af.roll), math.degrees(af.pitch), int(math.degrees(af.yaw) % 360.0),
            int(c.mode.wp_bearing()), min(65535, int(c.mode.wp_distance())), alt_err, 0.0, 0.0)


def fence_status(c: Copter) -> tuple | None:
    f = c.fence
    if not f.enabled:
        return None
    return (1 if f.breaches else 0, f.breach_count, f.breach_type_for_status(), f.breach_time_ms, 0)


def position_target_global_int(c: Copter) -> tuple | None:
    tgt = c.mode.target()
    if tgt is None or not c.ekf.origin_set:
        return None
    lat, lon = c.geo.to_latlon(tgt[0], tgt[1])
    return (c.time_boot_ms(), 0, 0xFDF8, int(lat * 1e7), int(lon * 1e7), c.origin_amsl + tgt[2],
            0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)


def servo_output_raw(c: Copter) -> tuple:
    if c.armed:
        out = int(1000 + min(1000.0, 390.0 * c.af.thrust_ratio if c.af.thrust_ratio else 100.0))
    else:
        out = 1000
    t_us = int(c.t * 1e6) & 0xFFFFFFFF
    return (t_us, 0, out, out, out, out, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)


def rc_channels(c: Copter) -> tuple:
    chans = [c.rc_pwm(i) for i in range(1, 17)]
    return (c.time_boot_ms(), 16, *chans, 65535, 65535, 255)


def global_position_int(c: Copter) -> tuple:
    af = c.af
    hdg = int(math.degrees(af.yaw) % 360.0 * 100)
    if not c.ekf.origin_set:
        return (c.time_boot_ms(), 0, 0, 0, 0, 0, 0, 0, hdg)
    lat, lon, amsl, rel = c.est_global()
    return (c.time_boot_ms(), int(lat * 1e7), int(lon * 1e7), int(amsl * 1000), int(rel * 1000),
            int(af.vn * 100), int(af.ve * 100), int(-af.vu * 100), hdg)


def local_position_ned(c: Copter) -> tuple | None:
    if not c.ekf.origin_set:
        return None
    n, e, alt = c.est()
    af = c.af
    return c.time_boot_ms(), n, e, -alt, af.vn, af.ve, -af.vu


def attitude(c: Copter) -> tuple:
    af = c.af
    return c.time_boot_ms(), af.roll, af.pitch, wrap_pi(af.yaw), 0.0, 0.0, af.yaw_rate


def simstate(c: Copter) -> tuple:
    af = c.af
    lat, lon = c.geo.to_latlon(af.n, af.e)
    return (af.roll, af.pitch, wrap_pi(af.yaw), af.an, af.ae, -(af.au + 9.80665), 0.0, 0.0, af.yaw_rate,
            int(lat * 1e7), int(lon * 1e7))


def ahrs2(c: Copter) -> tuple:
    af = c.af
    lat, lon, amsl, _ = c.est_global()
    return af.roll, af.pitch, wrap_pi(af.yaw), amsl, int(lat * 1e7), int(lon * 1e7)


def vfr_hud(c: Copter) -> tuple:
    af = c.af
    gs = math.hypot(af.vn, af.ve)
    throttle = int(min(100.0, 39.0 * af.thrust_ratio)) if c.armed and not c.land_complete else 0
    _, _, amsl, _ = c.est_global()
    return gs, gs, int(math.degrees(af.yaw) % 360.0), throttle, amsl, af.vu


def ahrs(c: Copter) -> tuple:
    return 0.0, 0.0, 0.0, 0.0, 0.0, 0.002, 0.01


def system_time(c: Copter) -> tuple:
    unix_us = int((c.cfg.unix_start_s + c.t) * 1e6) if c.gps.last_fix_s >= 0 else 0
    return unix_us, c.time_boot_ms()


def battery_status(c: Copter) -> tuple:
    b = c.battery
    mv = b.voltage * 1000.0
    cells = []
    for _ in range(10):
        cells.append(65535 if mv < 0.001 else int(min(mv, 65534.0)))
        mv -= 65534.0
    state = {0: 1, 1: 2, 2: 3}[c.battery_failsafe_level]
    return (0, 0, 0, 32767, cells, int(b.current_a * 100), int(b.consumed_mah), int(b.consumed_wh * 36),
            c.battery_remaining_pct(), 0, state, [0, 0, 0, 0], 0, 0)


def ekf_status_report(c: Copter) -> tuple:
    vel, pos, hgt, mag = c.ekf.variances(c.t)
    return c.ekf.flags(), vel, pos, hgt, mag, 0.0, 0.0


def vibration(c: Copter) -> tuple:
    level = 0.02 + (0.01 * c.af.thrust_ratio if c.armed else 0.0)
    return int(c.t * 1e6), level, level, level * 1.5, 0, 0, 0


def _imu(c: Copter) -> tuple[int, int, int, int, int, int, int, int, int]:
    af = c.af
    cy, sy = math.cos(af.yaw), math.sin(af.yaw)
    fwd = af.an * cy + af.ae * sy
    right = -af.an * sy + af.ae * cy
    g = 9.80665
    acc = (int(fwd / g * 1000), int(right / g * 1000), int(-(g + af.au) / g * 1000))
    mn, me, md = EARTH_MAG
    mag = (int(mn * cy + me * sy), int(-mn * sy + me * cy), int(md))
    return (*acc, 0, 0, int(af.yaw_rate * 1000), *mag)


def raw_imu(c: Copter) -> tuple:
    return (int(c.t * 1e6), *_imu(c), 0, 4500)


def scaled_imu2(c: Copter) -> tuple:
    return (c.time_boot_ms(), *_imu(c), 4500)


def scaled_pressure(c: Copter) -> tuple:
    amsl = c.origin_amsl + c.af.alt
    press = 1013.25 * (1.0 - 2.25577e-5 * amsl) ** 5.25588
    return c.time_boot_ms(), press, 0.0, 2600, 0


def home_position(c: Copter) -> tuple | None:
    if not c.home_set:
        return None
    lat, lon, amsl = c.home_global()
    return (int(lat * 1e7), int(lon * 1e7), int(amsl * 1000), c.home_n, c.home_e, -c.home_alt,
            [1.0, 0.0, 0.0, 0.0], 0.0, 0.0, 0.0, int(c.t * 1e6))


def gps_global_origin(c: Copter) -> tuple | None:
    if not c.ekf.origin_set:
        return None
    lat, lon = c.geo.to_latlon(0.0, 0.0)
    return int(lat * 1e7), int(lon * 1e7), int(c.origin_amsl * 1000), int(c.t * 1e6)


def extended_sys_state(c: Copter) -> tuple:
    if c.land_complete:
        landed = 1
    elif c.mode.is_landing():
        landed = 4
    elif c.mode.is_taking_off():
        landed = 3
    else:
        landed = 2
    return 0, landed


def autopilot_version(c: Copter) -> tuple:
    uid = 0x5750000000000000 | c.sysid
    return (CAPABILITIES, FLIGHT_SW_VERSION, 0, 0, 0, list(GIT_HASH), [0] * 8, [0] * 8, 0x1209, 0x5740, uid, [0] * 18)


BUILDERS: dict[int, Callable[[Copter], tuple | None]] = {
    0: heartbeat, 1: sys_status, 125: power_status, 152: meminfo, 42: mission_current, 24: gps_raw_int,
    62: nav_controller_output, 162: fence_status, 87: position_target_global_int, 36: servo_output_raw,
    65: rc_channels, 33: global_position_int, 32: local_position_ned, 30: attitude, 164: simstate, 178: ahrs2,
    74: vfr_hud, 163: ahrs, 2: system_time, 147: battery_status, 193: ekf_status_report, 241: vibration,
    27: raw_imu, 116: scaled_imu2, 29: scaled_pressure, 242: home_position, 49: gps_global_origin,
    245: extended_sys_state, 148: autopilot_version,
}
