"""The ticket: one anomaly as a partner agency sees it, as a versioned JSON document.

Every change (a new sighting, a move, a partner's status) makes a new version of the same ticket;
each version is a complete snapshot with the whole history, so a partner that only ever sees the
latest version misses nothing. The functions here are pure: they take a ticket and return the next.
The schema is `waterpatrol.ticket/1`; fields may be added without a new number, never removed or
changed in meaning (readers ignore fields they do not know).
"""
from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timezone

from missions.site.agencies import SEVERITIES, URGENCIES

from .report import AnomalyReport

SCHEMA = "waterpatrol.ticket/1"
PARTNER_STATUSES = ("received", "dispatched", "on_scene", "resolved", "false_alarm")
STATUSES = ("open",) + PARTNER_STATUSES
STATUS_RANK = {"open": 0, "received": 1, "dispatched": 2, "on_scene": 3, "resolved": 4, "false_alarm": 4}
CERTAINTIES = ("Observed", "Likely", "Possible", "Unlikely", "Unknown")
SYSTEM = "waterpatrol"  # the `by` of history entries the controller writes
_NAMESPACE = uuid.UUID("6f0c7a52-3d59-5b4e-9d7a-7a7e2c1f0b11")


class TicketError(Exception):
    """A change a ticket refuses; `code` is the wire error code."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Text:
    zh: str
    en: str


@dataclass(frozen=True)
class Location:
    lat: float
    lon: float
    uncertainty_m: float
    area: str | None = None              # the area of water it lies in, or the nearest one
    area_distance_m: float | None = None  # 0 inside the area
    hotspot: str | None = None           # the hotspot whose circle it lies in


@dataclass(frozen=True)
class Evidence:
    name: str   # crop or frame; also the name of the message part that carries it
    sha256: str
    size: int
    mime: str = "image/jpeg"


@dataclass(frozen=True)
class AgencyState:
    name: str
    status: str = "open"
    updated: datetime | None = None


@dataclass(frozen=True)
class HistoryEntry:
    version: int
    at: datetime
    by: str                 # "waterpatrol" or the agency's name
    event: str              # created, seen_again, moved, resolved, status
    status: str | None = None
    actor: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Ticket:
    id: str
    version: int
    anomaly_id: str
    site: str
    timezone: str
    type: str
    urgency: str
    severity: str
    certainty: str
    status: str             # the furthest any agency has moved it: open, received, ... false_alarm
    observation: str        # what the drone last said: new, seen_again, moved, resolved
    exercise: bool
    location: Location
    first_seen: datetime
    last_seen: datetime
    sightings: int
    confidence: float
    model_version: str
    drone: str
    mission: str
    headline: Text
    description: Text
    evidence: tuple[Evidence, ...]
    agencies: tuple[AgencyState, ...]
    rule: str               # the routing rule that chose the agencies
    history: tuple[HistoryEntry, ...]
    created: datetime
    updated: datetime

    @property
    def agency_names(self) -> tuple[str, ...]:
        return tuple(a.name for a in self.agencies)

    def evidence_named(self, name: str) -> Evidence | None:
        return next((e for e in self.evidence if e.name == name), None)


def ticket_id_for(site: str, anomaly_id: str) -> str:
    """The same anomaly always gets the same ticket id, even from a fresh outbox."""
    return str(uuid.uuid5(_NAMESPACE, f"{site}\n{anomaly_id}"))


def certainty_of(confidence: float) -> str:
    if confidence >= 0.9:
        return "Observed"
    if confidence >= 0.6:
        return "Likely"
    return "Possible"


def more_pressing(a: str, b: str, order: tuple[str, ...]) -> str:
    return a if order.index(a) <= order.index(b) else b


def evidence_of(report: AnomalyReport) -> tuple[Evidence, ...]:
    return tuple(Evidence(name, hashlib.sha256(data).hexdigest(), len(data))
                 for name, data in (("crop", report.crop_jpeg), ("frame", report.frame_jpeg)))


# ---- builders (pure) -------------------------------------------------------------------------------

def new_ticket(report: AnomalyReport, *, site: str, tz: str, location: Location, agencies: tuple[str, ...],
               urgency: str, severity: str, rule: str, now: datetime, text) -> Ticket:
    """Version 1 of the ticket for a report; `text(ticket) -> (headline, description)` writes the words."""
    t = Ticket(
        id=ticket_id_for(site, report.anomaly_id), version=1, anomaly_id=report.anomaly_id, site=site, timezone=tz,
        type=report.kind, urgency=urgency, severity=severity, certainty=certainty_of(report.confidence),
        status="open", observation=report.status, exercise=report.exercise, location=location,
        first_seen=report.first_seen, last_seen=report.last_seen, sightings=report.sightings,
        confidence=float(report.confidence), model_version=report.model_version, drone=report.drone,
        mission=report.mission, headline=Text("", ""), description=Text("", ""), evidence=evidence_of(report),
        agencies=tuple(AgencyState(a) for a in agencies), rule=rule,
        history=(HistoryEntry(1, now, SYSTEM, "created", note=f"routed by {rule} to {', '.join(agencies)}"),),
        created=now, updated=now)
    return _worded(t, text)


def observe(t: Ticket, report: AnomalyReport, *, location: Location, agencies: tuple[str, ...], urgency: str,
            severity: str, rule: str, now: datetime, text) -> Ticket | None:
    """The next version after a new report of the same anomaly, or None when it says nothing new."""
    event = report.status if report.status != "new" else "seen_again"
    added = tuple(a for a in agencies if a not in t.agency_names)
    nxt = replace(
        t, observation=event,
        urgency=more_pressing(t.urgency, urgency, URGENCIES), severity=more_pressing(t.severity, severity, SEVERITIES),
        certainty=certainty_of(report.confidence), location=location,
        first_seen=min(t.first_seen, report.first_seen), last_seen=max(t.last_seen, report.last_seen),
        sightings=max(t.sightings, report.sightings), confidence=float(report.confidence),
        model_version=report.model_version, drone=report.drone, mission=report.mission,
        evidence=evidence_of(report), exercise=report.exercise,
        agencies=t.agencies + tuple(AgencyState(a) for a in added))
    if _material(nxt) == _material(t) and (report.status == "new" or t.observation == event):
        return None  # the same report again: nothing to tell anyone
    notes = []
    if event == "moved":
        notes.append(f"moved {_metres(t.location, location):.0f} m")
    if added:
        notes.append(f"also routed by {rule} to {', '.join(added)}")
    entry = HistoryEntry(t.version + 1, now, SYSTEM, event, note="; ".join(notes) or None)
    _set(nxt, version=t.version + 1, history=t.history + (entry,), updated=now)
    return _worded(nxt, text)


def apply_status(t: Ticket, *, agency: str, status: str, actor: str, note: str | None, now: datetime, text) -> Ticket:
    """A partner moves its part of the ticket forward; the ticket's status is the furthest any agency got."""
    if agency not in t.agency_names:
        raise TicketError("unknown_ticket", f"no ticket {t.id} for {agency}")
    if status not in PARTNER_STATUSES:
        raise TicketError("bad_status", f"status {status!r} is not one of {', '.join(PARTNER_STATUSES)}")
    current = next(a for a in t.agencies if a.name == agency)
    if STATUS_RANK[status] <= STATUS_RANK[current.status]:
        raise TicketError("status_order", f"{agency} already has ticket {t.id} at {current.status}; "
                                          f"{status} does not move it forward")
    states = tuple(AgencyState(a.name, status, now) if a.name == agency else a for a in t.agencies)
    overall = t.status if STATUS_RANK[t.status] > STATUS_RANK[status] else status
    entry = HistoryEntry(t.version + 1, now, agency, "status", status=status, actor=actor, note=note)
    return _worded(replace(t, version=t.version + 1, agencies=states, status=overall,
                           history=t.history + (entry,), updated=now), text)


def _worded(t: Ticket, text) -> Ticket:
    headline, description = text(t)
    _set(t, headline=headline, description=description)
    return t


def _set(t: Ticket, **fields) -> None:
    """Finish a ticket this module has just built and not yet handed out (cheaper than a second copy)."""
    for name, value in fields.items():
        object.__setattr__(t, name, value)


def _material(t: Ticket) -> tuple:
    return (t.urgency, t.severity, t.location, t.first_seen, t.last_seen, t.sightings,
            t.confidence, t.model_version, t.evidence, t.agency_names, t.exercise)


def _metres(a: Location, b: Location) -> float:
    from missions.geo import haversine_m
    return haversine_m(a.lat, a.lon, b.lat, b.lon)


# ---- JSON ------------------------------------------------------------------------------------------

def iso(t: datetime) -> str:
    """RFC 3339 in UTC with milliseconds: unambiguous for every partner."""
    return t.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_time(s: str) -> datetime:
    t = datetime.fromisoformat(s.replace("Z", "+00:00"))
    if t.tzinfo is None:
        raise ValueError(f"time {s!r} has no offset")
    return t


def to_dict(t: Ticket) -> dict:
    loc = t.location
    return {
        "schema": SCHEMA, "id": t.id, "version": t.version, "anomaly_id": t.anomaly_id, "site": t.site,
        "timezone": t.timezone, "type": t.type, "urgency": t.urgency, "severity": t.severity,
        "certainty": t.certainty, "status": t.status, "observation": t.observation, "exercise": t.exercise,
        "location": {"point": {"type": "Point", "coordinates": [loc.lon, loc.lat]},
                     "uncertainty_m": loc.uncertainty_m, "area": loc.area, "area_distance_m": loc.area_distance_m,
                     "hotspot": loc.hotspot},
        "first_seen": iso(t.first_seen), "last_seen": iso(t.last_seen), "sightings": t.sightings,
        "confidence": t.confidence, "model_version": t.model_version, "drone": t.drone, "mission": t.mission,
        "headline": {"zh": t.headline.zh, "en": t.headline.en},
        "description": {"zh": t.description.zh, "en": t.description.en},
        "evidence": [{"name": e.name, "mime": e.mime, "sha256": e.sha256, "size": e.size} for e in t.evidence],
        "agencies": [{"name": a.name, "status": a.status, "updated": iso(a.updated) if a.updated else None}
                     for a in t.agencies],
        "rule": t.rule,
        "history": [{"version": h.version, "at": iso(h.at), "by": h.by, "event": h.event, "status": h.status,
                     "actor": h.actor, "note": h.note} for h in t.history],
        "created": iso(t.created), "updated": iso(t.updated),
    }


def from_dict(d: dict) -> Ticket:
    """Read a ticket document; raises ValueError (or KeyError/TypeError) on anything malformed."""
    if d.get("schema") != SCHEMA:
        raise ValueError(f"schema {d.get('schema')!r} is not {SCHEMA}")
    loc = d["location"]
    lon, lat = loc["point"]["coordinates"]
    t = Ticket(
        id=str(uuid.UUID(d["id"])), version=_int(d["version"]), anomaly_id=d["anomaly_id"], site=d["site"],
        timezone=d["timezone"], type=d["type"], urgency=_one_of(d["urgency"], URGENCIES),
        severity=_one_of(d["severity"], SEVERITIES), certainty=_one_of(d["certainty"], CERTAINTIES),
        status=_one_of(d["status"], STATUSES), observation=d["observation"], exercise=bool(d["exercise"]),
        location=Location(float(lat), float(lon), float(loc["uncertainty_m"]), loc.get("area"),
                          loc.get("area_distance_m"), loc.get("hotspot")),
        first_seen=parse_time(d["first_seen"]), last_seen=parse_time(d["last_seen"]), sightings=_int(d["sightings"]),
        confidence=float(d["confidence"]), model_version=d["model_version"], drone=d["drone"], mission=d["mission"],
        headline=Text(d["headline"]["zh"], d["headline"]["en"]),
        description=Text(d["description"]["zh"], d["description"]["en"]),
        evidence=tuple(Evidence(e["name"], e["sha256"], _int(e["size"]), e.get("mime", "image/jpeg"))
                       for e in d["evidence"]),
        agencies=tuple(AgencyState(a["name"], _one_of(a["status"], STATUSES),
                                   parse_time(a["updated"]) if a.get("updated") else None) for a in d["agencies"]),
        rule=d.get("rule", ""),
        history=tuple(HistoryEntry(_int(h["version"]), parse_time(h["at"]), h["by"], h["event"], h.get("status"),
                                   h.get("actor"), h.get("note")) for h in d["history"]),
        created=parse_time(d["created"]), updated=parse_time(d["updated"]))
    if t.version < 1:
        raise ValueError(f"version {t.version} < 1")
    return t


def _int(v) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise ValueError(f"{v!r} is not a whole number")
    return v


def _one_of(v, options) -> str:
    if v not in options:
        raise ValueError(f"{v!r} is not one of {', '.join(options)}")
    return v
