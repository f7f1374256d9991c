"""After the patrol: read what was delivered and acknowledged, score it against the truth, report."""
from __future__ import annotations

import base64
import json
import statistics
from pathlib import Path

import numpy as np

from controller.tickets.outbox import Outbox

from .report import draw_map, score_dict, write_report
from .score import TicketPoint, near_misses, score, truth_objects


def _tracks(site, out: Path) -> list[np.ndarray]:
    try:
        doc = json.loads((out / "run" / "track.geojson").read_text())
    except FileNotFoundError:
        return []
    return [np.array([site.frame.to_xy(lat, lon) for lon, lat, *_ in f["geometry"]["coordinates"]])
            for f in doc["features"]]


def _delivery(ob: Outbox, ticket_id: str) -> dict[str, bool]:
    """Per agency: has it acknowledged every version sent to it?"""
    acked: dict[str, bool] = {}
    for d in ob.deliveries_of(ticket_id):
        if d.superseded:
            continue
        acked[d.agency] = acked.get(d.agency, True) and d.acked_at is not None
    return acked


def finish(site, opt, out: Path, plan, outcome, alert, patrol, *, sim_s: float, wall_s: float,
           peak_rss_mb: float) -> dict:
    anomalies, distractors = truth_objects(json.loads((out / "truth" / "truth.geojson").read_text()), site.frame)
    ob = Outbox(out / "tickets" / "outbox.sqlite")
    try:
        docs = ob.all_latest()
        tickets, rows, per_agency = [], [], {}
        for d in docs:
            lon, lat = d["location"]["point"]["coordinates"]
            tickets.append(TicketPoint(d["id"], d["type"], lat, lon, float(d["location"]["uncertainty_m"])))
        s = score(tickets, anomalies, site.frame)
        right = {m.ticket: m for m in s.matches}
        all_acked = True
        for d in docs:
            acks = _delivery(ob, d["id"])
            all_acked &= bool(acks) and all(acks.values())
            for a, ok in acks.items():
                pa = per_agency.setdefault(a, {"routed": 0, "acknowledged": 0, "stored_by_partner": 0})
                pa["routed"] += 1
                pa["acknowledged"] += int(ok)
            crop = next((e for e in d["evidence"] if e["name"].startswith("crop")), None)
            blob = ob.blob(crop["sha256"]) if crop else None
            m = right.get(d["id"])
            loc = d["location"]
            rows.append({
                "id": d["id"], "type": d["type"], "lat": loc["point"]["coordinates"][1],
                "lon": loc["point"]["coordinates"][0], "uncertainty_m": float(loc["uncertainty_m"]),
                "place": loc.get("hotspot") or loc.get("area") or "", "headline_en": d["headline"]["en"],
                "headline_zh": d["headline"]["zh"], "sightings": d["sightings"], "confidence": d["confidence"],
                "urgency": d["urgency"], "severity": d["severity"],
                "verdict": f"right: {m.truth}" if m else "false alarm", "error_m": m.error_m if m else None,
                "agencies": [{"name": a, "acked": ok} for a, ok in acks.items()],
                "crop_b64": base64.b64encode(blob).decode() if blob else None})
    finally:
        ob.close()
    for a in per_agency:
        stored = out / "feeds" / a / "tickets"
        per_agency[a]["stored_by_partner"] = len(list(stored.iterdir())) if stored.exists() else 0
    delays = [r.ticket_s - r.first_seen_s for r in alert.raised.values() if not r.again]
    frames = patrol.pipeline.stats if patrol.pipeline is not None else {"received": 0, "processed": 0}
    run = json.loads((out / "run" / "run.json").read_text())
    summary = {
        "site": site.name, "scenario": f"{plan.drones} drone(s), {len(plan.sorties)} sorties, "
                                      f"{plan.length_m / 1000:.1f} km planned ({', '.join(plan.patterns)})",
        "precision": s.precision, "recall": s.recall, "per_class_recall": s.per_class_recall,
        "per_class_counts": s.per_class_counts, "loc_err_median_m": s.loc_err_median_m,
        "loc_err_p95_m": s.loc_err_p95_m,
        "first_sight_to_ticket_s": round(statistics.median(delays), 1) if delays else None,
        "tickets": s.tickets, "anomalies_planted": s.anomalies, "all_acknowledged": all_acked,
        "agencies": per_agency, "sim_s": round(sim_s, 1), "wall_s": round(wall_s, 1),
        "peak_rss_mb": round(peak_rss_mb, 1), "patrol_completed": outcome.completed, "patrol_errors": outcome.failed,
        "missed": s.missed, "false_alarms": s.false_alarms, "frames": frames,
        # of each missed object: was it seen but never confirmed (how often, how sure), or never seen at all
        "near_misses": near_misses(s.missed, anomalies, [a for a in alert.vision.anomalies if not a.confirmed],
                                   site.frame),
        "vision": {"frames": alert.stats.frames, "skipped_low": alert.stats.skipped, "detections": alert.stats.detections,
                   "sightings": alert.stats.sightings, "implausible": alert.stats.implausible, "confirmed": alert.stats.confirmed,
                   "ticket_updates": alert.stats.updates, "errors": alert.stats.errors,
                   "detections_per_class": dict(alert.stats.per_class),
                   "model_version": alert.vision.detector.model_version},
        "sorties": [{k: r[k] for k in ("plan_sortie", "drone", "status", "distance_flown_m", "resumes")}
                    for r in run["sorties"]],
        "speedup": opt.speedup, "fps": opt.fps, "score": score_dict(s),
    }
    write_report(out, summary, draw_map(site, _tracks(site, out), tickets, s, anomalies, distractors), rows)
    return summary
