"""The pose of a simulated vehicle at one instant: what the camera renders from and what a frame carries.

Shared by the SITL vehicle (which produces it every physics step) and the camera (which consumes
it), so both agree on frames and units: angles in degrees, ArduPilot conventions (roll right
positive, pitch nose-up positive, yaw clockwise from north), gimbal angles relative to the body,
gimbal pitch -90 looking straight down.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Pose:
    vehicle: int            # MAVLink system id
    time_s: float           # simulated seconds since the simulator booted
    lat: float
    lon: float
    alt_home_m: float       # above home (the dock)
    alt_water_m: float      # above the water surface
    roll_deg: float = 0.0
    pitch_deg: float = 0.0
    yaw_deg: float = 0.0
    gimbal_roll_deg: float = 0.0
    gimbal_pitch_deg: float = -90.0
    gimbal_yaw_deg: float = 0.0
    vn_mps: float = 0.0
    ve_mps: float = 0.0
    vd_mps: float = 0.0
    armed: bool = False
    # Where the vehicle really is, when the estimate above differs from it (GPS noise, a glitch): the
    # camera films from here while frames carry the estimate, as a real drone's would. None: the same.
    true_lat: float | None = None
    true_lon: float | None = None
    true_alt_home_m: float | None = None
