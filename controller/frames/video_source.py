"""Frames from any OpenCV source (an RTSP URL, a recording), posed from MAVLink telemetry.

Live streams are stamped on arrival less the video's latency; a recording is stamped from its
own clock plus `start_boot_s`, the vehicle time of its first frame.
"""
from __future__ import annotations

import math
import time

import cv2

from .frame import Frame, FrameError, Intrinsics
from .pose_history import PoseHistory


class VideoFrameSource:
    def __init__(self, url: str, history: PoseHistory, hfov_deg: float, drone: int = 1, latency_s: float = 0.2,
                 start_boot_s: float | None = None, every: int = 1, jpeg_quality: int = 90):
        self.url = url
        self.history = history
        self.hfov_deg = hfov_deg
        self.drone = drone
        self.latency_s = latency_s
        self.start_boot_s = start_boot_s
        self.every = max(1, every)
        self.quality = jpeg_quality
        self.cap = cv2.VideoCapture(url)
        if not self.cap.isOpened():
            raise FrameError(f"--frames {url}: OpenCV cannot open this video source")
        self._n = 0
        self._seq = 0
        self._stats = {"received": 0, "rejected": 0, "last_rejection": "", "gaps": 0}

    def next(self, timeout_s: float) -> Frame | None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline or timeout_s == 0:
            ok, img = self.cap.read()
            arrived = time.monotonic()
            if not ok or img is None:
                return None
            self._n += 1
            if (self._n - 1) % self.every:
                continue
            if self.start_boot_s is not None:
                boot = self.start_boot_s + self.cap.get(cv2.CAP_PROP_POS_MSEC) / 1000.0
            else:
                boot = self.history.boot_at_wall(arrived - self.latency_s)
            pose = self.history.at(boot) if boot is not None else None
            if pose is None:
                self._stats["rejected"] += 1
                self._stats["last_rejection"] = "no telemetry around the frame's time"
                continue
            h, w = img.shape[:2]
            fx = (w / 2) / math.tan(math.radians(self.hfov_deg) / 2)
            ok, jpeg = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, self.quality])
            frame = Frame(self.drone, self._seq, pose, Intrinsics(w, h, fx, fx, w / 2, h / 2), jpeg.tobytes(),
                          self.url, {"source": "video"})
            frame._image = img
            self._seq += 1
            self._stats["received"] += 1
            return frame
        return None

    @property
    def stats(self) -> dict:
        return dict(self._stats)

    def close(self) -> None:
        self.cap.release()
