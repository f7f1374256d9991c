"""The gimballed pinhole camera: attitude conventions and projection, written to be inverted exactly.

docs/camera.md states the same math for people (vision's georeferencing is its inverse). In short:
- world: a local tangent plane, x east, y north, z up (m); directions are rotated through NED.
- attitude: R_nb = Rz(yaw) Ry(pitch) Rx(roll) (ArduPilot's 3-2-1 Euler angles, body FRD to NED), then
  the gimbal relative to the body the same way, R_bg = Rz(gyaw) Ry(gpitch) Rx(groll); the gimbal's x axis
  is the optical axis, so pitch -90 looks straight down and, at yaw 0, the top of the image is north.
- camera axes (OpenCV): x right, y down, z along the optical axis: x_c = y_g, y_c = z_g, z_c = x_g.
- pixels: continuous coordinates, the image spans [0, W] x [0, H], pixel (i, j) has its centre at
  (i + 0.5, j + 0.5); principal point (W/2, H/2); fx = fy = (W/2) / tan(hfov/2); no distortion.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

# camera axes expressed in gimbal axes (columns): x_c = y_g, y_c = z_g, z_c = x_g
R_GIMBAL_CAMERA = np.array([[0.0, 0.0, 1.0],
                            [1.0, 0.0, 0.0],
                            [0.0, 1.0, 0.0]])
# ENU <-> NED (its own inverse)
ENU_NED = np.array([[0.0, 1.0, 0.0],
                    [1.0, 0.0, 0.0],
                    [0.0, 0.0, -1.0]])


def euler_321(roll_deg: float, pitch_deg: float, yaw_deg: float) -> np.ndarray:
    """Rz(yaw) @ Ry(pitch) @ Rx(roll): child axes to parent axes (aerospace, right-handed, FRD/NED)."""
    r, p, y = (math.radians(a) for a in (roll_deg, pitch_deg, yaw_deg))
    cr, sr, cp, sp, cy, sy = math.cos(r), math.sin(r), math.cos(p), math.sin(p), math.cos(y), math.sin(y)
    rz = np.array([[cy, -sy, 0.0], [sy, cy, 0.0], [0.0, 0.0, 1.0]])
    ry = np.array([[cp, 0.0, sp], [0.0, 1.0, 0.0], [-sp, 0.0, cp]])
    rx = np.array([[1.0, 0.0, 0.0], [0.0, cr, -sr], [0.0, sr, cr]])
    return rz @ ry @ rx


@dataclass(frozen=True)
class Intrinsics:
    width: int = 1920
    height: int = 1080
    hfov_deg: float = 82.0

    @cached_property
    def fx(self) -> float:
        return (self.width / 2.0) / math.tan(math.radians(self.hfov_deg) / 2.0)

    @property
    def fy(self) -> float:
        return self.fx

    @property
    def cx(self) -> float:
        return self.width / 2.0

    @property
    def cy(self) -> float:
        return self.height / 2.0

    @property
    def vfov_deg(self) -> float:
        return math.degrees(2.0 * math.atan(self.cy / self.fy))

    @cached_property
    def K(self) -> np.ndarray:
        return np.array([[self.fx, 0.0, self.cx], [0.0, self.fy, self.cy], [0.0, 0.0, 1.0]])

    def as_dict(self) -> dict:
        return {"width": self.width, "height": self.height, "fx": self.fx, "fy": self.fy, "cx": self.cx, "cy": self.cy,
                "hfov_deg": self.hfov_deg, "vfov_deg": self.vfov_deg, "distortion": [0.0, 0.0, 0.0, 0.0, 0.0],
                "model": "pinhole"}

    @classmethod
    def of_site(cls, site) -> "Intrinsics":
        return cls(site.camera.width_px, site.camera.height_px, site.camera.hfov_deg)


def camera_to_ned(roll_deg, pitch_deg, yaw_deg, groll_deg, gpitch_deg, gyaw_deg) -> np.ndarray:
    """R_nc: camera-axis vectors to NED."""
    return euler_321(roll_deg, pitch_deg, yaw_deg) @ euler_321(groll_deg, gpitch_deg, gyaw_deg) @ R_GIMBAL_CAMERA


@dataclass(frozen=True)
class View:
    """One exposure: intrinsics, the camera centre in the world frame (x, y, z ENU) and R_nc."""

    K: Intrinsics
    center: tuple[float, float, float]
    R_nc: np.ndarray

    @classmethod
    def from_angles(cls, K: Intrinsics, center, roll=0.0, pitch=0.0, yaw=0.0, groll=0.0, gpitch=-90.0, gyaw=0.0) -> "View":
        return cls(K, tuple(float(c) for c in center), camera_to_ned(roll, pitch, yaw, groll, gpitch, gyaw))

    @cached_property
    def R_cw(self) -> np.ndarray:
        """World (ENU) vectors to camera axes."""
        return (ENU_NED @ self.R_nc).T

    @cached_property
    def optical_axis_enu(self) -> np.ndarray:
        return ENU_NED @ self.R_nc[:, 2]

    def to_camera(self, pts: np.ndarray) -> np.ndarray:
        """N x 3 world points -> N x 3 camera-axis coordinates (z is depth)."""
        return (np.asarray(pts, dtype=float) - np.asarray(self.center)) @ self.R_cw.T

    def project(self, pts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """N x 3 world points -> (N x 2 pixels, N depths). Pixels are meaningless where depth <= 0."""
        pc = self.to_camera(pts)
        z = pc[:, 2]
        safe = np.where(np.abs(z) < 1e-9, 1e-9, z)
        u = self.K.fx * pc[:, 0] / safe + self.K.cx
        v = self.K.fy * pc[:, 1] / safe + self.K.cy
        return np.column_stack([u, v]), z

    def rays(self, uv: np.ndarray) -> np.ndarray:
        """N x 2 pixels -> N x 3 world (ENU) directions, not normalised, depth component 1 in camera axes."""
        uv = np.asarray(uv, dtype=float).reshape(-1, 2)
        d_c = np.column_stack([(uv[:, 0] - self.K.cx) / self.K.fx, (uv[:, 1] - self.K.cy) / self.K.fy, np.ones(len(uv))])
        return d_c @ self.R_cw

    def ground(self, uv: np.ndarray, z0: float) -> np.ndarray:
        """N x 2 pixels -> N x 2 (x, y) where their rays meet the plane z = z0 (NaN where they miss it)."""
        d = self.rays(uv)
        cz = self.center[2]
        with np.errstate(divide="ignore", invalid="ignore"):
            t = (z0 - cz) / d[:, 2]
        t = np.where(t > 0, t, np.nan)
        return np.column_stack([self.center[0] + t * d[:, 0], self.center[1] + t * d[:, 1]])

    def homography(self, z0: float) -> np.ndarray:
        """3 x 3 H with [u, v, 1] ~ H [x, y, 1] for world points on the plane z = z0."""
        cx, cy, cz = self.center
        A = self.R_cw @ np.array([[1.0, 0.0, -cx], [0.0, 1.0, -cy], [0.0, 0.0, z0 - cz]])
        return self.K.K @ A

    def gsd(self, z0: float) -> float:
        """Ground sample distance (m per pixel) at the image centre on the plane z = z0."""
        c = np.array([[self.K.cx, self.K.cy], [self.K.cx + 1.0, self.K.cy], [self.K.cx, self.K.cy + 1.0]])
        g = self.ground(c, z0)
        if np.isnan(g).any():
            return float("inf")
        return float(math.sqrt(np.linalg.norm(g[1] - g[0]) * np.linalg.norm(g[2] - g[0])))
