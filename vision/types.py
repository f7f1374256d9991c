"""What crosses vision's boundaries: a camera pose in, detections, sightings and anomalies out.

Detection: a box in pixels. Sighting: the same placed on the ground with an error bar. Anomaly: one
object confirmed from several sightings, which is what becomes a ticket. All plain dataclasses with
`to_dict()` for JSON; lat/lon WGS84 degrees, distances metres, times seconds, angles degrees.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, replace

LatLon = tuple[float, float]
Box = tuple[float, float, float, float]      # x1, y1, x2, y2 in pixels, continuous (pixel i spans [i, i+1])


@dataclass(frozen=True)
class Intrinsics:
    """Pinhole without distortion, the convention of docs/camera.md: principal point at (W/2, H/2)."""

    width: int = 1920
    height: int = 1080
    fx: float = 0.0
    fy: float = 0.0
    cx: float = 0.0
    cy: float = 0.0

    @classmethod
    def from_hfov(cls, width: int, height: int, hfov_deg: float) -> "Intrinsics":
        f = (width / 2.0) / math.tan(math.radians(hfov_deg) / 2.0)
        return cls(int(width), int(height), f, f, width / 2.0, height / 2.0)

    @classmethod
    def from_dict(cls, d: dict) -> "Intrinsics":
        w, h = int(d.get("width", d.get("width_px", 1920))), int(d.get("height", d.get("height_px", 1080)))
        if d.get("fx"):
            return cls(w, h, float(d["fx"]), float(d.get("fy", d["fx"])), float(d.get("cx", w / 2.0)),
                       float(d.get("cy", h / 2.0)))
        return cls.from_hfov(w, h, float(d.get("hfov_deg", 82.0)))


@dataclass(frozen=True)
class CameraPose:
    """Where the camera was at exposure: vehicle position and attitude (ArduPilot 3-2-1 Euler, roll right,
    pitch nose-up, yaw clockwise from north), gimbal relative to the body (pitch -90 looks down)."""

    lat: float
    lon: float
    alt_home_m: float                      # above home (the dock), where land is
    intrinsics: Intrinsics = Intrinsics.from_hfov(1920, 1080, 82.0)
    alt_water_m: float | None = None       # above the water, when the source knows it
    roll_deg: float = 0.0
    pitch_deg: float = 0.0
    yaw_deg: float = 0.0
    gimbal_roll_deg: float = 0.0
    gimbal_pitch_deg: float = -90.0
    gimbal_yaw_deg: float = 0.0
    time_s: float = 0.0
    vn_mps: float = 0.0
    ve_mps: float = 0.0
    vehicle: int = 1
    seq: int = 0
    water_level_m: float | None = None     # the water surface relative to home, when the frame says

    @classmethod
    def from_meta(cls, m: dict) -> "CameraPose":
        """From frame metadata (docs/frames.md; the sim's Pose field names), tolerant of short names."""
        def g(*keys, default=None):
            for k in keys:
                if k in m and m[k] is not None:
                    return m[k]
            return default
        cam = g("camera", "intrinsics", default={}) or {}
        alt_home = g("alt_home_m", "alt_home", "alt")
        alt_water = g("alt_water_m", "alt_water")
        if alt_home is None and alt_water is None:
            raise ValueError("frame metadata has neither alt_home_m nor alt_water_m")
        return cls(lat=float(g("lat")), lon=float(g("lon")),
                   alt_home_m=float(alt_home) if alt_home is not None else float("nan"),
                   intrinsics=Intrinsics.from_dict(cam),
                   alt_water_m=float(alt_water) if alt_water is not None else None,
                   roll_deg=float(g("roll_deg", "roll", default=0.0)), pitch_deg=float(g("pitch_deg", "pitch", default=0.0)),
                   yaw_deg=float(g("yaw_deg", "yaw", default=0.0)),
                   gimbal_roll_deg=float(g("gimbal_roll_deg", "gimbal_roll", default=0.0)),
                   gimbal_pitch_deg=float(g("gimbal_pitch_deg", "gimbal_pitch", default=-90.0)),
                   gimbal_yaw_deg=float(g("gimbal_yaw_deg", "gimbal_yaw", default=0.0)),
                   time_s=float(g("time_s", "time", "t", default=0.0)),
                   vn_mps=float(g("vn_mps", "vn", default=0.0)), ve_mps=float(g("ve_mps", "ve", default=0.0)),
                   vehicle=int(g("vehicle", "drone", "sysid", default=1)), seq=int(g("seq", "frame", default=0)),
                   water_level_m=float(m["water_level_m"]) if m.get("water_level_m") is not None else None)

    def with_(self, **kw) -> "CameraPose":
        return replace(self, **kw)


@dataclass(frozen=True)
class Detection:
    cls: str
    conf: float
    box: Box
    line: tuple[tuple[float, float], tuple[float, float]] | None = None   # nets: the two ends of the line, pixels

    @property
    def center(self) -> tuple[float, float]:
        return ((self.box[0] + self.box[2]) / 2.0, (self.box[1] + self.box[3]) / 2.0)

    def to_dict(self) -> dict:
        d = {"class": self.cls, "conf": round(float(self.conf), 4), "box": [round(float(v), 1) for v in self.box]}
        if self.line is not None:
            d["line"] = [[round(float(v), 1) for v in p] for p in self.line]
        return d


@dataclass(frozen=True)
class Sighting:
    """One detection placed on the ground: what the confirmer consumes."""

    cls: str
    conf: float
    lat: float
    lon: float
    uncertainty_m: float            # ~95 % radius from pose errors and box size
    time_s: float
    drone: int
    seq: int
    box: Box
    line: tuple[LatLon, LatLon] | None = None      # nets: both ends on the ground
    gsd_m: float = 0.0              # metres per pixel at the box: how closely it was seen
    image_size: tuple[int, int] = (0, 0)           # (width, height) of the frame it came from

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Anomaly:
    """One object built from sightings; `confirmed` once the evidence is enough to alert anyone."""

    id: str
    cls: str
    lat: float
    lon: float
    uncertainty_m: float
    first_seen_s: float
    last_seen_s: float
    sightings: int
    confidence: float
    confirmed: bool = False
    drones: tuple[int, ...] = ()
    frames: tuple[int, ...] = ()                    # seq of the frames that saw it (the latest few)
    line: tuple[LatLon, LatLon] | None = None       # nets
    length_m: float | None = None                   # nets: length of the line seen so far
    evidence_jpeg: bytes | None = field(default=None, repr=False)   # best crop
    frame_jpeg: bytes | None = field(default=None, repr=False)      # the whole frame of that crop
    evidence_box: Box | None = None                 # the crop's box in that frame
    evidence_seq: int | None = None
    confirmed_s: float | None = None

    def to_dict(self, images: bool = False) -> dict:
        d = asdict(self)
        if not images:
            d.pop("evidence_jpeg"), d.pop("frame_jpeg")
        return d
