"""A downlinked frame with the pose at its exposure: what detection and georeferencing need."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from missions.errors import UserError


class FrameError(UserError):
    """A frame that cannot be used (truncated JPEG, malformed metadata); it names its source."""


@dataclass(frozen=True)
class FramePose:
    time_s: float          # vehicle clock (MAVLink time_boot_ms / 1000)
    lat: float
    lon: float
    alt_home_m: float
    alt_water_m: float
    roll_deg: float
    pitch_deg: float
    yaw_deg: float
    gimbal_roll_deg: float = 0.0
    gimbal_pitch_deg: float = -90.0
    gimbal_yaw_deg: float = 0.0


@dataclass(frozen=True)
class Intrinsics:
    width: int
    height: int
    fx: float
    fy: float
    cx: float
    cy: float


@dataclass
class Frame:
    drone: int             # MAVLink system id of the vehicle that took it
    seq: int
    pose: FramePose
    camera: Intrinsics
    jpeg: bytes
    source: str = ""
    meta: dict = field(default_factory=dict)  # everything the source said, unknown fields included
    _image: np.ndarray | None = field(default=None, repr=False)

    def image(self) -> np.ndarray:
        """Decoded BGR pixels; a truncated or corrupt JPEG is a FrameError naming the frame."""
        if self._image is None:
            import cv2

            img = cv2.imdecode(np.frombuffer(self.jpeg, np.uint8), cv2.IMREAD_COLOR) if self.jpeg else None
            if img is None:
                raise FrameError(f"{self.source} vehicle {self.drone} frame {self.seq}: "
                                 f"the JPEG ({len(self.jpeg)} bytes) does not decode")
            if img.shape[1] != self.camera.width or img.shape[0] != self.camera.height:
                raise FrameError(f"{self.source} vehicle {self.drone} frame {self.seq}: image is "
                                 f"{img.shape[1]}x{img.shape[0]}, metadata says {self.camera.width}x{self.camera.height}")
            self._image = img
        return self._image
