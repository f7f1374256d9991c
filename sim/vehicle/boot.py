"""The boot of an ArduCopter SITL as a ground station sees it: sensors come up, the EKF starts,
the GPS is detected, the EKF sets its origin and finally navigates on GPS.

Times are those observed on ArduCopter 4.7-dev SITL at speed-up 1 (GPS detected ~10 s, origin
~20 s, pre-arm health ~30 s, "is using GPS" and EKF flags 0xa7 -> 0x33f ~41 s). They scale
together with `ready_s` so tests that do not care about the boot can shorten it.
"""
from __future__ import annotations

from dataclasses import dataclass

INFO, NOTICE, WARNING, CRITICAL = 6, 5, 4, 2

# EKF_STATUS_FLAGS (MAVLink)
EKF_ATTITUDE, EKF_VEL_HORIZ, EKF_VEL_VERT = 1, 2, 4
EKF_POS_HORIZ_REL, EKF_POS_HORIZ_ABS, EKF_POS_VERT_ABS = 8, 16, 32
EKF_POS_VERT_AGL, EKF_CONST_POS_MODE, EKF_PRED_POS_HORIZ_REL, EKF_PRED_POS_HORIZ_ABS = 64, 128, 256, 512
EKF_FLAGS_ALIGNED = 0xA7     # attitude, velocities, vertical position, constant-position mode
EKF_FLAGS_NAVIGATING = 0x33F  # horizontal position (relative, absolute, predicted) from GPS


@dataclass(frozen=True)
class BootTimeline:
    """Seconds after power-on at which each stage completes (defaults: the observed SITL)."""

    ready_s: float = 41.0

    @property
    def scale(self) -> float:
        return self.ready_s / 41.0

    @property
    def initialised_s(self) -> float:     # flight code running: heartbeat leaves BOOT state
        return 1.0 * self.scale

    @property
    def ekf_start_s(self) -> float:       # EKF3 initialised, attitude aligned
        return 3.0 * self.scale

    @property
    def gps_detect_s(self) -> float:
        return 10.0 * self.scale

    @property
    def origin_s(self) -> float:
        return 20.0 * self.scale

    @property
    def prearm_s(self) -> float:
        return 30.0 * self.scale

    def texts(self) -> list[tuple[float, int, str]]:
        """(time, severity, STATUSTEXT) of the boot, in order."""
        s = self.scale
        return [
            (0.2 * s, INFO, "Barometer 1 calibration complete"),
            (0.4 * s, INFO, "ArduPilot Ready"),
            (0.5 * s, INFO, "AHRS: DCM active"),
            (self.ekf_start_s, INFO, "EKF3 IMU0 initialised"),
            (self.ekf_start_s, INFO, "EKF3 IMU1 initialised"),
            (self.ekf_start_s + 0.1 * s, INFO, "AHRS: EKF3 active"),
            (self.ekf_start_s + 0.5 * s, INFO, "EKF3 IMU0 tilt alignment complete"),
            (self.ekf_start_s + 0.5 * s, INFO, "EKF3 IMU1 tilt alignment complete"),
            (self.ekf_start_s + 0.7 * s, INFO, "EKF3 IMU0 MAG0 initial yaw alignment complete"),
            (self.ekf_start_s + 0.7 * s, INFO, "EKF3 IMU1 MAG0 initial yaw alignment complete"),
            (self.gps_detect_s, INFO, "GPS 1: detected u-blox"),
            (self.origin_s, INFO, "EKF3 IMU0 origin set"),
            (self.origin_s, INFO, "EKF3 IMU1 origin set"),
            (self.ready_s, INFO, "EKF3 IMU0 is using GPS"),
            (self.ready_s, INFO, "EKF3 IMU1 is using GPS"),
        ]
