"""Pixels to the ground: the exact inverse of the camera model in docs/camera.md, with an error bar.

A pixel's ray (intrinsics, then gimbal, then vehicle attitude, through NED) is intersected with a
horizontal plane: the water at the site's water level for things that float, the land (home's
height) for waste piles and trucks, lifted by half the class's usual height because a box's centre
is the middle of a standing object, not its foot. The offset (east, north) from the camera is walked
along the WGS84 ellipsoid from the camera's own lat/lon, so no site frame is needed.

The uncertainty propagates the pose errors (GPS, altitude, attitude, gimbal, time offset times
speed) and the box's own size through the same function by finite differences: no linearised
formulas to keep in step with the geometry.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace

import numpy as np
from pyproj import Geod

from .classes import CLASS_HALF_HEIGHT_M, ON_LAND
from .types import CameraPose, Detection, Sighting

GEOD = Geod(ellps="WGS84")

# camera axes in gimbal axes (columns): x_c = y_g, y_c = z_g, z_c = x_g (the gimbal's x is the optical axis)
R_GIMBAL_CAMERA = np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])


def euler_321(roll_deg: float, pitch_deg: float, yaw_deg: float) -> np.ndarray:
    """Rz(yaw) Ry(pitch) Rx(roll): child (body FRD / gimbal) axes to parent (NED / body) axes."""
    r, p, y = (math.radians(a) for a in (roll_deg, pitch_deg, yaw_deg))
    cr, sr, cp, sp, cy, sy = math.cos(r), math.sin(r), math.cos(p), math.sin(p), math.cos(y), math.sin(y)
    rz = np.array([[cy, -sy, 0.0], [sy, cy, 0.0], [0.0, 0.0, 1.0]])
    ry = np.array([[cp, 0.0, sp], [0.0, 1.0, 0.0], [-sp, 0.0, cp]])
    rx = np.array([[1.0, 0.0, 0.0], [0.0, cr, -sr], [0.0, sr, cr]])
    return rz @ ry @ rx


def camera_to_ned(pose: CameraPose) -> np.ndarray:
    return (euler_321(pose.roll_deg, pose.pitch_deg, pose.yaw_deg)
            @ euler_321(pose.gimbal_roll_deg, pose.gimbal_pitch_deg, pose.gimbal_yaw_deg) @ R_GIMBAL_CAMERA)


def rays_ned(pose: CameraPose, uv: np.ndarray) -> np.ndarray:
    """N x 2 pixels (continuous; pixel i's centre is i + 0.5) -> N x 3 NED directions."""
    K = pose.intrinsics
    uv = np.asarray(uv, dtype=float).reshape(-1, 2)
    d_c = np.column_stack([(uv[:, 0] - K.cx) / K.fx, (uv[:, 1] - K.cy) / K.fy, np.ones(len(uv))])
    return d_c @ camera_to_ned(pose).T


def ground_offsets(pose: CameraPose, uv: np.ndarray, height_m: float | np.ndarray) -> np.ndarray:
    """N x 2 (east, north) metres from the camera to where each pixel's ray meets a plane `height_m`
    below the camera; NaN where the ray points at or above the horizon."""
    d = rays_ned(pose, uv)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.asarray(height_m, dtype=float) / d[:, 2]
    t = np.where((d[:, 2] > 1e-9) & (t > 0), t, np.nan)
    return np.column_stack([t * d[:, 1], t * d[:, 0]])


def offset_latlon(lat: float, lon: float, east: np.ndarray, north: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Walk (east, north) metres from (lat, lon) along the ellipsoid."""
    east, north = np.atleast_1d(east).astype(float), np.atleast_1d(north).astype(float)
    az = np.degrees(np.arctan2(east, north))
    dist = np.hypot(east, north)
    lon2, lat2, _ = GEOD.fwd(np.full_like(az, lon), np.full_like(az, lat), az, dist)
    return np.asarray(lat2), np.asarray(lon2)


def distance_m(lat1, lon1, lat2, lon2) -> np.ndarray:
    _, _, d = GEOD.inv(np.atleast_1d(lon1), np.atleast_1d(lat1), np.atleast_1d(lon2), np.atleast_1d(lat2))
    return np.asarray(d)


@dataclass(frozen=True)
class PoseErrors:
    """One-sigma errors of what a frame says about its pose (defaults: an ArduCopter with a plain GPS
    and a stabilised gimbal; the simulator's noise is smaller). `box_frac`: how far a box centre may
    sit from the object's true centre, as a fraction of the box's size."""

    gps_m: float = 1.0           # horizontal, per axis
    alt_m: float = 0.5           # height above the plane (barometer drift, water level)
    roll_deg: float = 0.5
    pitch_deg: float = 0.5
    yaw_deg: float = 1.5         # compass
    gimbal_deg: float = 0.3      # gimbal pitch and roll
    time_s: float = 0.05         # exposure time against the pose's time stamp
    box_frac: float = 0.1

    def scaled(self, k: float) -> "PoseErrors":
        return replace(self, **{f.name: getattr(self, f.name) * k for f in fields(self)})


# how many sigmas the reported radius covers: a 2-D Gaussian's 95 % radius
RADIUS_95 = 2.45


class Georeferencer:
    """Places detections on the map. `water_level_m` and `land_level_m` are heights relative to home;
    `water_level_m=None` takes it from each frame (the stream's `water_level_m`), or failing that
    trusts the frame's `alt_water_m`."""

    def __init__(self, water_level_m: float | None = None, land_level_m: float = 0.0,
                 errors: PoseErrors = PoseErrors()):
        self.water_level_m = None if water_level_m is None else float(water_level_m)
        self.land_level_m = float(land_level_m)
        self.errors = errors

    def _water_level(self, pose: CameraPose) -> float | None:
        if self.water_level_m is not None:
            return self.water_level_m
        if pose.water_level_m is not None:
            return pose.water_level_m
        if pose.alt_water_m is not None and math.isfinite(pose.alt_home_m):
            return pose.alt_home_m - pose.alt_water_m
        return None

    def surface_height(self, pose: CameraPose, cls: str | None) -> float:
        """Camera height above the plane a `cls` box centre lies on."""
        level = self._water_level(pose)
        if not math.isfinite(pose.alt_home_m):                 # only the height above the water is known
            if pose.alt_water_m is None:
                raise ValueError("pose has neither alt_home_m nor alt_water_m")
            base = pose.alt_water_m + ((level or 0.0) - self.land_level_m if cls in ON_LAND else 0.0)
        else:
            base = pose.alt_home_m - (self.land_level_m if cls in ON_LAND else (level or 0.0))
        return base - CLASS_HALF_HEIGHT_M.get(cls, 0.0)

    def offsets(self, pose: CameraPose, uv: np.ndarray, cls: str | None = None) -> np.ndarray:
        return ground_offsets(pose, uv, self.surface_height(pose, cls))

    def locate(self, pose: CameraPose, uv: np.ndarray, cls: str | None = None) -> np.ndarray:
        """N x 2 pixels -> N x 2 (lat, lon); NaN for rays that miss the plane."""
        off = self.offsets(pose, uv, cls)
        lat, lon = offset_latlon(pose.lat, pose.lon, off[:, 0], off[:, 1])
        return np.column_stack([lat, lon])

    def gsd(self, pose: CameraPose, uv: np.ndarray, cls: str | None = None) -> np.ndarray:
        """Metres per pixel on the plane at each pixel (geometric mean of the two directions)."""
        uv = np.asarray(uv, dtype=float).reshape(-1, 2)
        o = self.offsets(pose, np.vstack([uv, uv + [1.0, 0.0], uv + [0.0, 1.0]]), cls)
        n = len(uv)
        return np.sqrt(np.linalg.norm(o[n:2 * n] - o[:n], axis=1) * np.linalg.norm(o[2 * n:] - o[:n], axis=1))

    def uncertainty(self, pose: CameraPose, uv: np.ndarray, cls: str | None = None,
                    box_px: np.ndarray | float = 0.0) -> np.ndarray:
        """~95 % radius (m) of each pixel's ground point from the pose errors and the box size."""
        e = self.errors
        uv = np.asarray(uv, dtype=float).reshape(-1, 2)
        base = self.offsets(pose, uv, cls)
        h = self.surface_height(pose, cls)
        var = np.full(len(uv), 2 * e.gps_m ** 2)
        perturbed = [("roll_deg", e.roll_deg), ("pitch_deg", e.pitch_deg), ("yaw_deg", e.yaw_deg),
                     ("gimbal_pitch_deg", e.gimbal_deg), ("gimbal_roll_deg", e.gimbal_deg)]
        for name, s in perturbed:
            if s > 0:
                p = replace(pose, **{name: getattr(pose, name) + s})
                var += np.sum((ground_offsets(p, uv, h) - base) ** 2, axis=1)
        if e.alt_m > 0:
            var += np.sum((ground_offsets(pose, uv, h + e.alt_m) - base) ** 2, axis=1)
        var += (math.hypot(pose.vn_mps, pose.ve_mps) * e.time_s) ** 2
        var += 2 * (np.asarray(box_px, dtype=float) * e.box_frac * self.gsd(pose, uv, cls)) ** 2
        return RADIUS_95 * np.sqrt(var / 2.0)     # var is the trace; per-axis sigma of a round spread is sqrt(trace/2)

    def sightings(self, pose: CameraPose, detections: list[Detection]) -> list[Sighting]:
        """Each detection on the ground; boxes whose centre ray misses the plane (horizon) are dropped."""
        out = []
        W, H = pose.intrinsics.width, pose.intrinsics.height
        for d in detections:
            c = np.array([d.center])
            size = math.hypot(d.box[2] - d.box[0], d.box[3] - d.box[1])
            ll = self.locate(pose, c, d.cls)[0]
            if not np.isfinite(ll).all():
                continue
            line = None
            box_px = size
            if d.line is not None:
                ends = self.locate(pose, np.array(d.line), d.cls)
                if np.isfinite(ends).all():
                    line = ((float(ends[0, 0]), float(ends[0, 1])), (float(ends[1, 0]), float(ends[1, 1])))
                box_px = min(d.box[2] - d.box[0], d.box[3] - d.box[1])   # a line's centre is as good as its width
            unc = float(self.uncertainty(pose, c, d.cls, box_px)[0])
            out.append(Sighting(d.cls, float(d.conf), float(ll[0]), float(ll[1]), unc, pose.time_s, pose.vehicle,
                                pose.seq, tuple(float(v) for v in d.box), line, float(self.gsd(pose, c, d.cls)[0]), (W, H)))
        return out
