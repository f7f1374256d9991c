"""The quadcopter's motion: a point mass under thrust, gravity and aerodynamic drag.

The position controller asks for a velocity; the airframe gets there with the acceleration the
controller allows (WPNAV_ACCEL / WPNAV_ACCEL_Z) and the tilt the frame allows (ANGLE_MAX). Drag
acts on the air-relative velocity, so wind costs tilt: the controller's integrator learns the
steady wind over about a second (gusts push the vehicle off its speed meanwhile), and a headwind
the frame cannot out-tilt lowers ground speed. The drag constant makes ANGLE_MAX's tilt hold
20 m/s airspeed at 30 degrees. Attitude is what that thrust vector needs; yaw slews at
ATC_SLEW_YAW. Motors off in the air means a fall.
"""
from __future__ import annotations

import math

G = 9.80665
MAX_AIRSPEED_AT_30_DEG = 20.0
DRAG_K = G * math.tan(math.radians(30.0)) / MAX_AIRSPEED_AT_30_DEG ** 2
VEL_XY_P = 2.0          # PSC_VELXY_P
VEL_Z_P = 5.0           # PSC_VELZ_P
INTEGRATOR_TAU_S = 1.0  # how fast the velocity integrator learns a steady wind


class Airframe:
    __slots__ = ("n", "e", "alt", "vn", "ve", "vu", "yaw", "yaw_rate", "roll", "pitch", "an", "ae", "au",
                 "_comp_n", "_comp_e", "thrust_ratio", "airspeed", "on_ground")

    def __init__(self, yaw: float = 0.0):
        self.n = self.e = self.alt = 0.0
        self.vn = self.ve = self.vu = 0.0
        self.yaw = yaw
        self.yaw_rate = 0.0
        self.roll = self.pitch = 0.0
        self.an = self.ae = self.au = 0.0
        self._comp_n = self._comp_e = 0.0
        self.thrust_ratio = 1.0
        self.airspeed = 0.0
        self.on_ground = True

    def step(self, dt: float, cmd_vn: float, cmd_ve: float, cmd_vu: float, yaw_target: float | None,
             wind_n: float, wind_e: float, accel_xy: float, accel_z: float, tilt_accel_max: float,
             yaw_rate_max: float, spinning: bool, hold_level: bool) -> None:
        """Advance dt seconds. tilt_accel_max: g*tan(ANGLE_MAX). hold_level: no horizontal control."""
        van = self.vn - wind_n
        vae = self.ve - wind_e
        vair = math.sqrt(van * van + vae * vae)
        drag_n = -DRAG_K * vair * van
        drag_e = -DRAG_K * vair * vae
        self.airspeed = vair
        if spinning:
            if hold_level:
                tn = te = 0.0
                self._comp_n = self._comp_e = 0.0
            else:
                dn = (cmd_vn - self.vn) * VEL_XY_P
                de = (cmd_ve - self.ve) * VEL_XY_P
                m = math.sqrt(dn * dn + de * de)
                if m > accel_xy:
                    dn *= accel_xy / m
                    de *= accel_xy / m
                k = dt / INTEGRATOR_TAU_S
                self._comp_n += (drag_n - self._comp_n) * k
                self._comp_e += (drag_e - self._comp_e) * k
                tn = dn - self._comp_n
                te = de - self._comp_e
                m = math.sqrt(tn * tn + te * te)
                if m > tilt_accel_max:
                    tn *= tilt_accel_max / m
                    te *= tilt_accel_max / m
            au = (cmd_vu - self.vu) * VEL_Z_P
            if au > accel_z:
                au = accel_z
            elif au < -accel_z:
                au = -accel_z
        else:
            tn = te = 0.0
            self._comp_n = self._comp_e = 0.0
            au = -G if self.alt > 0.0 or self.vu > 0.0 else 0.0
        an = tn + drag_n
        ae = te + drag_e
        vn = self.vn + an * dt
        ve = self.ve + ae * dt
        vu = self.vu + au * dt
        alt = self.alt + vu * dt
        if alt <= 0.0:
            alt = 0.0
            if vu < 0.0:
                vu = 0.0
            if not spinning or cmd_vu <= 0.0:
                vn = ve = 0.0          # skids on the ground do not slide
                self._comp_n = self._comp_e = 0.0
                tn = te = 0.0
        self.on_ground = alt <= 0.0
        self.n += vn * dt
        self.e += ve * dt
        self.vn, self.ve, self.vu, self.alt = vn, ve, vu, alt
        self.an, self.ae, self.au = an, ae, au
        # yaw slews toward its target
        if yaw_target is not None and spinning and not self.on_ground:
            err = (yaw_target - self.yaw + math.pi) % (2.0 * math.pi) - math.pi
            rate = err * 4.5
            if rate > yaw_rate_max:
                rate = yaw_rate_max
            elif rate < -yaw_rate_max:
                rate = -yaw_rate_max
            self.yaw = (self.yaw + rate * dt) % (2.0 * math.pi)
            self.yaw_rate = rate
        else:
            self.yaw_rate = 0.0
        # attitude from the horizontal thrust in the body frame
        cy, sy = math.cos(self.yaw), math.sin(self.yaw)
        fwd = tn * cy + te * sy
        right = -tn * sy + te * cy
        lift = G + au if spinning else G
        self.pitch = -math.atan2(fwd, lift)
        self.roll = math.atan2(right, lift)
        self.thrust_ratio = math.sqrt(tn * tn + te * te + lift * lift) / G if spinning else 0.0

    def place(self, n: float, e: float, alt: float) -> None:
        self.n, self.e, self.alt = n, e, alt
        self.vn = self.ve = self.vu = 0.0
