"""Delivery over real sockets on 127.0.0.1: replay, exactly once, routing, retransmission, status, keys."""
from __future__ import annotations

import json
import time
from datetime import datetime, timezone

import pytest
import zmq
from zmq.utils.monitor import recv_monitor_message

from controller.tickets.client import FeedClient, Identity, Refused, send_status
from controller.tickets.feedstore import FeedStore
from controller.tickets.server import ServerConfig, TicketServer
from missions.errors import UserError
from missions.site import load_site

from .tickets_support import (DUMP_SITE, EAST_BAY, JINJI, NOON, OPEN_WATER, Partner, identity, make_keys, report,
                              wait_until)

SITE = load_site(JINJI)
FAST = dict(bind="tcp://127.0.0.1:0", heartbeat_s=0.5, heartbeat_timeout_s=2.0, retransmit_s=5.0)


class Clock:
    def __init__(self, t: datetime = NOON):
        self.t = t.timestamp()

    def __call__(self) -> float:
        return self.t


@pytest.fixture(scope="module")
def key_dir(tmp_path_factory):
    return make_keys(tmp_path_factory.mktemp("keys"))


def start_server(tmp_path, key_dir, clock=None, **config) -> TicketServer:
    srv = TicketServer.for_site(SITE, tmp_path / "outbox.sqlite", key_dir, config=ServerConfig(**{**FAST, **config}),
                                clock=clock or Clock())
    srv.start()
    return srv


@pytest.fixture
def server(tmp_path, key_dir):
    srv = start_server(tmp_path, key_dir)
    yield srv
    srv.stop()


class Raw:
    """A bare DEALER with an agency's key, to speak the protocol by hand."""

    def __init__(self, endpoint: str, ident: Identity):
        self.ctx = zmq.Context()
        self.sock = self.ctx.socket(zmq.DEALER)
        self.sock.curve_serverkey, self.sock.curve_publickey, self.sock.curve_secretkey = (
            ident.server_public, ident.public, ident.secret)
        self.sock.linger = 0
        self.monitor = self.sock.get_monitor_socket()
        self.sock.connect(endpoint)

    def events(self, seconds: float) -> list[int]:
        out, end = [], time.monotonic() + seconds
        while time.monotonic() < end:
            if self.monitor.poll(50):
                out.append(recv_monitor_message(self.monitor)["event"])
        return out

    def handshake(self, timeout: float = 5.0) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.monitor.poll(50) and recv_monitor_message(self.monitor)["event"] == zmq.EVENT_HANDSHAKE_SUCCEEDED:
                return
        raise AssertionError("no handshake")

    def send(self, msg) -> None:
        self.sock.send(json.dumps(msg).encode() if isinstance(msg, dict) else msg)

    def recv(self, timeout: float = 3.0) -> list[bytes] | None:
        return self.sock.recv_multipart() if self.sock.poll(int(timeout * 1000)) else None

    def recv_json(self, timeout: float = 3.0) -> dict | None:
        frames = self.recv(timeout)
        return json.loads(frames[0]) if frames else None

    def close(self) -> None:
        self.sock.close(0)
        self.monitor.close(0)
        self.ctx.term()


def test_a_partner_offline_while_200_tickets_are_made_gets_each_exactly_once(server, key_dir, tmp_path):
    made = [server.submit(report("fishing_net", seed=i % 7)) for i in range(200)]
    assert len({m.ticket_id for m in made}) == 200
    with Partner(server.endpoint, identity(key_dir, "fisheries"), tmp_path / "fisheries") as p:
        assert p.wait_for(200, 30), p.events
        time.sleep(0.5)  # anything extra would arrive now
        assert p.error is None
        assert sorted(p.ids()) == sorted(m.ticket_id for m in made) and len(p.seen) == 200
        assert [seq for seq, _, _ in p.seen] == list(range(1, 201))
    store = FeedStore(tmp_path / "fisheries")
    assert store.last_seq == 200 and len(store.tickets()) == 200
    ticket = store.tickets()[0]
    folder = tmp_path / "fisheries" / "tickets" / ticket["id"]
    assert json.loads((folder / "ticket.json").read_text())["id"] == ticket["id"]
    assert (folder / "crop.jpg").read_bytes()[:3] == b"\xff\xd8\xff"
    assert wait_until(lambda: server.desk.outbox.counts()["acked"] >= 200)
    acked = server.desk.outbox.db.execute(
        "SELECT count(*) FROM deliveries WHERE agency = 'fisheries' AND acked_at IS NOT NULL").fetchone()[0]
    assert acked == 200


def test_each_agency_receives_only_what_was_routed_to_it(server, key_dir, tmp_path):
    places = {"fishing_net": EAST_BAY, "swimmer": OPEN_WATER, "waste_pile": DUMP_SITE, "muck_truck": DUMP_SITE,
              "floating_debris": OPEN_WATER, "fishing_boat": OPEN_WATER, "oil_slick": OPEN_WATER}
    routed: dict[str, set[str]] = {}
    for i, (kind, where) in enumerate(places.items()):
        for k in range(2):
            s = server.submit(report(kind, where, seed=i * 2 + k))
            for agency in s.agencies:
                routed.setdefault(agency, set()).add(s.ticket_id)
    partners = {a: Partner(server.endpoint, identity(key_dir, a), tmp_path / a) for a in routed}
    for p in partners.values():
        p.thread.start()
    try:
        for agency, p in partners.items():
            assert p.wait_for(len(routed[agency]), 20), (agency, p.events)
        time.sleep(0.5)
        for agency, p in partners.items():
            assert set(p.ids()) == routed[agency] and len(p.seen) == len(routed[agency]), agency
    finally:
        for p in partners.values():
            p.stop()
    # nets, swimmers, the escalated waste pile, boats and the unknown class go to the water police
    assert len(routed["traffic_police"]) == 2 and len(routed["water_police"]) == 2 + 2 + 2 + 2 + 2


def test_a_reconnecting_partner_gets_only_what_it_missed(server, key_dir, tmp_path):
    first = [server.submit(report("swimmer", seed=i)) for i in range(10)]
    with Partner(server.endpoint, identity(key_dir, "water_police"), tmp_path / "wp") as p:
        assert p.wait_for(10)
    second = [server.submit(report("swimmer", seed=20 + i)) for i in range(15)]
    with Partner(server.endpoint, identity(key_dir, "water_police"), tmp_path / "wp") as p:
        assert p.wait_for(15)
        time.sleep(0.5)
        assert sorted(p.ids()) == sorted(s.ticket_id for s in second)
        assert [seq for seq, _, _ in p.seen] == list(range(11, 26))
        assert any("everything after #10" in e for e in p.events)
    assert len(FeedStore(tmp_path / "wp").tickets()) == len(first) + len(second)


def test_an_unacknowledged_ticket_is_sent_again(tmp_path, key_dir):
    srv = start_server(tmp_path, key_dir, retransmit_s=0.5)
    try:
        s = srv.submit(report("swimmer"))
        raw = Raw(srv.endpoint, identity(key_dir, "water_police"))
        raw.handshake()
        raw.send({"v": 1, "type": "hello", "last_seq": 0})
        assert raw.recv_json()["type"] == "welcome"
        first = raw.recv()
        again = raw.recv(5.0)  # never acknowledged: it comes again
        assert first is not None and again is not None
        assert json.loads(again[0])["seq"] == json.loads(first[0])["seq"] == 1
        assert json.loads(again[0])["ticket"]["id"] == s.ticket_id and again[1:] == first[1:]
        raw.send({"v": 1, "type": "ack", "seqs": [1]})
        assert wait_until(lambda: srv.stats()["sessions"]["water_police"]["inflight"] == 0)
        while raw.recv(0.2) is not None:  # a copy sent before the ack got there
            pass
        assert raw.recv(1.5) is None  # acknowledged: never again, though three retransmit periods pass
        assert srv.stats()["counters"]["resent"] >= 1
        raw.close()
    finally:
        srv.stop()


def test_status_updates_flow_back_and_reach_the_other_agencies(server, key_dir, tmp_path):
    s = server.submit(report("fishing_net", EAST_BAY))
    with Partner(server.endpoint, identity(key_dir, "fisheries"), tmp_path / "f") as fish, \
            Partner(server.endpoint, identity(key_dir, "water_police"), tmp_path / "w") as police:
        assert fish.wait_for(1) and police.wait_for(1)
        ok = send_status(server.endpoint, identity(key_dir, "fisheries"), s.ticket_id, "dispatched",
                         actor="officer Li", note="patrol boat 3 on its way")
        assert ok.version == 2 and not ok.repeated
        assert police.wait_for(2) and fish.wait_for(2)
        doc = FeedStore(tmp_path / "w").ticket(s.ticket_id)
        assert doc["version"] == 2 and doc["status"] == "dispatched"
        assert {a["name"]: a["status"] for a in doc["agencies"]} == {"fisheries": "dispatched", "water_police": "open"}
        h = doc["history"][-1]
        assert (h["by"], h["status"], h["actor"], h["note"]) == ("fisheries", "dispatched", "officer Li",
                                                                 "patrol boat 3 on its way")
        ok = send_status(server.endpoint, identity(key_dir, "water_police"), s.ticket_id, "on_scene",
                         actor="officer Wang")
        assert ok.version == 3 and fish.wait_for(3)
        assert FeedStore(tmp_path / "f").ticket(s.ticket_id)["status"] == "on_scene"
        with pytest.raises(UserError, match="status_order"):
            send_status(server.endpoint, identity(key_dir, "fisheries"), s.ticket_id, "received", actor="x")


def test_an_agency_not_on_a_ticket_cannot_touch_it_and_learns_nothing(server, key_dir):
    s = server.submit(report("fishing_net"))
    with pytest.raises(UserError) as on_ticket:
        send_status(server.endpoint, identity(key_dir, "environment"), s.ticket_id, "resolved", actor="x")
    with pytest.raises(UserError) as no_ticket:
        send_status(server.endpoint, identity(key_dir, "environment"), "00000000-0000-4000-8000-000000000000",
                    "resolved", actor="x")
    assert "unknown_ticket" in str(on_ticket.value)
    assert str(on_ticket.value).replace(s.ticket_id, "ID") == str(no_ticket.value).replace(
        "00000000-0000-4000-8000-000000000000", "ID")
    assert server.desk.outbox.latest(s.ticket_id)[0] == 1


def test_a_repeated_status_request_applies_once(server, key_dir):
    s = server.submit(report("swimmer"))
    raw = Raw(server.endpoint, identity(key_dir, "water_police"))
    raw.handshake()
    request = {"v": 1, "type": "status", "ref": "req-1", "ticket": s.ticket_id, "status": "received", "actor": "desk"}
    raw.send(request)
    first = raw.recv_json()
    raw.send(request)
    second = raw.recv_json()
    raw.close()
    assert (first["type"], first["version"], first["repeated"]) == ("status_ok", 2, False)
    assert (second["type"], second["version"], second["repeated"]) == ("status_ok", 2, True)
    assert server.desk.outbox.latest(s.ticket_id)[0] == 2


def test_an_unknown_client_key_is_refused_and_learns_nothing(server, key_dir, tmp_path):
    server.submit(report("swimmer"))
    stranger = make_keys(tmp_path / "stranger", ("water_police",))  # right name, key the server never saw
    ident = identity(stranger, "water_police", server_key_dir=key_dir)
    raw = Raw(server.endpoint, ident)
    raw.send({"v": 1, "type": "hello", "last_seq": 0})
    events = raw.events(1.5)
    assert zmq.EVENT_HANDSHAKE_FAILED_AUTH in events and zmq.EVENT_HANDSHAKE_SUCCEEDED not in events
    assert raw.recv(0.5) is None
    raw.close()
    store = FeedStore(tmp_path / "stranger-feed")
    with pytest.raises(Refused, match="refused the key"):
        FeedClient(server.endpoint, ident, store).run(idle_exit_s=5)
    assert store.tickets() == [] and store.last_seq == 0
    assert "hellos" not in server.stats()["counters"]


def test_a_wrong_server_key_gets_no_handshake_and_nothing_else(server, key_dir, tmp_path):
    server.submit(report("swimmer"))
    other_server = make_keys(tmp_path / "fake", ("server",))
    ident = identity(key_dir, "water_police", server_key_dir=other_server)
    raw = Raw(server.endpoint, ident)
    raw.send({"v": 1, "type": "hello", "last_seq": 0})
    events = raw.events(1.5)
    assert zmq.EVENT_HANDSHAKE_SUCCEEDED not in events and zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL in events
    assert raw.recv(0.5) is None
    raw.close()
    with pytest.raises(UserError, match="no handshake"):
        send_status(server.endpoint, ident, "00000000-0000-4000-8000-000000000000", "received", actor="x",
                    timeout_s=1.5)
    assert "hellos" not in server.stats()["counters"]


def test_quiet_hours_hold_delivery_until_the_morning(tmp_path, key_dir):
    clock = Clock(datetime(2026, 6, 1, 15, 30, tzinfo=timezone.utc))  # 23:30 in Suzhou
    srv = start_server(tmp_path, key_dir, clock=clock)
    try:
        pile = srv.submit(report("waste_pile", OPEN_WATER))
        truck = srv.submit(report("muck_truck", OPEN_WATER))
        assert pile.held_until is not None and truck.held_until is None
        with Partner(srv.endpoint, identity(key_dir, "city_management"), tmp_path / "cm") as p:
            assert p.wait_for(1)
            time.sleep(0.5)
            assert p.ids() == [truck.ticket_id]
            clock.t = pile.held_until.timestamp()  # 07:00
            assert p.wait_for(2)
            assert p.ids() == [truck.ticket_id, pile.ticket_id]
    finally:
        srv.stop()


def test_dashboards_get_announcements_without_evidence(tmp_path, key_dir):
    srv = start_server(tmp_path, key_dir, announce="tcp://127.0.0.1:0")
    ident = identity(key_dir, "environment")
    ctx = zmq.Context()
    sub = ctx.socket(zmq.SUB)
    sub.curve_serverkey, sub.curve_publickey, sub.curve_secretkey = ident.server_public, ident.public, ident.secret
    sub.setsockopt(zmq.SUBSCRIBE, b"ticket.")
    sub.linger = 0
    try:
        sub.connect(srv.announce_endpoint)
        time.sleep(0.5)  # a PUB drops what it sends before the subscription arrives
        s = srv.submit(report("floating_debris"))
        assert sub.poll(5000)
        topic, body = sub.recv_multipart()
        msg = json.loads(body)
        assert topic == b"ticket.floating_debris" and msg["ticket"]["id"] == s.ticket_id
        assert msg["ticket"]["agencies"] == ["environment"] and "evidence" not in msg["ticket"]
    finally:
        sub.close(0)
        ctx.term()
        srv.stop()


def test_one_server_per_outbox(server, tmp_path, key_dir):
    with pytest.raises(UserError, match="another ticket server"):
        TicketServer.for_site(SITE, tmp_path / "outbox.sqlite", key_dir, config=ServerConfig(**FAST)).start()


def test_a_superseded_connection_is_told_so(server, key_dir, tmp_path):
    server.submit(report("swimmer"))
    first = Raw(server.endpoint, identity(key_dir, "water_police"))
    first.handshake()
    first.send({"v": 1, "type": "hello", "last_seq": 0})
    assert first.recv_json()["type"] == "welcome"
    with Partner(server.endpoint, identity(key_dir, "water_police"), tmp_path / "wp") as p:
        assert p.wait_for(1)
        received = []
        while (msg := first.recv_json(1.0)) is not None and msg["type"] != "error":
            received.append(msg["type"])  # the delivery it got before the other connection said hello
        assert msg is not None and msg["code"] == "superseded" and received == ["deliver"]
    first.close()


def test_server_stop_is_prompt_and_frees_the_port(tmp_path, key_dir):
    srv = start_server(tmp_path, key_dir)
    endpoint = srv.endpoint
    t = time.monotonic()
    srv.stop()
    assert time.monotonic() - t < 3.0 and not srv.running
    again = start_server(tmp_path / "again", key_dir, bind=endpoint)
    assert again.endpoint == endpoint
    again.stop()
