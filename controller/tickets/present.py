"""Tickets as lines for people: the feed's live output, `tickets list` and `tickets show`. Pure."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from .model import parse_time


def local(ts: str | float | None, tz: str) -> str:
    if ts is None:
        return "-"
    t = datetime.fromtimestamp(ts, ZoneInfo(tz)) if isinstance(ts, (int, float)) else parse_time(ts).astimezone(ZoneInfo(tz))
    return t.strftime("%m-%d %H:%M:%S")


def place(doc: dict) -> str:
    loc = doc["location"]
    return loc.get("hotspot") or loc.get("area") or "outside the site's areas"


def ticket_line(doc: dict, seq: int | None = None) -> str:
    """One line per ticket version, as the feed prints it when it arrives."""
    lon, lat = doc["location"]["point"]["coordinates"]
    head = f"#{seq} " if seq is not None else ""
    return (f"{head}{doc['id'][:8]} v{doc['version']} {doc['type']} {doc['urgency']}/{doc['severity']} "
            f"{doc['status']} at {place(doc)} ({lat:.5f}, {lon:.5f} ±{doc['location']['uncertainty_m']:.0f} m) "
            f"seen {local(doc['last_seen'], doc['timezone'])} x{doc['sightings']} "
            f"{doc['confidence']:.0%} | {doc['headline']['zh']} | {doc['headline']['en']}")


def list_line(doc: dict, deliveries) -> str:
    states = []
    for agency in [a["name"] for a in doc["agencies"]]:
        rows = [d for d in deliveries if d.agency == agency and not d.superseded]
        latest = max(rows, key=lambda d: d.version, default=None)
        state = ("acked" if latest.acked_at else "sent" if latest.seq else "held") if latest else "-"
        states.append(f"{agency}:{state}")
    return (f"{doc['id'][:8]}  v{doc['version']:<3} {doc['type']:<16} {doc['urgency']:<9} {doc['status']:<11} "
            f"{local(doc['updated'], doc['timezone'])}  {place(doc)}  [{' '.join(states)}]")


def show_lines(doc: dict, deliveries) -> list[str]:
    tz = doc["timezone"]
    lon, lat = doc["location"]["point"]["coordinates"]
    loc = doc["location"]
    out = [f"ticket {doc['id']} version {doc['version']} ({doc['schema']})",
           f"  {doc['headline']['zh']}", f"  {doc['headline']['en']}",
           f"  type {doc['type']}, urgency {doc['urgency']}, severity {doc['severity']}, certainty {doc['certainty']}",
           f"  status {doc['status']}, drone says {doc['observation']}{', EXERCISE' if doc['exercise'] else ''}",
           f"  at {lat:.6f}, {lon:.6f} ±{loc['uncertainty_m']:.0f} m; area {loc['area'] or '-'}"
           f"{' (%.0f m away)' % loc['area_distance_m'] if loc.get('area_distance_m') else ''}; "
           f"hotspot {loc['hotspot'] or '-'}",
           f"  seen {local(doc['first_seen'], tz)} to {local(doc['last_seen'], tz)} ({tz}), {doc['sightings']} "
           f"sightings, confidence {doc['confidence']:.0%}, model {doc['model_version']}",
           f"  drone {doc['drone']}, mission {doc['mission']}, routed by {doc['rule']}",
           "  evidence: " + ", ".join(f"{e['name']} {e['size']} B sha256 {e['sha256'][:12]}" for e in doc["evidence"]),
           "  agencies:"]
    for a in doc["agencies"]:
        out.append(f"    {a['name']:<16} {a['status']:<11} {local(a['updated'], tz) if a['updated'] else ''}")
    out.append("  deliveries:")
    for d in deliveries:
        state = ("superseded by a later version" if d.superseded else
                 f"#{d.seq} acknowledged {local(d.acked_at, tz)}" if d.acked_at else
                 f"#{d.seq} sent, not acknowledged yet" if d.seq else f"held until {local(d.due_at, tz)}")
        out.append(f"    {d.agency:<16} v{d.version:<3} committed {local(d.committed_at, tz)}  {state}")
    out.append("  history:")
    for h in doc["history"]:
        what = h["status"] or h["event"]
        who = f"{h['by']}" + (f" ({h['actor']})" if h.get("actor") else "")
        out.append(f"    v{h['version']:<3} {local(h['at'], tz)}  {what:<11} by {who}{': ' + h['note'] if h.get('note') else ''}")
    out.append(f"  {doc['description']['zh']}")
    out.append(f"  {doc['description']['en']}")
    return out
