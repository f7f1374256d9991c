"""The JSON that travels with every frame (stream and datasets alike); docs/frames.md is its reference."""
from __future__ import annotations

import time

from sim.pose import Pose

from .model import Intrinsics

SCHEMA = "waterpatrol.frame/1"


def frame_metadata(pose: Pose, seq: int, K: Intrinsics, jpeg_bytes: int, jpeg_quality: int,
                   water_level_m: float, site: str = "", world: str = "") -> dict:
    """Pose at exposure, camera intrinsics and image facts. Angles in degrees, ArduPilot conventions."""
    return {
        "schema": SCHEMA,
        "vehicle": int(pose.vehicle),
        "seq": int(seq),
        "time_s": round(float(pose.time_s), 6),
        "wall_time": round(time.time(), 6),
        "lat": float(pose.lat),
        "lon": float(pose.lon),
        "alt_home_m": round(float(pose.alt_home_m), 4),
        "alt_water_m": round(float(pose.alt_water_m), 4),
        "water_level_m": float(water_level_m),
        "roll_deg": round(float(pose.roll_deg), 4),
        "pitch_deg": round(float(pose.pitch_deg), 4),
        "yaw_deg": round(float(pose.yaw_deg) % 360.0, 4),
        "gimbal_roll_deg": round(float(pose.gimbal_roll_deg), 4),
        "gimbal_pitch_deg": round(float(pose.gimbal_pitch_deg), 4),
        "gimbal_yaw_deg": round(float(pose.gimbal_yaw_deg), 4),
        "vn_mps": round(float(pose.vn_mps), 4),
        "ve_mps": round(float(pose.ve_mps), 4),
        "vd_mps": round(float(pose.vd_mps), 4),
        "armed": bool(pose.armed),
        "camera": K.as_dict(),
        "image": {"encoding": "jpeg", "bytes": int(jpeg_bytes), "quality": int(jpeg_quality),
                  "width": K.width, "height": K.height},
        "site": site,
        "world": world,
    }
