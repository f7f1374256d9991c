"""The whole loop under faults (issue 8): on the CI lake, the link is lost long enough for the vehicle's GCS
failsafe, the battery drops to its failsafe level, one partner is offline for the first half of the patrol,
and the controller is killed once mid-flight and started again. The same tickets still arrive, each once.

Every part is its own process on real sockets: `waterpatrol sim` (with --faults and its camera), one
`waterpatrol feed` per agency, and `waterpatrol run --frames` (the controller with vision and the ticket
server), exactly as a field deployment runs them.
"""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

from controller.demo.run import free_ports
from controller.flight.missionlog import MissionLog
from controller.tickets.keys import SERVER, new_keypair
from controller.tickets.outbox import Outbox

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "tests" / "data" / "ci_lake.yaml"
WORLD = ROOT / "tests" / "data" / "ci_lake.world.yaml"
CLI = [sys.executable, "-m", "controller.cli"]
AGENCIES = ("fisheries", "water_police", "city_management", "environment", "traffic_police")
ROUTED = {"fishing_net": {"fisheries", "water_police"}, "waste_pile": {"city_management", "environment"}}
SPEEDUP = 3
FPS = 0.6       # three frames of every point along the track at 50 m (as the demo chooses)
# simulated seconds after boot (41 s); the sortie takes off about 60 s after boot and flies about 330 s
FAULTS = """faults:
  - {at: 150, fault: link_outage, duration: 35}
  - {at: 300, fault: battery_level, percent: 12}
"""


def _start(args, log: Path, wait_for: str | None = None) -> subprocess.Popen:
    f = open(log, "w")
    p = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE if wait_for else f, stderr=subprocess.STDOUT,
                         text=True, start_new_session=True)
    if wait_for:
        for line in p.stdout:
            f.write(line)
            if wait_for in line:
                break
        else:
            raise AssertionError(f"{args[3]} did not start: {log.read_text()[-2000:]}")
    return p


def _stop(p: subprocess.Popen) -> None:
    if p.poll() is None:
        p.send_signal(signal.SIGINT)
        try:
            p.wait(15)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(5)


def _reached(db: Path) -> int:
    if not db.exists():
        return 0
    log = MissionLog(db)
    try:
        return sum(len(log.reached_seqs(s.id)) for s in log.sorties())
    finally:
        log.close()


def test_tickets_arrive_once_through_link_loss_battery_failsafe_partner_outage_and_a_restart(tmp_path):
    keys, out, logs = tmp_path / "keys", tmp_path / "run", tmp_path / "logs"
    logs.mkdir()
    for name in (SERVER, *AGENCIES):
        new_keypair(name, keys)
    (tmp_path / "faults.yaml").write_text(FAULTS)
    mav, frames, tickets = free_ports(1, stride=10), free_ports(1), free_ports(1)
    procs: list[subprocess.Popen] = []
    try:
        procs.append(_start([*CLI, "sim", str(SITE), "--world", str(WORLD), "--speedup", str(SPEEDUP), "--port", str(mav),
                             "--no-udp", "--frames", f"tcp://127.0.0.1:{frames}", "--fps", str(FPS),
                             "--faults", str(tmp_path / "faults.yaml")], logs / "sim.log", wait_for="running"))
        server = f"tcp://127.0.0.1:{tickets}"
        feeds = {}

        def feed(agency: str) -> None:
            feeds[agency] = _start([*CLI, "feed", "--agency", agency, "--server", server, "--keys", str(keys),
                                    "--out", str(tmp_path / "feeds" / agency), "--quiet"], logs / f"feed-{agency}.log")
            procs.append(feeds[agency])
        for a in AGENCIES:
            if a != "fisheries":          # the fisheries' feed is offline for the first half
                feed(a)
        run = [*CLI, "run", str(SITE), "--connect", f"tcp:127.0.0.1:{mav}", "--frames", f"tcp://127.0.0.1:{frames}",
               "--out", str(out), "--keys", str(keys), "--tickets-bind", server, "--connect-timeout", "30",
               "--frames-backlog", "200", "--no-dashboard"]
        first = _start(run, logs / "run-1.log")
        procs.append(first)
        deadline = time.monotonic() + 300
        while _reached(out / "mission.db") < 5:   # well into the sortie: kill the controller
            assert first.poll() is None, (logs / "run-1.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "the sortie never got going"
            time.sleep(0.2)
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        time.sleep(2.0)
        second = subprocess.Popen(run, cwd=ROOT, stdout=open(logs / "run-2.log", "w"), stderr=subprocess.STDOUT,
                                  text=True, start_new_session=True)
        procs.append(second)
        while _reached(out / "mission.db") < 10:   # about half the patrol flown: the fisheries come online
            assert second.poll() is None, (logs / "run-2.log").read_text()[-3000:]
            assert time.monotonic() < deadline + 300, "the patrol stalled"
            time.sleep(0.2)
        feed("fisheries")
        assert second.wait(600) == 0, (logs / "run-2.log").read_text()[-3000:]

        ob = Outbox(out / "tickets" / "outbox.sqlite")
        try:
            deadline = time.monotonic() + 60
            while ob.counts()["unacked"] and time.monotonic() < deadline:
                time.sleep(0.5)
            docs = ob.all_latest()
            assert ob.counts()["unacked"] == 0, ob.counts()
        finally:
            ob.close()
    finally:
        for p in reversed(procs):
            _stop(p)

    kinds = sorted(d["type"] for d in docs)
    assert kinds == ["fishing_net", "waste_pile"], kinds          # each anomaly once, not once per run
    log = MissionLog(out / "mission.db")
    events = [e[3] for e in log.events()]
    assert {"restart", "reattach", "failsafe"} <= set(events), events
    assert any(s.status == "interrupted" for s in log.sorties()) and log.sorties()[-1].status == "completed"
    for a in AGENCIES:
        stored = sorted((tmp_path / "feeds" / a / "tickets").glob("*/ticket.json")) \
            if (tmp_path / "feeds" / a / "tickets").exists() else []
        got = [json.loads(p.read_text()) for p in stored]
        assert len({t["id"] for t in got}) == len(got)
        assert {t["type"] for t in got} == {k for k, v in ROUTED.items() if a in v}, (a, [t["type"] for t in got])
