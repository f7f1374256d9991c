"""Frames from a ZeroMQ PUB stream (docs/frames.md): [topic, JSON metadata, JPEG] per frame.

Malformed messages are counted and logged, one line each, and dropped; they never stop the stream.
"""
from __future__ import annotations

import json
import logging
import math

import zmq

from .frame import Frame, FramePose, Intrinsics

log = logging.getLogger("waterpatrol.frames")
SCHEMA_MAJOR = "waterpatrol.frame/1"
POSE_FIELDS = ("time_s", "lat", "lon", "alt_home_m", "alt_water_m", "roll_deg", "pitch_deg", "yaw_deg")
MAX_MESSAGE = 32 * 1024 * 1024


class Rejected(ValueError):
    pass


def decode(parts: list[bytes], source: str) -> Frame:
    if len(parts) != 3:
        raise Rejected(f"{len(parts)} message parts, expected 3 (topic, metadata, JPEG)")
    topic, raw, jpeg = parts
    try:
        meta = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise Rejected(f"metadata is not JSON ({exc.__class__.__name__})") from None
    if not isinstance(meta, dict):
        raise Rejected("metadata is not a JSON object")
    schema = meta.get("schema")
    if schema != SCHEMA_MAJOR:
        raise Rejected(f"schema {schema!r} is not {SCHEMA_MAJOR}")
    try:
        vehicle, seq = int(meta["vehicle"]), int(meta["seq"])
        pose_vals = {k: float(meta[k]) for k in POSE_FIELDS}
        gimbal = {k: float(meta.get(k, d)) for k, d in (("gimbal_roll_deg", 0.0), ("gimbal_pitch_deg", -90.0),
                                                         ("gimbal_yaw_deg", 0.0))}
        cam = meta["camera"]
        camera = Intrinsics(int(cam["width"]), int(cam["height"]), float(cam["fx"]), float(cam["fy"]),
                            float(cam["cx"]), float(cam["cy"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise Rejected(f"metadata field {exc} missing or not a number") from None
    bad = [k for k, v in {**pose_vals, **gimbal}.items() if not math.isfinite(v)]
    if bad:
        raise Rejected(f"metadata field {bad[0]} is {meta.get(bad[0])!r}")
    if not (-90 <= pose_vals["lat"] <= 90 and -180 <= pose_vals["lon"] <= 180):
        raise Rejected(f"position ({pose_vals['lat']}, {pose_vals['lon']}) is not on Earth")
    if camera.width <= 0 or camera.height <= 0 or camera.fx <= 0:
        raise Rejected(f"camera {camera.width}x{camera.height} fx {camera.fx} is not a camera")
    if topic != f"frame/{vehicle:03d}".encode():
        raise Rejected(f"topic {topic[:20]!r} does not match vehicle {vehicle}")
    return Frame(vehicle, seq, FramePose(**pose_vals, **gimbal), camera, bytes(jpeg), source, meta)


class ZmqFrameSource:
    def __init__(self, endpoint: str, vehicles: list[int] | None = None, hwm: int = 64):
        self.endpoint = endpoint
        self.ctx = zmq.Context.instance()
        self.sock = self.ctx.socket(zmq.SUB)
        self.sock.setsockopt(zmq.RCVHWM, hwm)
        self.sock.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE)
        self.sock.setsockopt(zmq.LINGER, 0)
        topics = [b"frame/"] if not vehicles else [f"frame/{v:03d}".encode() for v in vehicles]
        for t in topics:
            self.sock.setsockopt(zmq.SUBSCRIBE, t)
        try:
            self.sock.connect(endpoint)
        except zmq.ZMQError as exc:
            from .frame import FrameError
            raise FrameError(f"--frames {endpoint}: {exc}") from None
        self._stats = {"received": 0, "rejected": 0, "last_rejection": "", "gaps": 0}
        self._last_seq: dict[int, int] = {}

    def next(self, timeout_s: float) -> Frame | None:
        import time
        deadline = time.monotonic() + timeout_s
        while True:
            if not self.sock.poll(max(0, int((deadline - time.monotonic()) * 1000))):
                return None
            parts = self.sock.recv_multipart()
            try:
                frame = decode(parts, self.endpoint)
            except Rejected as exc:
                self._stats["rejected"] += 1
                self._stats["last_rejection"] = str(exc)
                log.warning("%s: dropped a malformed frame message: %s", self.endpoint, exc)
                continue
            last = self._last_seq.get(frame.drone)
            if last is not None and frame.seq > last + 1:
                self._stats["gaps"] += frame.seq - last - 1
            self._last_seq[frame.drone] = frame.seq
            self._stats["received"] += 1
            return frame

    @property
    def stats(self) -> dict:
        return dict(self._stats)

    def close(self) -> None:
        self.sock.close(0)
