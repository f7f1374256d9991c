"""After a controller restart the tracker's memory is gone; an object confirmed again must update the ticket
raised before the restart, not open a second one. Real outbox and ticket desk, real start_alerting."""
from __future__ import annotations

import time
from pathlib import Path

from controller.alerting_service import start_alerting
from controller.tickets.outbox import Outbox
from missions.site import load_site
from vision.types import Anomaly

from .tickets_support import EAST_BAY, JINJI, jpeg

EPOCH = time.time() - 1000.0


def _anomaly(aid: str, cls: str, lat: float, lon: float) -> Anomaly:
    return Anomaly(aid, cls, lat, lon, uncertainty_m=2.0, first_seen_s=100.0, last_seen_s=130.0, sightings=3,
                   confidence=0.9, confirmed=True, drones=(1,), evidence_jpeg=jpeg(1), frame_jpeg=jpeg(2, 64))


def _raise(tmp_path: Path, anomaly: Anomaly) -> None:
    site = load_site(JINJI)
    svc = start_alerting(site, outbox_path=tmp_path / "outbox.sqlite", mission_db=tmp_path / "mission.db",
                         keys_dir=tmp_path / "keys", bind="tcp://127.0.0.1:0", drones=1)
    try:
        svc.hook.raise_confirmed(anomaly, EPOCH, 130.0)
    finally:
        svc.stop()


def _tickets(tmp_path: Path) -> list[dict]:
    ob = Outbox(tmp_path / "outbox.sqlite")
    try:
        return ob.all_latest()
    finally:
        ob.close()


def test_the_same_net_after_a_restart_updates_its_ticket(tmp_path):
    lat, lon = EAST_BAY
    _raise(tmp_path, _anomaly("a-before", "fishing_net", lat, lon))
    _raise(tmp_path, _anomaly("b-after", "fishing_net", lat + 0.00005, lon))   # 5.6 m away, a new tracker id
    docs = _tickets(tmp_path)
    assert len(docs) == 1 and docs[0]["version"] >= 2
    assert [h["event"] for h in docs[0]["history"]][:2] == ["created", "seen_again"]


def test_another_class_or_another_place_is_a_new_ticket(tmp_path):
    lat, lon = EAST_BAY
    _raise(tmp_path, _anomaly("a", "fishing_net", lat, lon))
    _raise(tmp_path, _anomaly("b", "fishing_boat", lat, lon))           # same place, other class
    _raise(tmp_path, _anomaly("c", "fishing_net", lat + 0.0015, lon))   # 167 m away
    assert sorted(d["type"] for d in _tickets(tmp_path)) == ["fishing_boat", "fishing_net", "fishing_net"]


def test_a_resolved_ticket_is_history(tmp_path):
    from controller.alerting import known_tickets

    lat, lon = EAST_BAY
    _raise(tmp_path, _anomaly("a", "swimmer", lat, lon))
    doc = dict(_tickets(tmp_path)[0], status="resolved")
    assert known_tickets([doc]) == []
