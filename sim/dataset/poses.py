"""Random camera poses over a site for datasets: mostly aimed at planted things, some anywhere on the water.

Altitude above the water 30-120 m, any heading, the tilt of a multicopter in wind and at cruise
(a few degrees), the gimbal straight down or up to 30 degrees forward.
"""
from __future__ import annotations

import math

import numpy as np
from shapely.geometry import Point

from sim.pose import Pose

AIM_AT_ANOMALY = 0.65
AIM_AT_DISTRACTOR = 0.15


def random_pose(scene, rng: np.random.Generator, alt_range: tuple[float, float] = (30.0, 120.0), vehicle: int = 1,
                time_s: float = 0.0) -> Pose:
    K_hfov = scene.site.camera.hfov_deg
    alt_w = float(rng.uniform(*alt_range))
    yaw = float(rng.uniform(0, 360))
    roll, pitch = (float(np.clip(v, -10, 10)) for v in rng.normal(0, 3, 2))
    gpitch = -90.0 if rng.random() < 0.7 else float(rng.uniform(-90, -60))
    # where the middle of the frame should fall
    anomalies = [p for p in scene.placed if p.obj.cls is not None]
    others = [p for p in scene.placed if p.obj.cls is None]
    u = rng.random()
    half_w = alt_w * math.tan(math.radians(K_hfov) / 2)
    if u < AIM_AT_ANOMALY and anomalies:
        p = anomalies[int(rng.integers(len(anomalies)))]
        target = np.asarray(p.line[int(rng.integers(len(p.line)))] if p.line is not None else p.center, dtype=float)
        aim = target + rng.uniform(-0.4, 0.4, 2) * np.array([half_w, half_w * 9 / 16])
    elif u < AIM_AT_ANOMALY + AIM_AT_DISTRACTOR and others:
        p = others[int(rng.integers(len(others)))]
        aim = np.asarray(p.center) + rng.uniform(-0.4, 0.4, 2) * half_w * 0.5
    else:
        aim = _anywhere(scene, rng)
    ahead = alt_w * math.tan(math.radians(90.0 + gpitch))       # the gimbal looks this far ahead
    f = np.array([math.sin(math.radians(yaw)), math.cos(math.radians(yaw))])
    xy = aim - f * ahead
    lat, lon = scene.frame.to_latlon(*xy)
    wl = scene.site.info.water_level_m
    return Pose(vehicle=vehicle, time_s=time_s, lat=float(lat), lon=float(lon), alt_home_m=alt_w + wl, alt_water_m=alt_w,
                roll_deg=roll, pitch_deg=pitch, yaw_deg=yaw, gimbal_pitch_deg=gpitch, armed=True)


def _anywhere(scene, rng: np.random.Generator) -> np.ndarray:
    """A point on the water, or on the bank within 60 m of it."""
    water = scene.water_geom
    x0, y0, x1, y1 = water.bounds
    band = water.buffer(60)
    for _ in range(200):
        q = rng.uniform([x0 - 60, y0 - 60], [x1 + 60, y1 + 60])
        if band.contains(Point(*q)):
            return q
    c = water.representative_point()
    return np.array([c.x, c.y])
