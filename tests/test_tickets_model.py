"""Tickets without sockets: places, routing, quiet hours, versions, statuses, the JSON schema and CAP 1.2."""
from __future__ import annotations

import hashlib
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from controller.tickets.cap import CAP_NS, cap_alert
from controller.tickets.model import (SCHEMA, TicketError, apply_status, from_dict, new_ticket, observe, to_dict)
from controller.tickets.place import Placer
from controller.tickets.report import AnomalyReport
from controller.tickets.routing import hold_until, route
from controller.tickets.text import ticket_text
from missions.site import load_site
from missions.site.agencies import QuietHours

from .tickets_support import DUMP_SITE, EAST_BAY, JINJI, NOON, OPEN_WATER, jpeg, report

SITE = load_site(JINJI)
PLACER = Placer(SITE)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def ticket_for(r: AnomalyReport, now: datetime = NOON):
    loc = PLACER.locate(r.lat, r.lon, r.uncertainty_m)
    rt = route(r.kind, loc, SITE.routing)
    return new_ticket(r, site=SITE.name, tz=SITE.info.timezone, location=loc, agencies=rt.agencies,
                      urgency=rt.urgency, severity=rt.severity, rule=rt.rule, now=now, text=ticket_text)


def observe_again(t, r: AnomalyReport, now: datetime):
    loc = PLACER.locate(r.lat, r.lon, r.uncertainty_m)
    rt = route(r.kind, loc, SITE.routing)
    return observe(t, r, location=loc, agencies=rt.agencies, urgency=rt.urgency, severity=rt.severity, rule=rt.rule,
                   now=now, text=ticket_text)


# ---- where it lies -----------------------------------------------------------------------------------

def test_open_water_lies_in_the_lake_and_no_hotspot():
    loc = PLACER.locate(*OPEN_WATER, 5.0)
    assert loc.area == "Jinji Lake" and loc.area_distance_m == 0 and loc.hotspot is None


def test_the_dump_site_is_found_as_hotspot():
    assert PLACER.locate(*DUMP_SITE, 5.0).hotspot == "Yongchangjing site"
    assert PLACER.locate(*EAST_BAY, 5.0).hotspot == "East bay nets"


def test_a_point_on_the_shore_road_belongs_to_the_nearest_lake_with_its_distance():
    loc = PLACER.locate(31.3105, 120.6740, 5.0)  # west of the dock, on land
    assert loc.area == "Jinji Lake" and 100 < loc.area_distance_m < 1000


def test_far_away_lies_nowhere():
    loc = PLACER.locate(31.40, 120.80, 5.0)
    assert loc.area is None and loc.hotspot is None


# ---- routing ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind, agencies, urgency", [
    ("fishing_net", ("fisheries", "water_police"), "Expected"),
    ("fishing_boat", ("fisheries", "water_police"), "Immediate"),
    ("swimmer", ("water_police",), "Immediate"),
    ("waste_pile", ("city_management", "environment"), "Expected"),
    ("muck_truck", ("city_management", "traffic_police"), "Immediate"),
    ("floating_debris", ("environment",), "Expected"),
])
def test_default_table_in_open_water(kind, agencies, urgency):
    rt = route(kind, PLACER.locate(*OPEN_WATER, 5.0), SITE.routing)
    assert rt.agencies == agencies and rt.urgency == urgency


def test_the_site_rule_escalates_waste_at_the_dump_site_and_adds_the_police():
    rt = route("waste_pile", PLACER.locate(*DUMP_SITE, 5.0), SITE.routing)
    assert rt.agencies == ("city_management", "environment", "water_police")
    assert (rt.urgency, rt.severity, rt.rule) == ("Immediate", "Severe", "dumping at Yongchangjing")
    # the same rule does not catch a muck truck there: the default table does
    assert route("muck_truck", PLACER.locate(*DUMP_SITE, 5.0), SITE.routing).agencies == ("city_management",
                                                                                         "traffic_police")


def test_an_unknown_class_goes_to_the_unmatched_agencies():
    rt = route("oil_slick", PLACER.locate(*OPEN_WATER, 5.0), SITE.routing)
    assert rt.agencies == ("water_police",) and rt.rule == "unmatched" and rt.severity == "Unknown"


# ---- quiet hours -----------------------------------------------------------------------------------

def local(h: int, m: int = 0, day: int = 1) -> datetime:
    return datetime(2026, 6, day, h, m, tzinfo=SHANGHAI)


def test_a_waste_pile_at_night_waits_for_the_morning():
    quiet = QuietHours(22 * 60, 7 * 60)
    assert hold_until("Expected", quiet, "Asia/Shanghai", local(23, 30)) == local(7, 0, day=2)
    assert hold_until("Expected", quiet, "Asia/Shanghai", local(3, 10)) == local(7, 0)
    assert hold_until("Expected", quiet, "Asia/Shanghai", local(7, 0)) is None
    assert hold_until("Expected", quiet, "Asia/Shanghai", local(12, 0)) is None


def test_an_immediate_ticket_goes_at_any_hour():
    assert hold_until("Immediate", QuietHours(22 * 60, 7 * 60), "Asia/Shanghai", local(2, 0)) is None


def test_quiet_hours_within_one_day_and_none():
    lunch = QuietHours(12 * 60, 13 * 60 + 30)
    assert hold_until("Expected", lunch, "Asia/Shanghai", local(12, 15)) == local(13, 30)
    assert hold_until("Expected", lunch, "Asia/Shanghai", local(11, 59)) is None
    assert hold_until("Expected", None, "Asia/Shanghai", local(23, 0)) is None


def test_quiet_hours_follow_the_site_timezone_not_utc():
    utc_2330 = datetime(2026, 6, 1, 15, 30, tzinfo=timezone.utc)  # 23:30 in Suzhou
    held = hold_until("Expected", QuietHours(22 * 60, 7 * 60), "Asia/Shanghai", utc_2330)
    assert held == datetime(2026, 6, 1, 23, 0, tzinfo=timezone.utc)  # 07:00 +08:00


# ---- versions of one ticket ----------------------------------------------------------------------------

def test_a_new_ticket_has_every_field_of_the_schema():
    t = ticket_for(report("waste_pile", DUMP_SITE, sightings=5, confidence=0.95))
    d = to_dict(t)
    assert d["schema"] == SCHEMA and d["version"] == 1 and d["status"] == "open" and d["observation"] == "new"
    assert d["location"]["point"] == {"type": "Point", "coordinates": [DUMP_SITE[1], DUMP_SITE[0]]}
    assert d["location"]["hotspot"] == "Yongchangjing site" and d["location"]["uncertainty_m"] == 6.0
    assert [a["name"] for a in d["agencies"]] == ["city_management", "environment", "water_police"]
    assert d["certainty"] == "Observed" and d["severity"] == "Severe" and d["urgency"] == "Immediate"
    assert {e["name"] for e in d["evidence"]} == {"crop", "frame"}
    assert d["evidence"][0]["sha256"] == hashlib.sha256(jpeg(0)).hexdigest()
    assert "疑似非法倾倒垃圾堆" in d["headline"]["zh"] and "Yongchangjing site" in d["headline"]["en"]
    assert "wp1" in d["description"]["zh"] and "5 sightings" in d["description"]["en"]
    assert d["first_seen"].endswith("Z") and d["history"][0]["event"] == "created"
    assert from_dict(json.loads(json.dumps(d))) == t


def test_the_same_report_again_is_not_a_new_version():
    r = report("fishing_net")
    t = ticket_for(r)
    assert observe_again(t, r, NOON + timedelta(minutes=1)) is None


def test_seen_again_moved_and_resolved_are_versions_of_the_same_ticket():
    r = report("fishing_net", anomaly_id="net-1")
    t1 = ticket_for(r)
    later = NOON + timedelta(hours=2)
    t2 = observe_again(t1, replace(r, last_seen=later, sightings=6, status="seen_again"), later)
    assert (t2.id, t2.version, t2.sightings, t2.observation) == (t1.id, 2, 6, "seen_again")
    assert t2.headline.en.startswith("[Seen again]") and t2.history[-1].event == "seen_again"
    moved_to = (OPEN_WATER[0] + 0.001, OPEN_WATER[1])
    t3 = observe_again(t2, replace(r, lat=moved_to[0], last_seen=later + timedelta(minutes=5), status="moved"),
                       later + timedelta(minutes=5))
    assert t3.version == 3 and t3.location.lat == moved_to[0] and t3.history[-1].note == "moved 111 m"
    t4 = observe_again(t3, replace(r, lat=moved_to[0], last_seen=later + timedelta(hours=2), status="resolved"),
                       later + timedelta(hours=2))
    assert t4.version == 4 and t4.observation == "resolved" and "no longer saw it" in t4.description.en
    assert [h.version for h in t4.history] == [1, 2, 3, 4] and t4.created == t1.created


def test_moving_into_an_escalating_hotspot_adds_agencies_and_raises_urgency():
    r = report("waste_pile", OPEN_WATER, anomaly_id="pile-1")
    t1 = ticket_for(r)
    assert t1.agency_names == ("city_management", "environment") and t1.urgency == "Expected"
    t2 = observe_again(t1, replace(r, lat=DUMP_SITE[0], lon=DUMP_SITE[1], status="moved"), NOON)
    assert t2.agency_names == ("city_management", "environment", "water_police") and t2.urgency == "Immediate"
    assert "also routed by dumping at Yongchangjing to water_police" in t2.history[-1].note


def test_partner_statuses_move_forward_only_and_the_ticket_shows_the_furthest():
    t = ticket_for(report("fishing_net"))
    t2 = apply_status(t, agency="fisheries", status="dispatched", actor="officer 7", note="boat 3 on its way",
                      now=NOON, text=ticket_text)
    assert t2.version == 2 and t2.status == "dispatched"
    assert {a.name: a.status for a in t2.agencies} == {"fisheries": "dispatched", "water_police": "open"}
    h = t2.history[-1]
    assert (h.by, h.status, h.actor, h.note) == ("fisheries", "dispatched", "officer 7", "boat 3 on its way")
    t3 = apply_status(t2, agency="water_police", status="received", actor="desk", note=None, now=NOON, text=ticket_text)
    assert t3.status == "dispatched"  # the furthest any agency got
    with pytest.raises(TicketError) as exc:
        apply_status(t3, agency="fisheries", status="received", actor="x", note=None, now=NOON, text=ticket_text)
    assert exc.value.code == "status_order"
    with pytest.raises(TicketError) as exc:
        apply_status(t3, agency="environment", status="resolved", actor="x", note=None, now=NOON, text=ticket_text)
    assert exc.value.code == "unknown_ticket"
    t4 = apply_status(t3, agency="fisheries", status="false_alarm", actor="officer 7", note="a buoy", now=NOON,
                      text=ticket_text)
    assert t4.status == "false_alarm" and "误报" in t4.description.zh


def test_malformed_documents_are_refused():
    d = to_dict(ticket_for(report()))
    for broken in ({**d, "schema": "waterpatrol.ticket/9"}, {**d, "urgency": "Soon"}, {**d, "version": "1"},
                   {**d, "id": "not-a-uuid"}, {k: v for k, v in d.items() if k != "location"}):
        with pytest.raises((ValueError, KeyError, TypeError)):
            from_dict(broken)


@pytest.mark.parametrize("change, problem", [
    ({"crop_jpeg": b"PNG..."}, "crop_jpeg is not a JPEG"),
    ({"confidence": 1.5}, "confidence 1.5 is outside"),
    ({"last_seen": datetime(2026, 6, 1, 12, 0)}, "last_seen must be a timezone-aware"),
    ({"kind": "Fishing Net"}, "is not a class name"),
    ({"status": "gone"}, "status 'gone' is not one of"),
    ({"lat": float("nan")}, "lat nan is not a finite number"),
    ({"sightings": 0}, "sightings 0 must be"),
])
def test_a_bad_report_is_refused_with_its_reason(change, problem):
    with pytest.raises(ValueError, match=re.escape(problem)):
        replace(report(), **change)


# ---- CAP 1.2 -------------------------------------------------------------------------------------------

ALERT_ORDER = ["identifier", "sender", "sent", "status", "msgType", "source", "scope", "restriction", "addresses",
               "code", "note", "references", "incidents", "info"]
INFO_ORDER = ["language", "category", "event", "responseType", "urgency", "severity", "certainty", "audience",
              "eventCode", "effective", "onset", "expires", "senderName", "headline", "description", "instruction",
              "web", "contact", "parameter", "resource", "area"]
CAP_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")  # CAP 1.2 3.3.2: no Z, no fractions


def tags(el) -> list[str]:
    return [c.tag.split("}")[1] for c in el]


def in_order(found: list[str], order: list[str]) -> bool:
    positions = [order.index(t) for t in found]
    return positions == sorted(positions)


def test_cap_alert_follows_the_1_2_schema_order_and_values():
    t = ticket_for(report("swimmer", OPEN_WATER))
    xml = cap_alert(t, evidence={"crop": jpeg(0), "frame": jpeg(1, 64)})
    root = ET.fromstring(xml)
    assert root.tag == f"{{{CAP_NS}}}alert" and xml.startswith(b"<?xml")
    assert in_order(tags(root), ALERT_ORDER)
    ns = {"c": CAP_NS}
    assert root.findtext("c:identifier", namespaces=ns) == f"{t.id}.v1"
    assert not re.search(r"[\s,<&]", root.findtext("c:identifier", namespaces=ns))
    assert CAP_TIME.match(root.findtext("c:sent", namespaces=ns)).group().endswith("+08:00")
    assert root.findtext("c:status", namespaces=ns) == "Actual" and root.findtext("c:msgType", namespaces=ns) == "Alert"
    assert root.findtext("c:scope", namespaces=ns) == "Private"
    assert root.findtext("c:addresses", namespaces=ns) == "water_police"
    infos = root.findall("c:info", ns)
    assert [i.findtext("c:language", namespaces=ns) for i in infos] == ["zh-CN", "en-US"]
    for info in infos:
        assert in_order(tags(info), INFO_ORDER)
        assert info.findtext("c:category", namespaces=ns) == "Safety"
        assert (info.findtext("c:urgency", namespaces=ns), info.findtext("c:severity", namespaces=ns),
                info.findtext("c:certainty", namespaces=ns)) == ("Immediate", "Severe", "Observed")
        assert CAP_TIME.match(info.findtext("c:onset", namespaces=ns))
        area = info.find("c:area", ns)
        assert tags(area) == ["areaDesc", "circle"]
        assert area.findtext("c:circle", namespaces=ns) == f"{OPEN_WATER[0]:.6f},{OPEN_WATER[1]:.6f} 0.006"
        res = info.findall("c:resource", ns)
        assert [tags(r) for r in res] == [["resourceDesc", "mimeType", "size", "digest"]] * 2
        assert res[0].findtext("c:digest", namespaces=ns) == hashlib.sha1(jpeg(0)).hexdigest()
        params = {p.findtext("c:valueName", namespaces=ns): p.findtext("c:value", namespaces=ns)
                  for p in info.findall("c:parameter", ns)}
        assert params["ticketId"] == t.id and params["sightings"] == "3"
    assert "游泳" in infos[0].findtext("c:headline", namespaces=ns)
    assert infos[1].findtext("c:headline", namespaces=ns).startswith("Swimmer in forbidden water")


def test_cap_updates_reference_earlier_versions_and_a_false_alarm_cancels():
    r = report("fishing_net", anomaly_id="net-cap", exercise=True)
    t1 = ticket_for(r)
    t2 = observe_again(t1, replace(r, sightings=9, last_seen=NOON + timedelta(hours=1), status="seen_again"),
                       NOON + timedelta(hours=1))
    t3 = apply_status(t2, agency="fisheries", status="false_alarm", actor="officer 7", note="a buoy",
                      now=NOON + timedelta(hours=2), text=ticket_text)
    ns = {"c": CAP_NS}
    a2 = ET.fromstring(cap_alert(t2))
    assert a2.findtext("c:msgType", namespaces=ns) == "Update" and a2.findtext("c:status", namespaces=ns) == "Exercise"
    refs = a2.findtext("c:references", namespaces=ns).split(" ")
    assert refs == [f"waterpatrol@jinji-lake,{t1.id}.v1,2026-06-01T12:00:00+08:00"]
    assert a2.findtext("c:incidents", namespaces=ns) == t1.id
    a3 = ET.fromstring(cap_alert(t3, embed=True, evidence={"crop": jpeg(0)}))
    assert a3.findtext("c:msgType", namespaces=ns) == "Cancel"
    assert "fisheries (officer 7)" in a3.findtext("c:note", namespaces=ns)
    assert len(a3.findtext("c:references", namespaces=ns).split(" ")) == 2  # the first and the previous version
    crop = a3.find("c:info/c:resource", ns)
    assert crop.findtext("c:derefUri", namespaces=ns).startswith("/9j/")  # base64 of a JPEG
    assert a3.find("c:info", ns).findtext("c:responseType", namespaces=ns) == "None"
