"""The outbox and the ticket desk: what is committed, when deliveries are due, how sequence numbers are given."""
from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from controller.tickets.desk import TicketDesk, record_status
from controller.tickets.model import TicketError
from controller.tickets.outbox import Outbox
from missions.errors import UserError
from missions.site import load_site

from .tickets_support import DUMP_SITE, JINJI, NOON, OPEN_WATER, report

SITE = load_site(JINJI)
NIGHT = datetime(2026, 6, 1, 15, 30, tzinfo=timezone.utc)   # 23:30 in Suzhou
MORNING = datetime(2026, 6, 1, 23, 0, tzinfo=timezone.utc)  # 07:00 the next day in Suzhou


class Clock:
    def __init__(self, t: datetime):
        self.t = t.timestamp()

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def desk(tmp_path):
    return TicketDesk(SITE, tmp_path / "outbox.sqlite", clock=Clock(NOON))


def test_outbox_is_wal_with_full_sync(tmp_path):
    ob = Outbox(tmp_path / "o.sqlite")
    assert ob.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert ob.db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_a_submitted_ticket_is_on_disk_when_submit_returns(desk, tmp_path):
    s = desk.submit(report("fishing_net"))
    assert s.created and s.changed and s.version == 1 and s.held_until is None
    other = sqlite3.connect(tmp_path / "outbox.sqlite")  # another connection, as another process would see it
    (doc,) = other.execute("SELECT doc FROM versions WHERE ticket_id = ?", (s.ticket_id,)).fetchone()
    assert json.loads(doc)["id"] == s.ticket_id
    rows = other.execute("SELECT agency, seq FROM deliveries WHERE ticket_id = ?", (s.ticket_id,)).fetchall()
    assert sorted(rows) == [("fisheries", None), ("water_police", None)]  # committed, not yet released
    assert other.execute("SELECT count(*) FROM blobs").fetchone()[0] == 2


def test_updates_of_an_anomaly_are_versions_of_one_ticket(desk):
    r = report("fishing_net", anomaly_id="net-7")
    first = desk.submit(r)
    again = desk.submit(r)
    assert not again.changed and again.version == 1
    later = desk.submit(replace(r, sightings=8, last_seen=NOON + timedelta(minutes=30), status="seen_again"))
    assert (later.ticket_id, later.version, later.created) == (first.ticket_id, 2, False)
    ob = desk.outbox
    assert ob.db.execute("SELECT count(*) FROM tickets").fetchone()[0] == 1
    assert [d.version for d in ob.deliveries_of(first.ticket_id)] == [1, 1, 2, 2]


def test_release_gives_contiguous_sequence_numbers_per_agency(desk):
    for kind in ("fishing_net", "swimmer", "fishing_net", "floating_debris"):
        desk.submit(report(kind))
    ob = desk.outbox
    with ob.transaction():
        released = ob.release_due(NOON.timestamp())
    per = {}
    for r in released:
        per.setdefault(r.agency, []).append(r.seq)
    assert per == {"fisheries": [1, 2], "water_police": [1, 2, 3], "environment": [1]}
    assert ob.head("water_police") == 3 and ob.head("traffic_police") == 0
    with ob.transaction():
        assert ob.release_due(NOON.timestamp()) == []  # nothing twice


def test_quiet_hours_hold_a_waste_pile_until_morning_and_only_the_latest_version_goes(tmp_path):
    clock = Clock(NIGHT)
    desk = TicketDesk(SITE, tmp_path / "o.sqlite", clock=clock)
    r = report("waste_pile", OPEN_WATER, anomaly_id="pile-9", seen=NIGHT)
    s1 = desk.submit(r)
    assert s1.held_until == MORNING
    swimmer = desk.submit(report("swimmer", seen=NIGHT))
    assert swimmer.held_until is None  # urgent at any hour
    clock.t += 600
    s2 = desk.submit(replace(r, sightings=9, last_seen=NIGHT + timedelta(minutes=10), status="seen_again"))
    assert s2.version == 2 and s2.held_until == MORNING
    ob = desk.outbox
    with ob.transaction():
        now = ob.release_due(clock.t)
    assert [(x.agency, x.ticket_id) for x in now] == [("water_police", swimmer.ticket_id)]
    assert ob.next_due() == MORNING.timestamp()
    with ob.transaction():
        morning = ob.release_due(MORNING.timestamp())
    assert sorted((x.agency, x.version, x.seq) for x in morning) == [("city_management", 2, 1), ("environment", 2, 1)]
    superseded = [d for d in ob.deliveries_of(s1.ticket_id) if d.superseded]
    assert [(d.agency, d.version) for d in superseded] == [("city_management", 1), ("environment", 1)]


def test_the_escalated_hotspot_rule_is_not_held_at_night(tmp_path):
    desk = TicketDesk(SITE, tmp_path / "o.sqlite", clock=Clock(NIGHT))
    s = desk.submit(report("waste_pile", DUMP_SITE, seen=NIGHT))
    assert s.held_until is None and s.agencies == ("city_management", "environment", "water_police")


def test_a_status_change_is_recorded_once_per_request_and_goes_to_every_agency(desk):
    s = desk.submit(report("fishing_net"))
    ob = desk.outbox
    with ob.transaction():
        ob.release_due(NOON.timestamp())
        a = record_status(ob, agency="fisheries", ticket_id=s.ticket_id, status="on_scene", actor="boat 3",
                          note="net found", ref="r-1", now=NOON.timestamp() + 60)
        again = record_status(ob, agency="fisheries", ticket_id=s.ticket_id, status="on_scene", actor="boat 3",
                              note="net found", ref="r-1", now=NOON.timestamp() + 61)
    assert (a.version, a.repeated) == (2, False) and (again.version, again.repeated) == (2, True)
    doc = ob.ticket_doc(s.ticket_id)
    assert doc["status"] == "on_scene" and doc["history"][-1]["actor"] == "boat 3"
    v2 = [d.agency for d in ob.deliveries_of(s.ticket_id) if d.version == 2]
    assert v2 == ["fisheries", "water_police"]
    with ob.transaction(), pytest.raises(TicketError) as exc:
        record_status(ob, agency="environment", ticket_id=s.ticket_id, status="resolved", actor="x", note=None,
                      ref="r-2", now=NOON.timestamp())
    assert exc.value.code == "unknown_ticket"
    with ob.transaction(), pytest.raises(TicketError) as exc2:
        record_status(ob, agency="fisheries", ticket_id="00000000-0000-4000-8000-000000000000", status="resolved",
                      actor="x", note=None, ref="r-3", now=NOON.timestamp())
    # an agency not on the ticket hears exactly what it would hear about a ticket that does not exist
    assert exc2.value.code == "unknown_ticket"
    assert str(exc.value) == f"no ticket {s.ticket_id} for environment"
    assert str(exc2.value) == "no ticket 00000000-0000-4000-8000-000000000000 for fisheries"


def test_find_by_prefix(desk):
    s = desk.submit(report("swimmer"))
    ob = desk.outbox
    assert ob.find(s.ticket_id[:8]) == s.ticket_id
    with pytest.raises(UserError, match="no ticket"):
        ob.find("ffffffff")
    with pytest.raises(UserError, match="at least 4"):
        ob.find("ab")


def test_an_outbox_from_a_newer_waterpatrol_is_refused(tmp_path):
    path = tmp_path / "o.sqlite"
    Outbox(path).close()
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version = 99")
    db.close()
    with pytest.raises(UserError, match="schema 99 is newer"):
        Outbox(path)
