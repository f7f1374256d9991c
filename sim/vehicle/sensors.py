"""What the autopilot knows of where it is: a u-blox GPS and the EKF3 built on it.

The autopilot flies on the EKF's estimate, not on the truth: estimate = truth + error. Height
comes from the barometer (a few centimetres of slow drift), position from the GPS. The GPS
error is a slow random walk (SIM_GPS1_NOISE metres) plus any injected glitch offset; the EKF
follows the GPS through a low-pass, rejects jumps beyond EK3_GLITCH_RAD ("GPS Glitch or Compass
error") until it gives up after 10 s and resets onto the glitched GPS, which then drags the
vehicle off its track as it would a real one. With the GPS lost it dead-reckons, its variances
grow, and after a few seconds it stops aiding: flags fall back to 0xa7, which is what triggers
ArduCopter's EKF failsafe.
"""
from __future__ import annotations

import math
import random

from .boot import CRITICAL, EKF_FLAGS_ALIGNED, EKF_FLAGS_NAVIGATING, INFO, BootTimeline

GPS_PERIOD_S = 0.2
GPS_ERROR_TAU_S = 10.0
FIX_NONE, FIX_NO_FIX, FIX_3D, FIX_RTK_FIXED = 0, 1, 3, 6
EKF_GPS_GLITCHING = 1 << 15
EKF_UNINITIALIZED = 1 << 10
EKF_FOLLOW_TAU_S = 2.0
GLITCH_RESET_S = 10.0
AIDING_TIMEOUT_S = 5.0
BARO_NOISE_M = 0.08
BARO_TAU_S = 20.0


class Gps:
    __slots__ = ("_rng", "detected", "enabled", "noise_m", "sats_cfg", "glitch_n", "glitch_e", "glitch_u",
                 "err_n", "err_e", "err_u", "fix_type", "sats", "next_s", "n", "e", "alt", "vn", "ve", "vu",
                 "last_fix_s")

    def __init__(self, rng: random.Random):
        self._rng = rng
        self.detected = False
        self.enabled = True
        self.noise_m = 0.3
        self.sats_cfg = 10
        self.glitch_n = self.glitch_e = self.glitch_u = 0.0
        self.err_n = self.err_e = self.err_u = 0.0
        self.fix_type = FIX_NONE
        self.sats = 0
        self.next_s = 0.0
        self.n = self.e = self.alt = self.vn = self.ve = self.vu = 0.0
        self.last_fix_s = -1.0

    @property
    def healthy(self) -> bool:
        return self.fix_type >= FIX_3D

    def update(self, t: float, n: float, e: float, alt: float, vn: float, ve: float, vu: float) -> bool:
        """Sample at 5 Hz; True when a sample period elapsed (the EKF then fuses, or notes the lack of a fix)."""
        if t < self.next_s:
            return False
        self.next_s = t + GPS_PERIOD_S
        if not self.detected:
            self.fix_type, self.sats = FIX_NONE, 0
            return True
        if not self.enabled:
            self.fix_type, self.sats = FIX_NO_FIX, 0
            return True
        self.fix_type, self.sats = FIX_RTK_FIXED, self.sats_cfg
        a = GPS_PERIOD_S / GPS_ERROR_TAU_S
        s = self.noise_m * math.sqrt(2.0 * a)
        g = self._rng.gauss
        self.err_n += -a * self.err_n + s * g(0.0, 1.0)
        self.err_e += -a * self.err_e + s * g(0.0, 1.0)
        self.err_u += -a * self.err_u + s * g(0.0, 1.0)
        self.n = n + self.err_n + self.glitch_n
        self.e = e + self.err_e + self.glitch_e
        self.alt = alt + self.err_u + self.glitch_u
        self.vn, self.ve, self.vu = vn, ve, vu
        self.last_fix_s = t
        return True

    def error(self) -> tuple[float, float, float]:
        """Reported position minus truth."""
        return (self.err_n + self.glitch_n, self.err_e + self.glitch_e, self.err_u + self.glitch_u)


class Ekf:
    """EKF3's outputs that matter to a ground station and to the failsafes."""

    __slots__ = ("boot", "started", "origin_set", "navigating", "aiding", "glitching", "err_n", "err_e", "err_u",
                 "_drift_n", "_drift_e", "_last_fuse_s", "_last_gps_s", "_baro", "_glitch_since", "_innov", "texts", "_rng")

    def __init__(self, boot: BootTimeline, rng: random.Random):
        self.boot = boot
        self._rng = rng
        self.started = False
        self.origin_set = False
        self.navigating = False   # past the boot: fusing or able to fuse GPS
        self.aiding = False
        self.glitching = False
        self.err_n = self.err_e = self.err_u = 0.0
        self._drift_n = self._drift_e = 0.0
        self._last_fuse_s = 0.0
        self._last_gps_s = 0.0
        self._glitch_since = 0.0
        self._innov = 0.0
        self._baro = 0.0
        self.texts: list[tuple[int, str]] = []

    def _both(self, sev: int, text: str) -> None:
        self.texts.append((sev, text.format(0)))
        self.texts.append((sev, text.format(1)))

    def update(self, t: float, dt: float, gps: Gps, glitch_radius: float) -> None:
        # height comes from the barometer (EK3_SRC1_POSZ 1): a small slow drift, GPS height unused
        a = dt / BARO_TAU_S if dt < BARO_TAU_S else 1.0
        self._baro += -a * self._baro + BARO_NOISE_M * math.sqrt(2.0 * a) * self._rng.gauss(0.0, 1.0)
        self.err_u = self._baro
        if not self.started:
            if t >= self.boot.ekf_start_s:
                self.started = True
            return
        if not self.origin_set:
            if t >= self.boot.origin_s and gps.healthy:
                self.origin_set = True
            return
        if not self.navigating:
            if t >= self.boot.ready_s and gps.healthy:
                self.navigating = self.aiding = True
                self.err_n, self.err_e, _ = gps.error()
                self._last_fuse_s = self._last_gps_s = t
            return
        if gps.healthy:
            self._last_gps_s = t
            gn, ge, gu = gps.error()
            if not self.aiding:
                self.err_n, self.err_e = gn, ge
                self.aiding = True
                self._last_fuse_s = t
                self._both(INFO, "EKF3 IMU{} is using GPS")
                return
            self._innov = math.hypot(gn - self.err_n, ge - self.err_e)
            if self._innov > glitch_radius:
                if not self.glitching:
                    self.glitching = True
                    self._glitch_since = t
                elif t - self._glitch_since > GLITCH_RESET_S:
                    # EKF3 gives up on its own estimate and resets onto the GPS
                    self.err_n, self.err_e = gn, ge
                    self.glitching = False
                    self._last_fuse_s = t
                    self._both(INFO, "EKF3 IMU{} reset position to GPS")
                return
            self.glitching = False
            k = min(1.0, dt / EKF_FOLLOW_TAU_S)
            self.err_n += (gn - self.err_n) * k
            self.err_e += (ge - self.err_e) * k
            self._last_fuse_s = t
            self._drift_n = self._drift_e = 0.0
            return
        # no GPS: dead reckoning with a slowly wandering velocity error
        self.glitching = False
        if self._drift_n == 0.0 and self._drift_e == 0.0:
            self._drift_n, self._drift_e = self._rng.gauss(0.0, 0.3), self._rng.gauss(0.0, 0.3)
        self.err_n += self._drift_n * dt
        self.err_e += self._drift_e * dt
        if self.aiding and t - self._last_fuse_s > AIDING_TIMEOUT_S:
            self.aiding = False
            self._both(CRITICAL, "EKF3 IMU{} stopped aiding")

    # --- what the vehicle and the ground station read -------------------------------------------
    def flags(self) -> int:
        if not self.started:
            return EKF_UNINITIALIZED
        if not self.navigating or not self.aiding:
            return EKF_FLAGS_ALIGNED
        return EKF_FLAGS_NAVIGATING | (EKF_GPS_GLITCHING if self.glitching else 0)

    def variances(self, t: float) -> tuple[float, float, float, float]:
        """(velocity, horizontal position, vertical position, compass) normalised test ratios."""
        if not self.navigating:
            return 0.0, 0.0, 0.0, 0.0
        vel = 0.02 + 0.1 * max(0.0, t - self._last_gps_s)     # GPS velocity still fuses during a glitch
        pos = 0.01 + 0.2 * max(0.0, t - self._last_fuse_s)
        if self.glitching:
            pos = max(pos, self._innov / 25.0)
        return vel, pos, 0.02, 0.02
