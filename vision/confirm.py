"""From sightings to anomalies: associate across frames, passes and sorties, confirm, keep the best evidence.

A sighting joins the nearest anomaly of its class within a gate (the two error radii plus the
class's size: a pile seen in part from one side and whole from the other still agrees); nets join
when their lines are near and roughly parallel, and the anomaly's line grows to span every piece,
so a net seen as several boxes along a line (tiles, frames, passes) stays one anomaly.

Location is the inverse-variance mean of the sightings. Errors of sightings taken moments apart are
mostly shared (the same GPS bias, the same attitude), so the radius shrinks with the number of
independent looks (sightings at least `decorrelation_s` apart, or from another drone), not with the
raw count. An anomaly is confirmed after `min_frames` frames with combined confidence at least
`confirm_conf`, or at once when one sighting is at least `strong_conf`.
"""
from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, field

import cv2
import numpy as np

from .types import Anomaly, Sighting

ID_NAMESPACE = uuid.UUID("6f1c2a52-8d0e-4f5b-9a57-0c3b1d8e7a11")   # anomaly ids: UUID v5 of the first sighting

# how far (m) two sightings of one object of a class may lie apart beyond their error radii (a gill net
# bows in wind and current, and a piece seen at a frame's edge lands metres off its line)
CLASS_EXTENT_M = {"fishing_net": 20.0, "fishing_boat": 8.0, "swimmer": 4.0, "waste_pile": 15.0, "muck_truck": 8.0,
                  "floating_debris": 8.0}


class LocalMetric:
    """Metres east/north of a reference point; good to millimetres over the few hundred metres compared."""

    def __init__(self, lat0: float, lon0: float):
        phi = math.radians(lat0)
        self.lat0, self.lon0 = lat0, lon0
        self.m_lat = 111132.92 - 559.82 * math.cos(2 * phi) + 1.175 * math.cos(4 * phi)
        self.m_lon = 111412.84 * math.cos(phi) - 93.5 * math.cos(3 * phi)

    def xy(self, lat: float, lon: float) -> np.ndarray:
        return np.array([(lon - self.lon0) * self.m_lon, (lat - self.lat0) * self.m_lat])

    def latlon(self, xy) -> tuple[float, float]:
        return self.lat0 + float(xy[1]) / self.m_lat, self.lon0 + float(xy[0]) / self.m_lon


@dataclass(frozen=True)
class ConfirmPolicy:
    min_frames: int = 3
    confirm_conf: float = 0.8        # combined: 1 - prod(1 - c) over frames
    strong_conf: float = 0.9         # one sighting this sure confirms at once
    min_conf: float = 0.2            # sightings below are ignored
    decorrelation_s: float = 20.0
    net_angle_deg: float = 25.0
    evidence_pad: float = 0.6        # the crop is the box grown by this fraction of its size each side
    evidence_min_px: int = 160
    history: int = 64                # sightings kept per anomaly (the oldest weakest go first)


@dataclass(eq=False)
class _Track:
    anomaly: Anomaly
    sightings: list[Sighting] = field(default_factory=list)
    frame_conf: dict = field(default_factory=dict)      # (drone, seq) -> best conf in that frame
    best_score: float = -1.0


def _evidence_score(s: Sighting) -> float:
    """Prefer confident sightings seen large and near the image centre."""
    W, H = s.image_size if s.image_size[0] else (1, 1)
    cx, cy = (s.box[0] + s.box[2]) / 2 / W, (s.box[1] + s.box[3]) / 2 / H
    central = 1.0 - min(1.0, math.hypot(cx - 0.5, cy - 0.5) * 1.4)
    closeness = 1.0 / (1.0 + 10.0 * s.gsd_m) if s.gsd_m > 0 else 0.5
    return s.conf + 0.3 * central + 0.3 * closeness


class Confirmer:
    """Feed it each frame's sightings (with the frame) and read back anomalies; see the module docstring."""

    def __init__(self, policy: ConfirmPolicy = ConfirmPolicy()):
        self.policy = policy
        self._tracks: list[_Track] = []
        self._metric: LocalMetric | None = None

    # --- public ---------------------------------------------------------------------------------------
    @property
    def anomalies(self) -> list[Anomaly]:
        return [t.anomaly for t in self._tracks]

    def confirmed(self) -> list[Anomaly]:
        return [t.anomaly for t in self._tracks if t.anomaly.confirmed]

    def add(self, sightings: list[Sighting], frame_jpeg: bytes | None = None,
            image: np.ndarray | None = None) -> list[Anomaly]:
        """Take one frame's sightings; returns the anomalies this frame confirmed (each once, ever).

        `frame_jpeg` (the frame as received) and/or `image` (decoded BGR) supply the evidence crops."""
        newly = []
        touched: list[_Track] = []
        for s in sightings:
            if s.conf < self.policy.min_conf:
                continue
            if self._metric is None:
                self._metric = LocalMetric(s.lat, s.lon)
            track = self._associate(s)
            if track is None:
                track = self._new_track(s)
            self._update(track, s)
            if _evidence_score(s) > track.best_score and (frame_jpeg is not None or image is not None):
                image = image if image is not None else cv2.imdecode(np.frombuffer(frame_jpeg, np.uint8), cv2.IMREAD_COLOR)
                self._set_evidence(track, s, image, frame_jpeg)
            touched.append(track)
        for track in dict.fromkeys(touched):
            if track in self._tracks and track.anomaly.cls == "fishing_net":
                self._join_nets(track)
        for track in self._tracks:
            a = track.anomaly
            if not a.confirmed and self._enough(track):
                a.confirmed = True
                a.confirmed_s = a.last_seen_s
                newly.append(a)
        return newly

    # --- association ----------------------------------------------------------------------------------
    def _xy(self, lat: float, lon: float) -> np.ndarray:
        return self._metric.xy(lat, lon)

    def _segment(self, s: Sighting) -> np.ndarray:
        if s.line is None:
            p = self._xy(s.lat, s.lon)
            return np.array([p, p])
        return np.array([self._xy(*s.line[0]), self._xy(*s.line[1])])

    def _associate(self, s: Sighting) -> _Track | None:
        best, best_d = None, math.inf
        p = self._xy(s.lat, s.lon)
        extent = CLASS_EXTENT_M.get(s.cls, 8.0)
        for t in self._tracks:
            a = t.anomaly
            if a.cls != s.cls:
                continue
            gate = a.uncertainty_m + s.uncertainty_m + extent
            if s.cls == "fishing_net" and a.line is not None:
                seg_a = np.array([self._xy(*a.line[0]), self._xy(*a.line[1])])
                d = _segment_distance(self._segment(s), seg_a)
                if d > gate or not _same_net(self._segment(s), seg_a, self.policy.net_angle_deg, extent):
                    continue
            else:
                d = float(np.linalg.norm(p - self._xy(a.lat, a.lon)))
                if d > gate:
                    continue
            if d < best_d:
                best, best_d = t, d
        return best

    def _new_track(self, s: Sighting) -> _Track:
        # the same stream replayed (a restarted controller) gives the same ids
        aid = str(uuid.uuid5(ID_NAMESPACE, f"{s.cls}:{s.drone}:{s.seq}:{s.lat:.7f}:{s.lon:.7f}:{s.time_s:.3f}"))
        a = Anomaly(id=aid, cls=s.cls, lat=s.lat, lon=s.lon, uncertainty_m=s.uncertainty_m, first_seen_s=s.time_s,
                    last_seen_s=s.time_s, sightings=0, confidence=0.0, line=s.line)
        t = _Track(a)
        self._tracks.append(t)
        return t

    # --- update ---------------------------------------------------------------------------------------
    def _update(self, t: _Track, s: Sighting) -> None:
        a = t.anomaly
        t.sightings.append(s)
        if len(t.sightings) > self.policy.history:      # forget the weakest old one, keep the spread of evidence
            k = min(range(len(t.sightings) - 1), key=lambda i: t.sightings[i].conf)
            t.sightings.pop(k)
        key = (s.drone, s.seq)
        t.frame_conf[key] = max(t.frame_conf.get(key, 0.0), s.conf)
        a.sightings += 1
        a.first_seen_s = min(a.first_seen_s, s.time_s)
        a.last_seen_s = max(a.last_seen_s, s.time_s)
        a.drones = tuple(sorted(set(a.drones) | {s.drone}))
        a.frames = tuple(list(dict.fromkeys([*a.frames, s.seq]))[-16:])
        a.confidence = float(min(0.999, 1.0 - np.prod([1.0 - min(c, 0.99) for c in t.frame_conf.values()])))
        self._locate(t)

    def _locate(self, t: _Track) -> None:
        a = t.anomaly
        ss = t.sightings
        w = np.array([1.0 / max(s.uncertainty_m, 0.1) ** 2 for s in ss])
        if a.cls == "fishing_net" and any(s.line is not None for s in ss):
            ends = np.vstack([self._segment(s) for s in ss])
            ww = np.repeat(w, 2)
            c = (ends * ww[:, None]).sum(0) / ww.sum()
            d = ends - c
            if np.ptp(d, axis=0).max() > 1e-6:
                _, _, vt = np.linalg.svd(d * np.sqrt(ww)[:, None], full_matrices=False)
                axis = vt[0]
                proj = d @ axis
                p0, p1 = c + axis * proj.min(), c + axis * proj.max()
            else:
                p0 = p1 = c
            a.line = (self._metric.latlon(p0), self._metric.latlon(p1))
            a.length_m = float(np.linalg.norm(p1 - p0))
            a.lat, a.lon = self._metric.latlon((p0 + p1) / 2)
        else:
            xy = np.array([self._xy(s.lat, s.lon) for s in ss])
            c = (xy * w[:, None]).sum(0) / w.sum()
            a.lat, a.lon = self._metric.latlon(c)
        a.uncertainty_m = self._radius(ss)

    def _radius(self, ss: list[Sighting]) -> float:
        """Best radius of each independent look, combined as independent measurements."""
        looks: dict = {}
        for s in sorted(ss, key=lambda s: s.time_s):
            key = None
            for (drone, t0), u in looks.items():
                if drone == s.drone and s.time_s - t0 < self.policy.decorrelation_s:
                    key = (drone, t0)
                    break
            key = key or (s.drone, s.time_s)
            looks[key] = min(looks.get(key, math.inf), s.uncertainty_m)
        return float(1.0 / math.sqrt(sum(1.0 / max(u, 0.1) ** 2 for u in looks.values())))

    def _join_nets(self, t: _Track) -> None:
        """Two net anomalies whose lines now meet (a long net found in pieces) become one."""
        changed = True
        while changed:
            changed = False
            a = t.anomaly
            if a.line is None:
                return
            seg = np.array([self._xy(*a.line[0]), self._xy(*a.line[1])])
            for o in list(self._tracks):
                b = o.anomaly
                if o is t or b.cls != "fishing_net" or b.line is None:
                    continue
                sb = np.array([self._xy(*b.line[0]), self._xy(*b.line[1])])
                gate = a.uncertainty_m + b.uncertainty_m + CLASS_EXTENT_M["fishing_net"]
                if _segment_distance(seg, sb) <= gate and _same_net(seg, sb, self.policy.net_angle_deg,
                                                                     CLASS_EXTENT_M["fishing_net"]):
                    keep, drop = (t, o) if (a.first_seen_s, a.id) <= (b.first_seen_s, b.id) else (o, t)
                    self._absorb(keep, drop)
                    t = keep
                    changed = True
                    break

    def _absorb(self, keep: _Track, drop: _Track) -> None:
        a, b = keep.anomaly, drop.anomaly
        keep.sightings += drop.sightings
        for k, c in drop.frame_conf.items():
            keep.frame_conf[k] = max(keep.frame_conf.get(k, 0.0), c)
        a.sightings += b.sightings
        a.first_seen_s, a.last_seen_s = min(a.first_seen_s, b.first_seen_s), max(a.last_seen_s, b.last_seen_s)
        a.drones = tuple(sorted(set(a.drones) | set(b.drones)))
        a.frames = tuple(list(dict.fromkeys([*a.frames, *b.frames]))[-16:])
        a.confidence = float(min(0.999, 1.0 - np.prod([1.0 - min(c, 0.99) for c in keep.frame_conf.values()])))
        if b.confirmed and not a.confirmed:      # what was already announced stays announced, under the older id
            a.confirmed, a.confirmed_s = True, b.confirmed_s
        if drop.best_score > keep.best_score:
            keep.best_score = drop.best_score
            a.evidence_jpeg, a.frame_jpeg, a.evidence_box, a.evidence_seq = (b.evidence_jpeg, b.frame_jpeg, b.evidence_box,
                                                                             b.evidence_seq)
        self._tracks.remove(drop)
        self._locate(keep)

    def _enough(self, t: _Track) -> bool:
        p = self.policy
        confs = list(t.frame_conf.values())
        return (max(confs, default=0.0) >= p.strong_conf
                or (len(confs) >= p.min_frames and t.anomaly.confidence >= p.confirm_conf))

    def _set_evidence(self, t: _Track, s: Sighting, image: np.ndarray | None, frame_jpeg: bytes | None) -> None:
        if image is None:
            return
        t.best_score = _evidence_score(s)
        H, W = image.shape[:2]
        x1, y1, x2, y2 = s.box
        bw, bh = x2 - x1, y2 - y1
        half = max(self.policy.evidence_min_px / 2, max(bw, bh) * (0.5 + self.policy.evidence_pad))
        cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
        X1, Y1 = int(max(0, cx - half)), int(max(0, cy - half))
        X2, Y2 = int(min(W, cx + half)), int(min(H, cy + half))
        crop = image[Y1:Y2, X1:X2].copy()
        cv2.rectangle(crop, (int(x1 - X1), int(y1 - Y1)), (int(x2 - X1), int(y2 - Y1)), (0, 0, 255), 2)
        ok, jpg = cv2.imencode(".jpg", crop, [cv2.IMWRITE_JPEG_QUALITY, 90])
        a = t.anomaly
        a.evidence_jpeg = jpg.tobytes() if ok else None
        if frame_jpeg is None:
            ok, fj = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 85])
            frame_jpeg = fj.tobytes() if ok else None
        a.frame_jpeg = frame_jpeg
        a.evidence_box = s.box
        a.evidence_seq = s.seq


def _segment_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Shortest distance between two segments (2 x 2 each; a point is a segment of zero length)."""
    def point_seg(p, s):
        d = s[1] - s[0]
        L = float(d @ d)
        t = 0.0 if L == 0 else float(np.clip((p - s[0]) @ d / L, 0, 1))
        return float(np.linalg.norm(p - (s[0] + t * d)))
    if _crosses(a, b):
        return 0.0
    return min(point_seg(a[0], b), point_seg(a[1], b), point_seg(b[0], a), point_seg(b[1], a))


def _crosses(a: np.ndarray, b: np.ndarray) -> bool:
    def orient(p, q, r):
        return np.sign((q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0]))
    return (orient(a[0], a[1], b[0]) * orient(a[0], a[1], b[1]) < 0) and (orient(b[0], b[1], a[0]) * orient(b[0], b[1], a[1]) < 0)


def _same_net(a: np.ndarray, b: np.ndarray, max_deg: float, extent_m: float) -> bool:
    """Two pieces of one net: roughly parallel, or the middle of one lies on the other's line (a piece
    whose box diagonal was read the wrong way still sits on the net it belongs to)."""
    if _parallel(a, b, max_deg):
        return True
    short, long_ = (a, b) if np.linalg.norm(a[1] - a[0]) <= np.linalg.norm(b[1] - b[0]) else (b, a)
    mid = (short[0] + short[1]) / 2
    return _segment_distance(np.array([mid, mid]), long_) <= extent_m / 2


def _parallel(a: np.ndarray, b: np.ndarray, max_deg: float, short_m: float = 15.0) -> bool:
    """Lines roughly parallel; a short piece (under 15 m: a box a few hundred pixels long, whose diagonal
    is as likely the wrong one) has no reliable direction and passes."""
    da, db = a[1] - a[0], b[1] - b[0]
    la, lb = float(np.linalg.norm(da)), float(np.linalg.norm(db))
    if la < short_m or lb < short_m:
        return True
    cos = abs(float(da @ db)) / (la * lb)
    return cos >= math.cos(math.radians(max_deg))
