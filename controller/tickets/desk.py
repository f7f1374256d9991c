"""The ticket desk: anomaly reports in, committed ticket versions and deliveries out.

`TicketDesk.submit` places the anomaly, routes it, builds the next version of its ticket and
commits version, evidence and deliveries in one SQLite transaction: when it returns, the ticket is
on disk and nothing can lose it. The server sends it later (at once, or after the quiet hours).
`record_status` does the same for a partner's status change.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from missions.site import Site

from . import codec
from .model import TicketError, apply_status, from_dict, new_ticket, observe, to_dict
from .outbox import Outbox
from .place import Placer
from .report import AnomalyReport
from .routing import hold_until, route
from .text import ticket_text


@dataclass(frozen=True)
class Submitted:
    ticket_id: str
    version: int
    created: bool                 # a new ticket, not an update
    changed: bool                 # False when the report said nothing new (no new version)
    agencies: tuple[str, ...]
    held_until: datetime | None   # quiet hours: delivered then, not now


def dump(doc: dict) -> str:
    return codec.dumps_text(doc)


class TicketDesk:
    """Safe to call from several threads: each gets its own outbox connection."""

    def __init__(self, site: Site, outbox_path: str | Path, *, clock=time.time, on_commit=None):
        self.site = site
        self.path = Path(outbox_path)
        self.placer = Placer(site)
        self.clock = clock
        self.on_commit = on_commit  # called after each commit (the in-process server's wake-up)
        self._local = threading.local()
        self.outbox  # create the schema now, in the caller's thread

    @property
    def outbox(self) -> Outbox:
        ob = getattr(self._local, "outbox", None)
        if ob is None:
            ob = self._local.outbox = Outbox(self.path)
        return ob

    def submit(self, report: AnomalyReport) -> Submitted:
        return self.submit_many([report])[0]

    def submit_many(self, reports: list[AnomalyReport]) -> list[Submitted]:
        """Commit several reports in one transaction (one disk flush for all)."""
        placed = self.place(reports)
        ob = self.outbox
        with ob.transaction():
            results = self.commit(ob, placed, self.clock())
        if self.on_commit and any(s.changed for s in results):
            self.on_commit()
        return results

    def place(self, reports: list[AnomalyReport]) -> list:
        """Where each report lies; pure, so it can run outside the writer's transaction."""
        return [(r, self.placer.locate(r.lat, r.lon, r.uncertainty_m)) for r in reports]

    def commit(self, ob: Outbox, placed: list, now: float) -> list[Submitted]:
        """Write placed reports inside the caller's transaction on `ob` (the embedded server's path)."""
        return [self._commit(ob, r, loc, now) for r, loc in placed]

    def _commit(self, ob: Outbox, r: AnomalyReport, loc, now: float) -> Submitted:
        now_dt = datetime.fromtimestamp(now, timezone.utc)
        rt = route(r.kind, loc, self.site.routing)
        kw = dict(location=loc, agencies=rt.agencies, urgency=rt.urgency, severity=rt.severity, rule=rt.rule,
                  now=now_dt, text=ticket_text)
        existing = ob.latest_by_anomaly(r.anomaly_id)
        if existing:
            current = from_dict(codec.loads(existing[2]))
            t = observe(current, r, **kw)
            if t is None:
                return Submitted(current.id, current.version, False, False, current.agency_names, None)
        else:
            t = new_ticket(r, site=self.site.name, tz=self.site.info.timezone, **kw)
        held = hold_until(t.urgency, self.site.routing.quiet_hours, self.site.info.timezone, now_dt)
        crop, frame = t.evidence_named("crop").sha256, t.evidence_named("frame").sha256
        ob.put_version(ticket_id=t.id, anomaly_id=t.anomaly_id, version=t.version, doc=dump(to_dict(t)),
                       blobs={crop: bytes(r.crop_jpeg), frame: bytes(r.frame_jpeg)}, crop_sha=crop, frame_sha=frame,
                       now=now)
        ob.add_deliveries(t.id, t.version, t.agency_names, now, held.timestamp() if held else now)
        return Submitted(t.id, t.version, existing is None, True, t.agency_names, held)


@dataclass(frozen=True)
class StatusApplied:
    ticket_id: str
    version: int
    repeated: bool  # the same request (same ref) was applied before; nothing changed now


def record_status(ob: Outbox, *, agency: str, ticket_id: str, status: str, actor: str, note: str | None,
                  ref: str, now: float) -> StatusApplied:
    """Apply a partner's status change and deliver the new version to every agency on the ticket.

    Call inside a transaction. The same `ref` from the same agency applies once. An agency that the
    ticket was not routed to is told the ticket does not exist: it learns nothing.
    """
    done = ob.status_ref(agency, ref)
    if done:
        return StatusApplied(done[0], done[1], True)
    latest = ob.latest(ticket_id)
    if latest is None:
        raise TicketError("unknown_ticket", f"no ticket {ticket_id} for {agency}")
    current = from_dict(codec.loads(latest[1]))
    t = apply_status(current, agency=agency, status=status, actor=actor, note=note,
                     now=datetime.fromtimestamp(now, timezone.utc), text=ticket_text)
    crop, frame = t.evidence_named("crop").sha256, t.evidence_named("frame").sha256
    ob.put_version(ticket_id=t.id, anomaly_id=t.anomaly_id, version=t.version, doc=dump(to_dict(t)), blobs={},
                   crop_sha=crop, frame_sha=frame, now=now)
    ob.add_deliveries(t.id, t.version, t.agency_names, now, now)
    ob.put_status_ref(agency, ref, t.id, t.version)
    return StatusApplied(t.id, t.version, False)
