"""The ticket commands as people use them: keys, serve, feed, ticket update, tickets list/show/export."""
from __future__ import annotations

import hashlib
import json
import os
import signal
import stat
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from controller.cli import main
from controller.tickets import keys
from controller.tickets.cap import CAP_NS
from controller.tickets.desk import TicketDesk
from missions.errors import UserError
from missions.site import load_site

from .conftest import ROOT
from .tickets_support import DUMP_SITE, EAST_BAY, JINJI, NOON, make_keys, report

SITE = load_site(JINJI)
CLI = [sys.executable, "-m", "controller.cli"]


def run_cli(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_keys_new_writes_a_secret_only_its_owner_can_read(tmp_path, capsys):
    code, out, _ = run_cli(capsys, "keys", "new", "fisheries", "--dir", tmp_path / "k")
    assert code == 0 and "public key: " in out
    public, secret = tmp_path / "k" / "fisheries.key", tmp_path / "k" / "fisheries.key_secret"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600 and stat.S_IMODE(public.stat().st_mode) == 0o644
    assert "secret-key" in secret.read_text() and "secret-key" not in public.read_text()
    pub, sec = keys.load_secret(secret)
    assert keys.load_public(public) == pub and len(sec) == 40 and out.split("public key: ")[1].strip() == pub.decode()
    import zmq.auth  # the files are ZeroMQ certificates, readable by any ZeroMQ binding
    assert zmq.auth.load_certificate(secret) == (pub, sec)


def test_keys_new_refuses_to_overwrite_and_a_readable_secret_is_refused(tmp_path, capsys):
    run_cli(capsys, "keys", "new", "server", "--dir", tmp_path)
    before = (tmp_path / "server.key_secret").read_text()
    code, _, err = run_cli(capsys, "keys", "new", "server", "--dir", tmp_path)
    assert code == 2 and err.count("\n") == 1 and "exists already" in err
    assert (tmp_path / "server.key_secret").read_text() == before
    assert run_cli(capsys, "keys", "new", "server", "--dir", tmp_path, "--force")[0] == 0
    assert (tmp_path / "server.key_secret").read_text() != before
    assert stat.S_IMODE((tmp_path / "server.key_secret").stat().st_mode) == 0o600
    os.chmod(tmp_path / "server.key_secret", 0o644)
    with pytest.raises(UserError, match="readable by others"):
        keys.load_secret(tmp_path / "server.key_secret")
    code, _, err = run_cli(capsys, "keys", "new", "Bad Name", "--dir", tmp_path)
    assert code == 2 and "lower-case" in err


@pytest.fixture
def outbox(tmp_path):
    db = tmp_path / "outbox.sqlite"
    desk = TicketDesk(SITE, db, clock=NOON.timestamp)  # noon in Suzhou: nothing waits for quiet hours
    made = [desk.submit(report("fishing_net", EAST_BAY)), desk.submit(report("waste_pile", DUMP_SITE, seed=3))]
    return db, made


def test_list_show_and_export(outbox, capsys, tmp_path):
    db, (net, pile) = outbox
    code, out, _ = run_cli(capsys, "tickets", "list", "--db", db)
    lines = out.splitlines()
    assert code == 0 and len(lines) == 2
    assert any(line.startswith(net.ticket_id[:8]) and "fisheries:held" in line for line in lines)
    code, out, _ = run_cli(capsys, "tickets", "show", pile.ticket_id[:8], "--db", db)
    assert code == 0 and f"ticket {pile.ticket_id} version 1" in out
    assert "Yongchangjing site" in out and "routed by dumping at Yongchangjing" in out and "疑似非法倾倒垃圾堆" in out
    code, out, _ = run_cli(capsys, "tickets", "show", net.ticket_id, "--db", db, "--json")
    assert json.loads(out)["id"] == net.ticket_id
    code, out, _ = run_cli(capsys, "tickets", "export", net.ticket_id[:6], "--cap", "--db", db)
    root = ET.fromstring(out.encode())
    assert code == 0 and root.findtext(f"{{{CAP_NS}}}identifier") == f"{net.ticket_id}.v1"
    code, out, _ = run_cli(capsys, "tickets", "export", pile.ticket_id, "--cap", "--db", db, "--embed-evidence",
                           "--out", tmp_path / "pile.xml")
    root = ET.parse(tmp_path / "pile.xml").getroot()
    assert code == 0 and root.find(f"{{{CAP_NS}}}info/{{{CAP_NS}}}resource/{{{CAP_NS}}}derefUri") is not None


@pytest.mark.parametrize("argv, message", [
    (["tickets", "show", "abcdef12"], "no ticket abcdef12"),
    (["tickets", "list", "--db", "/nonexistent/outbox.sqlite"], "no outbox there"),
    (["tickets", "export", "ab", "--cap"], "at least 4"),
])
def test_outbox_errors_are_one_line(outbox, capsys, argv, message):
    db, _ = outbox
    if "--db" not in argv:
        argv = argv + ["--db", db]
    code, _, err = run_cli(capsys, *argv)
    assert code == 2 and err.count("\n") == 1 and message in err


def test_partner_errors_are_one_line(tmp_path, capsys):
    make_keys(tmp_path, ("server", "fisheries"))
    base = ["--agency", "fisheries", "--server", "tcp://127.0.0.1:9", "--keys", tmp_path]
    code, _, err = run_cli(capsys, "ticket", "update", "00000000-0000-4000-8000-000000000000", "fixed", *base)
    assert code == 2 and "not one of received, dispatched" in err
    code, _, err = run_cli(capsys, "ticket", "update", "1234", "resolved", *base)
    assert code == 2 and "is not a ticket id" in err
    code, _, err = run_cli(capsys, "feed", "--agency", "environment", "--server", "tcp://127.0.0.1:9", "--keys", tmp_path)
    assert code == 2 and err.count("\n") == 1 and "environment.key_secret: no key file there" in err
    code, _, err = run_cli(capsys, "tickets", "serve", JINJI, "--keys", tmp_path / "none", "--db", tmp_path / "o.sqlite")
    assert code == 2 and "server.key_secret: no key file there" in err


def test_serve_feed_update_end_to_end(tmp_path, outbox):
    db, (net, pile) = outbox
    key_dir = make_keys(tmp_path / "keys")
    server = subprocess.Popen(CLI + ["tickets", "serve", JINJI, "--keys", key_dir, "--db", db, "--bind",
                                     "tcp://127.0.0.1:0", "--status-every", "0.5"],
                              cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = server.stdout.readline()
        endpoint = first.split(" on ")[1].split()[0]
        assert endpoint.startswith("tcp://127.0.0.1:") and "agencies: fisheries, water_police" in first
        partner = ["--server", endpoint, "--keys", key_dir]
        feed = subprocess.run(CLI + ["feed", "--agency", "fisheries", "--out", tmp_path / "fish", "--exit-when-idle",
                                     "1.5", *partner], cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert feed.returncode == 0, feed.stderr
        lines = feed.stdout.splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"#1 {net.ticket_id[:8]} v1 fishing_net")
        assert "East bay nets" in lines[0] and "疑似非法渔网" in lines[0]
        folder = tmp_path / "fish" / "tickets" / net.ticket_id
        doc = json.loads((folder / "ticket.json").read_text())
        crop = next(e for e in doc["evidence"] if e["name"] == "crop")
        assert hashlib.sha256((folder / "crop.jpg").read_bytes()).hexdigest() == crop["sha256"]
        update = subprocess.run(CLI + ["ticket", "update", net.ticket_id, "on-scene", "--note", "two nets cut",
                                       "--actor", "officer Zhou", "--agency", "fisheries", *partner],
                                cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert update.returncode == 0, update.stderr
        assert update.stdout.strip() == f"ticket {net.ticket_id}: fisheries on_scene by officer Zhou; now version 2"
        again = subprocess.run(CLI + ["feed", "--agency", "fisheries", "--out", tmp_path / "fish", "--exit-when-idle",
                                      "1.5", *partner], cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert again.stdout.splitlines()[0].startswith(f"#2 {net.ticket_id[:8]} v2 fishing_net")
        assert "on_scene" in again.stdout
        status_line = server.stdout.readline()
        assert "acknowledged" in status_line
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(10)
    assert server.returncode == 0
    show = subprocess.run(CLI + ["tickets", "show", net.ticket_id, "--db", db], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert "on_scene    by fisheries (officer Zhou): two nets cut" in show.stdout
    assert "acknowledged" in show.stdout
