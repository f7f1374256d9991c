"""run.json and track.geojson: what was flown, per sortie, for the record and for a map."""
from __future__ import annotations

import json
import math
from pathlib import Path

from missions.plan import NAV_COMMANDS
from missions.site import Site

from .missionlog import MissionLog


def _length(points: list[tuple]) -> float:
    d = 0.0
    for a, b in zip(points, points[1:]):
        d += _haversine(a[1], a[2], b[1], b[2])
    return d


def _haversine(lat1, lon1, lat2, lon2) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(min(1.0, math.sqrt(a)))


def run_summary(log: MissionLog) -> dict:
    rows = log.sorties()
    events = log.events()
    out = []
    for r in rows:
        track = [p for p in log.track(r.drone) if r.started and p[0] >= r.started and (r.ended is None or p[0] <= r.ended)]
        evs = [{"t": e[0], "kind": e[3], "detail": e[4]} for e in events if e[2] == r.id]
        out.append({
            "id": r.id, "plan_sortie": r.plan_index, "drone": r.drone, "resumes": r.parent, "status": r.status,
            "items_planned": len(r.items), "nav_items": sum(1 for it in r.items if it.command in NAV_COMMANDS),
            "items_reached": log.reached_seqs(r.id), "last_reached": r.last_reached,
            "landed": r.status in ("completed", "interrupted", "aborted") and r.ended is not None,
            "exit": None if r.exit_seq is None else {"seq": r.exit_seq, "lat": r.exit_lat, "lon": r.exit_lon},
            "distance_flown_m": round(_length(track), 1), "note": r.note,
            "failsafes": [e for e in evs if e["kind"] in ("failsafe", "vehicle_failsafe", "battery_cut", "fence_breach",
                                                          "link_lost")],
            "events": evs,
        })
    return {"sorties": out, "events": [{"t": e[0], "drone": e[1], "sortie": e[2], "kind": e[3], "detail": e[4]}
                                       for e in events]}


def write_reports(log: MissionLog, site: Site, out: Path, frames: dict | None = None) -> None:
    summary = run_summary(log)
    summary["site"] = site.name
    if frames is not None:
        summary["frames"] = frames
    (out / "run.json").write_text(json.dumps(summary, indent=1, ensure_ascii=False), encoding="utf-8")
    feats = []
    drones = sorted({r.drone for r in log.sorties()})
    for d in drones:
        pts = log.track(d)
        if len(pts) >= 2:
            feats.append({"type": "Feature", "geometry": {"type": "LineString",
                                                          "coordinates": [[p[2], p[1], round(p[3], 1)] for p in pts]},
                          "properties": {"drone": d, "length_m": round(_length(pts), 1), "points": len(pts)}})
    (out / "track.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": feats}), encoding="utf-8")
