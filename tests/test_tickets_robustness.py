"""Whatever an authenticated partner sends, the server answers with an error or drops it, and keeps serving."""
from __future__ import annotations

import json
import logging

import pytest
import zmq

from controller.tickets.protocol import ERRORS
from controller.tickets.server import ServerConfig, TicketServer
from missions.site import load_site

from .test_tickets_delivery import FAST, Raw
from .tickets_support import JINJI, NOON, Partner, identity, make_keys, report

SITE = load_site(JINJI)
TICKET = "00000000-0000-4000-8000-000000000000"


@pytest.fixture(scope="module")
def key_dir(tmp_path_factory):
    return make_keys(tmp_path_factory.mktemp("keys"))


@pytest.fixture(scope="module")
def server(tmp_path_factory, key_dir):
    srv = TicketServer.for_site(SITE, tmp_path_factory.mktemp("srv") / "outbox.sqlite", key_dir,
                                config=ServerConfig(**FAST), clock=NOON.timestamp)  # noon: no quiet hours
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture
def raw(server, key_dir):
    r = Raw(server.endpoint, identity(key_dir, "fisheries"))
    r.handshake()
    yield r
    r.close()


BAD = [
    (b"\xff\xfe not utf-8 \x80", "bad_json"),
    (b"{not json", "bad_json"),
    (b"[1, 2, 3]", "bad_json"),
    (b'"hello"', "bad_json"),
    (b"", "bad_json"),
    (b"[" * 5000 + b"]" * 5000, "bad_json"),  # nesting deeper than the parser allows, under the size limit
    ({"type": "hello", "last_seq": 0}, "bad_version"),
    ({"v": 2, "type": "hello", "last_seq": 0}, "bad_version"),
    ({"v": "1", "type": "hello", "last_seq": 0}, "bad_version"),
    ({"v": True, "type": "hello", "last_seq": 0}, "bad_version"),
    ({"v": 1, "type": "subscribe"}, "unknown_type"),
    ({"v": 1}, "unknown_type"),
    ({"v": 1, "type": "hello"}, "bad_message"),
    ({"v": 1, "type": "hello", "last_seq": -1}, "bad_message"),
    ({"v": 1, "type": "hello", "last_seq": 1.5}, "bad_message"),
    ({"v": 1, "type": "hello", "last_seq": 2 ** 70}, "bad_message"),
    ({"v": 1, "type": "ack", "seqs": []}, "bad_message"),
    ({"v": 1, "type": "ack", "seqs": [True]}, "bad_message"),
    ({"v": 1, "type": "ack", "seqs": list(range(1, 1002))}, "bad_message"),
    ({"v": 1, "type": "ack", "seqs": "1,2"}, "bad_message"),
    ({"v": 1, "type": "status", "ref": "r", "ticket": "not-a-uuid", "status": "resolved", "actor": "x"}, "bad_message"),
    ({"v": 1, "type": "status", "ref": "r", "ticket": TICKET, "status": "done", "actor": "x"}, "bad_status"),
    ({"v": 1, "type": "status", "ref": "r", "ticket": TICKET, "status": "resolved"}, "bad_message"),
    ({"v": 1, "type": "status", "ref": "r", "ticket": TICKET, "status": "resolved", "actor": "x" * 201}, "bad_message"),
    ({"v": 1, "type": "status", "ref": "r", "ticket": TICKET, "status": "resolved", "actor": "x", "note": 5},
     "bad_message"),
    ({"v": 1, "type": "status", "ref": "r", "ticket": TICKET, "status": "resolved", "actor": "x"}, "unknown_ticket"),
    ({"v": 1, "type": "hello", "last_seq": 10 ** 9}, "seq_ahead"),
]


@pytest.mark.parametrize("message, code", BAD, ids=[f"{i}-{c}" for i, (_, c) in enumerate(BAD)])
def test_a_bad_message_is_answered_with_its_error_code(server, raw, message, code, caplog):
    before = server.stats()["counters"].get("errors", 0)
    with caplog.at_level(logging.WARNING, logger="waterpatrol.tickets.server"):
        raw.send(message)
        reply = raw.recv_json()
    assert reply is not None and reply["type"] == "error" and reply["code"] == code and code in ERRORS
    assert reply["v"] == 1 and reply["message"]
    assert server.stats()["counters"]["errors"] == before + 1 and server.running
    assert any(code in r.getMessage() for r in caplog.records)  # logged


def test_the_error_carries_the_request_ref(raw):
    raw.send({"v": 1, "type": "status", "ref": "abc-1", "ticket": TICKET, "status": "resolved", "actor": "x"})
    assert raw.recv_json()["ref"] == "abc-1"


def test_a_multi_frame_message_is_refused(server, raw):
    raw.sock.send_multipart([b'{"v":1,"type":"hello","last_seq":0}', b"extra"])
    assert raw.recv_json()["code"] == "bad_frames"


def test_acks_for_what_was_never_sent_change_nothing(server, raw):
    raw.send({"v": 1, "type": "ack", "seqs": [999_999, 1_000_000]})
    assert raw.recv(0.5) is None  # acks are not answered
    assert server.running


def test_an_oversized_message_drops_that_connection_only(server, key_dir, tmp_path, raw):
    made = server.submit(report("fishing_net"))
    raw.sock.send(b"x" * (server.config.max_message_bytes + 1))
    events = raw.events(1.5)
    assert zmq.EVENT_DISCONNECTED in events  # the server hung up on it (MAXMSGSIZE)
    with Partner(server.endpoint, identity(key_dir, "water_police"), tmp_path / "wp") as p:
        assert p.wait_for(1) and made.ticket_id in p.ids()
    assert server.running


def test_a_flood_of_garbage_leaves_the_server_serving(server, key_dir, tmp_path, raw):
    for i in range(500):
        raw.send(bytes([i % 256]) * (i % 50))
    replies = 0
    while replies < 500 and raw.recv(10.0) is not None:
        replies += 1
    assert replies == 500 and raw.recv(0.3) is None  # one answer each
    made = server.submit(report("swimmer"))
    with Partner(server.endpoint, identity(key_dir, "water_police"), tmp_path / "wp2") as p:
        assert p.wait_for(1) and made.ticket_id in p.ids()


# ---- and the partner checks what the server sends -------------------------------------------------------

def _deliver_frames(**change):
    from controller.tickets.model import to_dict
    from controller.tickets.protocol import deliver_header

    from .test_tickets_model import ticket_for
    from .tickets_support import jpeg
    doc = to_dict(ticket_for(report("swimmer")))
    names = change.pop("names", ["crop", "frame"])
    parts = change.pop("parts", [jpeg(0), jpeg(1, 64)])
    return [deliver_header(7, json.dumps(doc), names), *parts]


def test_the_client_refuses_evidence_that_does_not_match_its_sha256():
    from controller.tickets.protocol import Deliver, ProtocolError, decode_server
    from .tickets_support import jpeg
    good = decode_server(_deliver_frames())
    assert isinstance(good, Deliver) and good.seq == 7 and set(good.parts) == {"crop", "frame"}
    with pytest.raises(ProtocolError, match="does not match its sha256"):
        decode_server(_deliver_frames(parts=[jpeg(5), jpeg(1, 64)]))
    with pytest.raises(ProtocolError, match="parts do not match the frames"):
        decode_server(_deliver_frames(parts=[jpeg(0)]))
    with pytest.raises(ProtocolError, match="is not a plain name"):
        decode_server(_deliver_frames(names=["../../etc/crop", "frame"]))
