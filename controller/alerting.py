"""The patrol's eyes and voice: each frame through vision (detect, georeference, confirm), and every
confirmed anomaly, then each real change to it, as a ticket for the agencies in charge.

A frame hook for `controller.frames.FramePipeline`. Vision owns what an anomaly is; the ticket
stage owns who hears about it; this module only converts one into the other (docs/tickets.md).
"""
from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable

log = logging.getLogger("waterpatrol.alerting")


@dataclass
class Raised:
    """What was said about one anomaly, and when (vehicle time), for the record and for scoring."""

    anomaly_id: str
    kind: str
    first_seen_s: float
    ticket_s: float
    reports: int = 1
    ticket_id: str | None = None
    last_sightings: int = 0
    last_lat: float = 0.0
    last_lon: float = 0.0
    again: bool = False     # an earlier ticket (before a restart) seen again, not a new one


@dataclass
class AlertStats:
    frames: int = 0
    skipped: int = 0        # frames not looked at (takeoff and landing, below the detector's altitudes)
    detections: int = 0
    sightings: int = 0
    implausible: int = 0    # sightings dropped: the wrong size for their class, or the wrong side of the shore
    confirmed: int = 0
    tickets: int = 0
    updates: int = 0
    errors: int = 0
    last_error: str = ""
    per_class: dict = field(default_factory=dict)


def _when(s: float, epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch + s, timezone.utc)


@dataclass(frozen=True)
class KnownTicket:
    """A ticket raised before this controller started (an earlier run, or this one before a restart)."""

    anomaly_id: str
    kind: str
    lat: float
    lon: float
    uncertainty_m: float


def known_tickets(docs) -> list[KnownTicket]:
    """Open tickets from the outbox's latest versions (`Outbox.all_latest()`); resolved ones are history."""
    out = []
    for d in docs:
        if d.get("status") in ("resolved", "false_alarm"):
            continue
        lon, lat = d["location"]["point"]["coordinates"][:2]
        out.append(KnownTicket(d["anomaly_id"], d["type"], float(lat), float(lon), float(d["location"]["uncertainty_m"])))
    return out


class AlertHook:
    def __init__(self, vision, submit: Callable | None, *, mission: str, drone_names: dict[int, str] | None = None,
                 exercise: bool = False, update_every: int = 4, now_vehicle_s: Callable[[], float] | None = None,
                 known: list[KnownTicket] | None = None):
        """`vision`: a vision.FramePipeline; `submit(report)`: the ticket server's, or None to only detect.

        `known`: tickets already raised (before a restart the tracker's memory is gone): an anomaly
        confirmed again where one of them lies becomes an update of that ticket, never a second one.
        """
        self.vision = vision
        self.known = list(known or [])
        self._alias: dict[str, str] = {}   # vision anomaly id -> the earlier ticket's anomaly_id
        self.submit = submit
        self.mission = mission
        self.drone_names = drone_names or {}
        self.exercise = exercise
        self.update_every = update_every
        self.now_vehicle_s = now_vehicle_s
        self.stats = AlertStats()
        self.raised: dict[str, Raised] = {}
        self._lock = threading.Lock()

    def _drone(self, n: int) -> str:
        return self.drone_names.get(n, f"drone {n}")

    def _report(self, a, status: str, epoch: float):
        from controller.tickets import AnomalyReport

        first, last = _when(a.first_seen_s, epoch), _when(max(a.last_seen_s, a.first_seen_s), epoch)
        return AnomalyReport(
            anomaly_id=self._alias.get(a.id) or f"{self.mission}/{a.id}", kind=a.cls, lat=a.lat, lon=a.lon,
            uncertainty_m=float(a.uncertainty_m), first_seen=first, last_seen=last, sightings=int(a.sightings),
            confidence=float(min(max(a.confidence, 0.0), 1.0)), model_version=self.vision.detector.model_version,
            drone=", ".join(self._drone(d) for d in (a.drones or (1,))), mission=self.mission,
            crop_jpeg=a.evidence_jpeg, frame_jpeg=a.frame_jpeg, status=status, exercise=self.exercise)

    def __call__(self, frame) -> None:
        meta = dict(frame.meta) if frame.meta else {}
        if "schema" not in meta:  # a video frame: its pose comes from telemetry
            p = frame.pose
            meta.update({"lat": p.lat, "lon": p.lon, "alt_home_m": p.alt_home_m, "alt_water_m": p.alt_water_m,
                         "roll_deg": p.roll_deg, "pitch_deg": p.pitch_deg, "yaw_deg": p.yaw_deg,
                         "gimbal_roll_deg": p.gimbal_roll_deg, "gimbal_pitch_deg": p.gimbal_pitch_deg,
                         "gimbal_yaw_deg": p.gimbal_yaw_deg, "time_s": p.time_s, "vehicle": frame.drone,
                         "seq": frame.seq, "camera": frame.camera.__dict__})
        epoch = float(meta.get("wall_time", time.time())) - frame.pose.time_s
        result = self.vision.process(frame.jpeg, meta, image=frame.image())
        st = self.stats
        with self._lock:
            st.frames += 1
            st.skipped += result.skipped is not None
            st.detections += len(result.detections)
            st.sightings += len(result.sightings)
            st.implausible += len(result.dropped)
            for d in result.detections:
                st.per_class[d.cls] = st.per_class.get(d.cls, 0) + 1
        if self.submit is None:
            st.confirmed += len(result.confirmed)
            return
        now = self.now_vehicle_s() if self.now_vehicle_s else frame.pose.time_s
        for a in result.confirmed:
            self.raise_confirmed(a, epoch, now)
        t = frame.pose.time_s
        for a in self.vision.anomalies:  # changes to what was already reported
            r = self.raised.get(a.id)
            if r is None or not a.confirmed or a.last_seen_s < t - 1e-6:
                continue
            moved = _metres(r.last_lat, r.last_lon, a.lat, a.lon) > max(2.0 * a.uncertainty_m, 15.0)
            if moved or a.sightings - r.last_sightings >= self.update_every:
                self._send(a, "moved" if moved else "seen_again", epoch, now)

    def raise_confirmed(self, a, epoch: float, now_s: float) -> None:
        """A newly confirmed anomaly: a new ticket, or an update of the earlier ticket at its place."""
        prior = self._known_match(a)
        if prior is not None:
            self._alias[a.id] = prior.anomaly_id
            self._send(a, "seen_again", epoch, now_s, again=True)
        else:
            self._send(a, "new", epoch, now_s)

    def _known_match(self, a) -> KnownTicket | None:
        """The nearest earlier ticket of the same class within both error radii plus the class's extent."""
        from vision.confirm import CLASS_EXTENT_M

        best, best_d = None, math.inf
        for k in self.known:
            if k.kind != a.cls:
                continue
            d = _metres(k.lat, k.lon, a.lat, a.lon)
            gate = k.uncertainty_m + float(a.uncertainty_m) + CLASS_EXTENT_M.get(a.cls, 10.0)
            if a.cls == "fishing_net":
                gate += 50.0   # a net's centre moves along its line as more of it is seen
            if d <= gate and d < best_d:
                best, best_d = k, d
        return best

    def _send(self, a, status: str, epoch: float, now_s: float, again: bool = False) -> None:
        st = self.stats
        try:
            if a.evidence_jpeg is None or a.frame_jpeg is None:
                return
            out = self.submit(self._report(a, status, epoch))
        except Exception as exc:  # a ticket that cannot be raised is logged, the patrol goes on
            st.errors += 1
            st.last_error = f"{a.id}: {exc.__class__.__name__}: {exc}"
            log.warning("ticket for anomaly %s failed: %s", a.id, exc)
            return
        with self._lock:
            r = self.raised.get(a.id)
            if r is None:
                self.raised[a.id] = Raised(a.id, a.cls, a.first_seen_s, now_s, 1, getattr(out, "ticket_id", None),
                                           a.sightings, a.lat, a.lon, again=again)
                st.confirmed += 1
                if again:
                    st.updates += 1
                else:
                    st.tickets += 1
            else:
                r.reports += 1
                r.last_sightings, r.last_lat, r.last_lon = a.sightings, a.lat, a.lon
                st.updates += 1


def _metres(lat1, lon1, lat2, lon2) -> float:
    dy = (lat2 - lat1) * 111_195.0
    dx = (lon2 - lon1) * 111_195.0 * math.cos(math.radians((lat1 + lat2) / 2))
    return math.hypot(dx, dy)
