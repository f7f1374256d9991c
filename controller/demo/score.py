"""Tickets against ground truth: a ticket is right when it lies within its uncertainty plus 10 m of a
planted object of the same class, each object matched once (closest pairs first)."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from shapely.geometry import Point, shape
from shapely.ops import transform

from missions.geo import LocalFrame

MATCH_SLACK_M = 10.0


@dataclass
class TruthObject:
    id: str
    cls: str
    geom: object        # shapely, local metres
    lat: float
    lon: float


@dataclass
class TicketPoint:
    id: str
    cls: str
    lat: float
    lon: float
    uncertainty_m: float
    x: float = 0.0
    y: float = 0.0


@dataclass
class Match:
    ticket: str
    truth: str
    cls: str
    error_m: float


@dataclass
class Score:
    tickets: int
    anomalies: int
    matches: list[Match]
    false_alarms: list[str]           # ticket ids
    missed: list[str]                 # truth ids
    precision: float | None
    recall: float
    per_class_recall: dict[str, float | None]
    loc_err_median_m: float | None
    loc_err_p95_m: float | None
    per_class_counts: dict = field(default_factory=dict)


def truth_objects(geojson: dict, frame: LocalFrame) -> tuple[list[TruthObject], list[TruthObject]]:
    """(anomalies, distractors) from the simulator's truth.geojson."""
    anomalies, distractors = [], []
    to_local = lambda x, y, z=None: frame.to_xy(y, x)  # noqa: E731  GeoJSON is lon, lat
    for f in geojson.get("features", []):
        p = f.get("properties", {})
        g = shape(f["geometry"])
        c = g.centroid
        obj = TruthObject(str(p.get("id")), str(p.get("class") or p.get("type")), transform(to_local, g), c.y, c.x)
        (anomalies if p.get("anomaly") else distractors).append(obj)
    return anomalies, distractors


def score(tickets: list[TicketPoint], truth: list[TruthObject], frame: LocalFrame) -> Score:
    for t in tickets:
        t.x, t.y = frame.to_xy(t.lat, t.lon)
    pairs = []
    for t in tickets:
        p = Point(t.x, t.y)
        for o in truth:
            if o.cls != t.cls:
                continue
            # a net is a line: how far from the line; anything else: how far from its centre
            d = p.distance(o.geom) if o.geom.geom_type == "LineString" else p.distance(o.geom.centroid)
            if d <= t.uncertainty_m + MATCH_SLACK_M:
                pairs.append((d, t.id, o.id, o.cls))
    pairs.sort()
    used_t, used_o, matches = set(), set(), []
    for d, tid, oid, cls in pairs:
        if tid in used_t or oid in used_o:
            continue
        used_t.add(tid)
        used_o.add(oid)
        matches.append(Match(tid, oid, cls, round(float(d), 2)))
    classes = sorted({o.cls for o in truth} | {t.cls for t in tickets})
    per_class = {}
    counts = {}
    for c in classes:
        n = sum(1 for o in truth if o.cls == c)
        found = sum(1 for m in matches if m.cls == c)
        per_class[c] = round(found / n, 4) if n else None
        counts[c] = {"planted": n, "found": found, "tickets": sum(1 for t in tickets if t.cls == c)}
    errs = np.array([m.error_m for m in matches]) if matches else None
    return Score(
        tickets=len(tickets), anomalies=len(truth), matches=matches,
        false_alarms=[t.id for t in tickets if t.id not in used_t], missed=[o.id for o in truth if o.id not in used_o],
        precision=round(len(matches) / len(tickets), 4) if tickets else None,
        recall=round(len(matches) / len(truth), 4) if truth else 1.0, per_class_recall=per_class,
        loc_err_median_m=round(float(np.median(errs)), 2) if errs is not None else None,
        loc_err_p95_m=round(float(np.percentile(errs, 95)), 2) if errs is not None else None,
        per_class_counts=counts)


def near_misses(missed: list[str], truth: list[TruthObject], candidates: list, frame: LocalFrame) -> dict[str, dict]:
    """What vision held, unconfirmed, of each object no ticket found: `candidates` are its anomalies that
    were never confirmed (vision.types.Anomaly). Matched by the tickets' rule, so 'seen' means a ticket
    would have been right had the candidate been confirmed."""
    miss = [o for o in truth if o.id in set(missed)]
    by_id = {a.id: a for a in candidates}
    pts = [TicketPoint(a.id, a.cls, a.lat, a.lon, float(a.uncertainty_m)) for a in candidates]
    out: dict[str, dict] = {o.id: {"seen": False} for o in miss}
    for m in score(pts, miss, frame).matches:
        a = by_id[m.ticket]
        out[m.truth] = {"seen": True, "sightings": int(a.sightings), "confidence": round(float(a.confidence), 3),
                        "error_m": m.error_m}
    return out
