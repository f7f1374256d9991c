"""Crashes lose nothing: the server process killed with SIGKILL mid-send, and a partner's feed killed mid-stream."""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from controller.tickets.desk import TicketDesk
from controller.tickets.feedstore import FeedStore
from missions.site import load_site

from .conftest import ROOT
from .tickets_support import JINJI, NOON, Partner, identity, make_keys, report, wait_until

SITE = load_site(JINJI)


def serve(db, key_dir, bind: str = "tcp://127.0.0.1:0") -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, "-m", "controller.cli", "tickets", "serve", str(JINJI), "--keys",
                             str(key_dir), "--db", str(db), "--bind", bind, "--status-every", "0",
                             "--retransmit-s", "1"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline()
    assert "serving Jinji Lake tickets on tcp://127.0.0.1:" in line, line
    return proc, line.split(" on ")[1].split()[0]


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def key_dir(tmp_path_factory):
    return make_keys(tmp_path_factory.mktemp("keys"))


def test_server_killed_mid_send_and_restarted_loses_nothing(tmp_path, key_dir):
    db = tmp_path / "outbox.sqlite"
    desk = TicketDesk(SITE, db, clock=NOON.timestamp)  # this process produces (at noon); the server process sends
    made = [s.ticket_id for s in desk.submit_many([report("fishing_net", seed=i % 5) for i in range(300)])]
    server, endpoint = serve(db, key_dir)
    slow = lambda batch: time.sleep(0.003 * len(batch))  # noqa: E731 - a partner slow enough to kill the server mid-send
    with Partner(endpoint, identity(key_dir, "fisheries"), tmp_path / "fisheries", before_store=slow) as p:
        try:
            assert p.wait_for(60, 30), p.events
            os.kill(server.pid, signal.SIGKILL)
            server.wait(10)
            at_kill = len(p.seen)
            assert 60 <= at_kill < 300  # killed in the middle of sending
            # the drone keeps finding things while the server is down
            made += [s.ticket_id for s in desk.submit_many([report("fishing_net", seed=i) for i in range(100)])]
            time.sleep(0.5)
            server, again = serve(db, key_dir, bind=endpoint)
            assert again == endpoint
            assert p.wait_for(400, 60), (len(p.seen), p.events)
            time.sleep(1.5)  # a retransmission, were there one to make, would come now
        finally:
            stop(server)
    assert p.error is None
    assert len(p.seen) == 400 and sorted(p.ids()) == sorted(made)  # every ticket, each once
    assert [seq for seq, _, _ in p.seen] == list(range(1, 401))
    assert any("disconnected" in e for e in p.events) and sum("connected to" in e for e in p.events) >= 2
    with sqlite3.connect(db) as check:
        assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        unacked = check.execute("SELECT count(*) FROM deliveries WHERE agency = 'fisheries' AND acked_at IS NULL")
        assert unacked.fetchone()[0] == 0


def test_a_partner_killed_mid_stream_and_restarted_has_every_ticket_once(tmp_path, key_dir):
    db = tmp_path / "outbox.sqlite"
    desk = TicketDesk(SITE, db, clock=NOON.timestamp)
    made = set()
    for _ in range(4):
        made |= {s.ticket_id for s in desk.submit_many([report("swimmer", seed=i % 9) for i in range(500)])}
    server, endpoint = serve(db, key_dir)
    out = tmp_path / "feed"
    feed_cmd = [sys.executable, "-m", "controller.cli", "feed", "--agency", "water_police", "--server", endpoint,
                "--keys", str(key_dir), "--out", str(out)]

    def stored() -> int:
        try:
            with sqlite3.connect(f"file:{out / 'feed.sqlite'}?mode=ro", uri=True) as db_:
                return db_.execute("SELECT count(*) FROM tickets").fetchone()[0]
        except sqlite3.Error:
            return 0

    try:
        feed = subprocess.Popen(feed_cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        assert wait_until(lambda: stored() >= 200, 60, 0.005)
        feed.kill()
        feed.wait(10)
        first_lines = feed.stdout.read().splitlines()
        assert 200 <= stored() < 2000  # killed mid-stream
        feed = subprocess.run(feed_cmd + ["--exit-when-idle", "2"], cwd=ROOT, capture_output=True, text=True,
                              timeout=120)
        assert feed.returncode == 0, feed.stderr
    finally:
        stop(server)
    store = FeedStore(out)
    assert {t["id"] for t in store.tickets()} == made and len(store.tickets()) == 2000
    assert store.last_seq == 2000 and store.received_seqs() == list(range(1, 2001))
    # no ticket was printed twice across both runs: a line appears once its ticket is stored, and a replayed
    # ticket the store already holds is a duplicate, acknowledged again but not shown
    printed = [line.split()[1] for line in first_lines + feed.stdout.splitlines() if line.startswith("#")]
    assert len(set(printed)) == len(printed) and len(printed) > 1500
    assert "duplicate(s) ignored" in feed.stderr
