"""What the ticket stage takes in: one confirmed anomaly as the vision stage sees it.

The vision stage (detect -> georef -> track) confirms an anomaly from several sightings and hands
it over as an `AnomalyReport`: the class, the best ground position with its uncertainty, when it
was first and last seen, how often, how sure the model is, and the best evidence crop with its full
frame, both JPEG. It reports again when the anomaly changes (seen again on a later pass, moved,
gone); every report with the same `anomaly_id` updates the same ticket, never makes a new one.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime

OBSERVATIONS = ("new", "seen_again", "moved", "resolved")
CLASS_NAME = re.compile(r"^[a-z][a-z0-9_]{0,47}$")
JPEG_MAGIC = b"\xff\xd8\xff"


@dataclass(frozen=True)
class AnomalyReport:
    anomaly_id: str          # stable across reports and missions (the tracker's id, a UUID is best)
    kind: str                # the vision class: fishing_net, fishing_boat, swimmer, waste_pile, muck_truck, floating_debris
    lat: float
    lon: float
    uncertainty_m: float     # radius around (lat, lon) the object lies within
    first_seen: datetime     # timezone-aware
    last_seen: datetime
    sightings: int
    confidence: float        # 0..1
    model_version: str
    drone: str
    mission: str
    crop_jpeg: bytes         # the best evidence crop
    frame_jpeg: bytes        # the full frame it came from
    status: str = "new"      # new, seen_again, moved, resolved (no longer seen where it was)
    exercise: bool = False   # true when it comes from the simulator: CAP status Exercise

    def __post_init__(self) -> None:
        problems = list(report_problems(self))
        if problems:
            raise ValueError(f"AnomalyReport {self.anomaly_id!r}: " + "; ".join(problems))


def report_problems(r: AnomalyReport):
    """Why a report cannot become a ticket; a bad report is a bug upstream, so these are ValueErrors."""
    if not isinstance(r.anomaly_id, str) or not r.anomaly_id.strip() or len(r.anomaly_id) > 128:
        yield "anomaly_id must be a non-empty text of at most 128 characters"
    if not isinstance(r.kind, str) or not CLASS_NAME.match(r.kind):
        yield f"kind {r.kind!r} is not a class name (lower-case, digits, _)"
    for name in ("lat", "lon", "uncertainty_m", "confidence"):
        v = getattr(r, name)
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            yield f"{name} {v!r} is not a finite number"
            return
    if not -90 <= r.lat <= 90 or not -180 <= r.lon <= 180:
        yield f"(lat {r.lat}, lon {r.lon}) is not a WGS84 position"
    if r.uncertainty_m < 0:
        yield f"uncertainty_m {r.uncertainty_m} is negative"
    if not 0 <= r.confidence <= 1:
        yield f"confidence {r.confidence} is outside [0, 1]"
    if isinstance(r.sightings, bool) or not isinstance(r.sightings, int) or r.sightings < 1:
        yield f"sightings {r.sightings!r} must be a whole number >= 1"
    for name in ("first_seen", "last_seen"):
        t = getattr(r, name)
        if not isinstance(t, datetime) or t.tzinfo is None or t.utcoffset() is None:
            yield f"{name} must be a timezone-aware datetime"
            return
    if r.last_seen < r.first_seen:
        yield "last_seen is before first_seen"
    for name in ("model_version", "drone", "mission"):
        v = getattr(r, name)
        if not isinstance(v, str) or not v.strip():
            yield f"{name} must be a non-empty text"
    for name in ("crop_jpeg", "frame_jpeg"):
        v = getattr(r, name)
        if not isinstance(v, (bytes, bytearray)) or not bytes(v[:3]) == JPEG_MAGIC:
            yield f"{name} is not a JPEG image"
    if r.status not in OBSERVATIONS:
        yield f"status {r.status!r} is not one of {', '.join(OBSERVATIONS)}"
