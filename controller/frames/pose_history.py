"""The vehicle's recent poses from MAVLink telemetry, to give a video frame the pose at its exposure.

A real drone's video (RTSP, a recording) carries no pose; its frames are stamped on arrival and
matched to telemetry by time, less the video's latency, interpolating between telemetry samples.
"""
from __future__ import annotations

import bisect
import math
import threading
import time
from dataclasses import dataclass

from .frame import FramePose


@dataclass
class _Sample:
    wall: float
    boot_s: float
    lat: float
    lon: float
    alt_home_m: float
    roll: float = 0.0
    pitch: float = 0.0
    yaw: float = 0.0


def _lerp_angle(a: float, b: float, f: float) -> float:
    d = (b - a + 180.0) % 360.0 - 180.0
    return (a + d * f) % 360.0


class PoseHistory:
    def __init__(self, water_level_m: float = 0.0, keep_s: float = 120.0, gimbal=(0.0, -90.0, 0.0)):
        self.water_level_m = water_level_m
        self.keep_s = keep_s
        self.gimbal = gimbal
        self._s: list[_Sample] = []
        self._att = (0.0, 0.0, 0.0)
        self._lock = threading.Lock()

    # feeding -----------------------------------------------------------------------------------
    def attach(self, link) -> "PoseHistory":
        """Listen on a controller Link for GLOBAL_POSITION_INT and ATTITUDE."""
        link.on("ATTITUDE", lambda m: self.attitude(math.degrees(m.roll), math.degrees(m.pitch), math.degrees(m.yaw)))
        link.on("GLOBAL_POSITION_INT", lambda m: self.add(m.time_boot_ms / 1000.0, m.lat / 1e7, m.lon / 1e7,
                                                          m.relative_alt / 1000.0))
        return self

    def attitude(self, roll: float, pitch: float, yaw: float) -> None:
        self._att = (roll, pitch, yaw % 360.0)

    def add(self, boot_s: float, lat: float, lon: float, alt_home_m: float, wall: float | None = None) -> None:
        wall = time.monotonic() if wall is None else wall
        r, p, y = self._att
        with self._lock:
            if self._s and boot_s <= self._s[-1].boot_s:
                if boot_s < self._s[-1].boot_s - 1.0:
                    self._s.clear()  # reboot
                else:
                    return
            self._s.append(_Sample(wall, boot_s, lat, lon, alt_home_m, r, p, y))
            while self._s and boot_s - self._s[0].boot_s > self.keep_s:
                self._s.pop(0)

    # reading -----------------------------------------------------------------------------------
    def boot_at_wall(self, wall: float) -> float | None:
        with self._lock:
            if not self._s:
                return None
            s = self._s
            i = bisect.bisect_left([x.wall for x in s], wall)
            if i <= 0:
                return s[0].boot_s - (s[0].wall - wall)
            if i >= len(s):
                return s[-1].boot_s + (wall - s[-1].wall)
            a, b = s[i - 1], s[i]
            f = (wall - a.wall) / (b.wall - a.wall) if b.wall > a.wall else 0.0
            return a.boot_s + f * (b.boot_s - a.boot_s)

    def at(self, boot_s: float, max_gap_s: float = 2.0) -> FramePose | None:
        """Interpolated pose at vehicle time `boot_s`, or None outside the telemetry on hand."""
        with self._lock:
            s = list(self._s)
        if not s or boot_s < s[0].boot_s - max_gap_s or boot_s > s[-1].boot_s + max_gap_s:
            return None
        times = [x.boot_s for x in s]
        i = bisect.bisect_left(times, boot_s)
        a = s[max(i - 1, 0)]
        b = s[min(i, len(s) - 1)]
        f = 0.0 if b.boot_s == a.boot_s else min(max((boot_s - a.boot_s) / (b.boot_s - a.boot_s), 0.0), 1.0)
        alt = a.alt_home_m + f * (b.alt_home_m - a.alt_home_m)
        gr, gp, gy = self.gimbal
        return FramePose(time_s=boot_s, lat=a.lat + f * (b.lat - a.lat), lon=a.lon + f * (b.lon - a.lon),
                         alt_home_m=alt, alt_water_m=alt - self.water_level_m,
                         roll_deg=a.roll + f * (b.roll - a.roll), pitch_deg=a.pitch + f * (b.pitch - a.pitch),
                         yaw_deg=_lerp_angle(a.yaw, b.yaw, f), gimbal_roll_deg=gr, gimbal_pitch_deg=gp,
                         gimbal_yaw_deg=gy)
