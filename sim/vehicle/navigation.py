"""Where the copter goes and how fast: AC_WPNav, AC_PosControl and AC_Circle reduced to targets
that produce a velocity command every step.

Straight legs are flown toward a carrot on the track at up to the leg speed (WPNAV_SPEED or a
DO_CHANGE_SPEED override), slowing so it can stop at the destination with WPNAV_ACCEL (a
square-root controller, as ArduPilot's), or only to a corner speed when the next command is
another waypoint (ArduPilot's "fast waypoint": a straight continuation keeps full speed, a right
angle nearly stops). Climb and descent share the leg so both end together within
WPNAV_SPEED_UP / WPNAV_SPEED_DN. A waypoint counts as reached within WPNAV_RADIUS. Circles run
at CIRCLE_RATE, slowed to the speed and lateral acceleration the controller allows.
"""
from __future__ import annotations

import math

HOLD, WP, CLIMB, DESCEND, CIRCLE, VELOCITY, NONE = range(7)
POS_XY_P = 1.0     # PSC_POSXY_P
POS_Z_P = 1.0      # PSC_POSZ_P


class Limits:
    """The navigation parameters in SI units, refreshed from the parameter store on change."""

    __slots__ = ("speed", "speed_up", "speed_dn", "accel", "accel_z", "radius", "loiter_speed", "circle_rate")

    def __init__(self):
        self.speed, self.speed_up, self.speed_dn = 10.0, 2.5, 1.5
        self.accel, self.accel_z, self.radius = 2.5, 1.0, 2.0
        self.loiter_speed, self.circle_rate = 12.5, 20.0

    def load(self, p) -> None:
        self.speed = max(0.2, p["WPNAV_SPEED"] / 100.0)
        self.speed_up = max(0.1, p["WPNAV_SPEED_UP"] / 100.0)
        self.speed_dn = max(0.1, abs(p["WPNAV_SPEED_DN"]) / 100.0)
        self.accel = max(0.5, p["WPNAV_ACCEL"] / 100.0)
        self.accel_z = max(0.5, p["WPNAV_ACCEL_Z"] / 100.0)
        self.radius = max(0.05, p["WPNAV_RADIUS"] / 100.0)
        self.loiter_speed = max(0.2, p["LOIT_SPEED"] / 100.0)
        self.circle_rate = p["CIRCLE_RATE"]


def sqrt_speed(distance: float, accel: float, end_speed: float = 0.0) -> float:
    """The speed from which `accel` still brings the vehicle to end_speed over `distance`."""
    return math.sqrt(end_speed * end_speed + 2.0 * accel * max(0.0, distance))


class Navigator:
    def __init__(self, limits: Limits):
        self.lim = limits
        self.kind = NONE
        self.speed_override = 0.0        # DO_CHANGE_SPEED, 0: WPNAV_SPEED
        self.speed_up_override = 0.0
        self.speed_dn_override = 0.0
        # targets
        self.tn = self.te = self.talt = 0.0       # destination / hold point
        self.on = self.oe = self.oalt = 0.0       # leg origin
        self.leg_speed = 0.0
        self.end_speed = 0.0
        self._leg_len = 0.0
        self._un = self._ue = 0.0
        self.reached = False
        self.climb_rate = 0.0
        self.hold_xy = True
        self.cvn = self.cve = self.cvu = 0.0      # velocity target (VELOCITY)
        self.c_radius = 0.0
        self.c_rate = 0.0
        self.c_angle = 0.0
        self.c_total = 0.0
        self.yaw_target: float | None = None
        self.distance = 0.0
        self._bearing_n = self._bearing_e = 0.0

    # --- speeds -------------------------------------------------------------------------------
    @property
    def speed(self) -> float:
        return self.speed_override if self.speed_override > 0.0 else self.lim.speed

    @property
    def speed_up(self) -> float:
        return self.speed_up_override if self.speed_up_override > 0.0 else self.lim.speed_up

    @property
    def speed_dn(self) -> float:
        return self.speed_dn_override if self.speed_dn_override > 0.0 else self.lim.speed_dn

    def reset_overrides(self) -> None:
        self.speed_override = self.speed_up_override = self.speed_dn_override = 0.0

    # --- targets ------------------------------------------------------------------------------
    def stopping_point(self, n: float, e: float, vn: float, ve: float) -> tuple[float, float]:
        v = math.hypot(vn, ve)
        if v < 0.01:
            return n, e
        d = v * v / (2.0 * self.lim.accel)
        return n + vn / v * d, e + ve / v * d

    def hold(self, n: float, e: float, alt: float) -> None:
        self.kind, self.tn, self.te, self.talt, self.reached = HOLD, n, e, alt, True
        self.hold_xy = True

    def goto(self, origin: tuple[float, float, float], dest: tuple[float, float, float],
             next_dest: tuple[float, float] | None = None, speed: float | None = None) -> None:
        """A straight leg; next_dest (north, east) makes it a fast waypoint with a corner speed."""
        self.kind = WP
        self.on, self.oe, self.oalt = origin
        self.tn, self.te, self.talt = dest
        self.reached = False
        v = speed if speed else self.speed
        leg = math.hypot(self.tn - self.on, self.te - self.oe)
        self._leg_len = leg
        if leg > 0.01:
            self._un, self._ue = (self.tn - self.on) / leg, (self.te - self.oe) / leg
        dz = self.talt - self.oalt
        vz = self.speed_up if dz > 0 else self.speed_dn
        if abs(dz) > 0.01 and leg > 0.01:
            v = min(v, leg * vz / abs(dz))       # climb and track end together
        self.leg_speed = max(0.1, v)
        self.end_speed = 0.0
        if next_dest is not None and leg > 0.01:
            nn, ne = next_dest[0] - self.tn, next_dest[1] - self.te
            nlen = math.hypot(nn, ne)
            if nlen > 0.01:
                cos_turn = ((self.tn - self.on) * nn + (self.te - self.oe) * ne) / (leg * nlen)
                self.end_speed = self.leg_speed * math.sqrt(max(0.0, cos_turn))

    def climb_to(self, n: float, e: float, alt: float, rate: float) -> None:
        self.kind, self.tn, self.te, self.talt, self.climb_rate, self.reached = CLIMB, n, e, alt, rate, False
        self.hold_xy = True

    def descend(self, n: float, e: float, hold_xy: bool) -> None:
        self.kind, self.tn, self.te, self.reached = DESCEND, n, e, False
        self.hold_xy = hold_xy

    def velocity(self, vn: float, ve: float, vu: float) -> None:
        self.kind, self.cvn, self.cve, self.cvu = VELOCITY, vn, ve, vu

    def circle(self, cn: float, ce: float, alt: float, radius: float, rate_deg_s: float, start_angle: float) -> None:
        self.kind, self.tn, self.te, self.talt = CIRCLE, cn, ce, alt
        self.c_radius, self.c_rate, self.c_angle, self.c_total = max(0.0, radius), rate_deg_s, start_angle, 0.0

    def circle_angular_rate(self) -> float:
        """rad/s, signed (+ clockwise seen from above), limited as AC_Circle limits it."""
        w = math.radians(abs(self.c_rate))
        if self.c_radius > 0.5:
            w = min(w, self.speed / self.c_radius, math.sqrt(0.5 * self.lim.accel / self.c_radius))
        return math.copysign(w, self.c_rate)

    def land_speed(self, alt: float, p) -> float:
        high = p["LAND_SPEED_HIGH"] / 100.0 if p["LAND_SPEED_HIGH"] > 0 else self.speed_dn
        return high if alt > p["LAND_ALT_LOW"] / 100.0 else max(0.3, p["LAND_SPEED"] / 100.0)

    # --- the controller -----------------------------------------------------------------------
    def update(self, dt: float, n: float, e: float, alt: float, vn: float, ve: float, p) -> tuple[float, float, float]:
        """Velocity command (north, east, up) in m/s from the estimated state."""
        lim = self.lim
        kind = self.kind
        self.yaw_target = None
        if kind == WP:
            return self._leg(n, e, alt)
        if kind == HOLD:
            cvn, cve = (self.tn - n) * POS_XY_P, (self.te - e) * POS_XY_P
            m = math.hypot(cvn, cve)
            if m > lim.loiter_speed:
                cvn, cve = cvn * lim.loiter_speed / m, cve * lim.loiter_speed / m
            return cvn, cve, self._z_to(self.talt, alt)
        if kind == CLIMB:
            cvn, cve = (self.tn - n) * POS_XY_P, (self.te - e) * POS_XY_P
            remaining = self.talt - alt
            vz = max(0.3, min(self.climb_rate, sqrt_speed(remaining, lim.accel_z)))
            if remaining <= 0.1:
                self.reached = True
                vz = self._z_to(self.talt, alt)
            return cvn, cve, vz
        if kind == DESCEND:
            if self.hold_xy:
                cvn, cve = (self.tn - n) * POS_XY_P, (self.te - e) * POS_XY_P
            else:
                cvn, cve = vn, ve
            return cvn, cve, -self.land_speed(alt, p)
        if kind == CIRCLE:
            w = self.circle_angular_rate()
            self.c_angle += w * dt
            self.c_total += w * dt
            r = self.c_radius
            ca, sa = math.cos(self.c_angle), math.sin(self.c_angle)
            pn, pe = self.tn + r * ca, self.te + r * sa
            ffn, ffe = -w * r * sa, w * r * ca
            self.yaw_target = math.atan2(self.te - e, self.tn - n)   # nose to the centre
            return ffn + (pn - n) * POS_XY_P, ffe + (pe - e) * POS_XY_P, self._z_to(self.talt, alt)
        if kind == VELOCITY:
            return self.cvn, self.cve, self.cvu
        return 0.0, 0.0, 0.0

    @property
    def bearing(self) -> float:
        """Bearing from where the vehicle was last updated to the destination, degrees."""
        return math.degrees(math.atan2(self._bearing_e, self._bearing_n)) % 360.0

    def _z_to(self, target: float, alt: float) -> float:
        v = (target - alt) * POS_Z_P
        up, dn = self.speed_up, self.speed_dn
        return up if v > up else (-dn if v < -dn else v)

    def _leg(self, n: float, e: float, alt: float) -> tuple[float, float, float]:
        lim = self.lim
        dn, de = self.tn - n, self.te - e
        dist = math.sqrt(dn * dn + de * de)
        self.distance = dist
        self._bearing_n, self._bearing_e = dn, de
        leg = self._leg_len
        if leg > 0.01:
            un, ue = self._un, self._ue
            along = (n - self.on) * un + (e - self.oe) * ue
            progress = min(1.0, max(0.0, along / leg))
            v = min(self.leg_speed, sqrt_speed(dist, lim.accel, self.end_speed))
            look = max(2.0, v)
            ahead = min(leg, max(0.0, along) + look)
            cn, ce = self.on + un * ahead - n, self.oe + ue * ahead - e
            cm = math.hypot(cn, ce)
            if ahead >= leg or cm < 0.01:
                cn, ce, cm = dn, de, dist
            if cm > 0.01:
                vn_cmd, ve_cmd = cn / cm * v, ce / cm * v
                if dist < v * 1.0 and self.end_speed == 0.0:      # final approach: position control
                    vn_cmd, ve_cmd = dn * POS_XY_P * 1.5, de * POS_XY_P * 1.5
                    m = math.hypot(vn_cmd, ve_cmd)
                    if m > v and m > 0:
                        vn_cmd, ve_cmd = vn_cmd * v / m, ve_cmd * v / m
            else:
                vn_cmd = ve_cmd = 0.0
            if v > 1.0:
                self.yaw_target = math.atan2(ue, un)   # face along the leg (WP_YAW_BEHAVIOR 2)
            alt_target = self.oalt + (self.talt - self.oalt) * progress
            if progress >= 1.0 or dist < lim.radius:
                alt_target = self.talt
            vz = self._z_to(alt_target, alt)
        else:
            vn_cmd, ve_cmd = dn * POS_XY_P, de * POS_XY_P
            vz = self._z_to(self.talt, alt)
        if dist <= lim.radius and abs(self.talt - alt) <= max(1.0, lim.radius):
            self.reached = True
        return vn_cmd, ve_cmd, vz
