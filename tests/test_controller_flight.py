"""The controller flies the SITL over real sockets: whole sorties, two drones, failsafes, resume."""
from __future__ import annotations

import json
import math
import signal
import socket
import subprocess
import sys
import time

from controller.flight.missionlog import MissionLog
from missions.plan import NAV_COMMANDS, MAV_CMD_NAV_RETURN_TO_LAUNCH
from sim.faults import Fault

from .controller_support import POND, ROOT, Flight, in_auto_past, pond, sim_for


def nav_seqs(items):
    return {it.seq for it in items if it.command in NAV_COMMANDS and it.seq >= 2
            and it.command != MAV_CMD_NAV_RETURN_TO_LAUNCH}


def test_full_patrol_reaches_every_waypoint_and_lands_home(tmp_path):
    site = pond()
    with sim_for(site) as sim:
        flight = Flight(site, sim, tmp_path).start()
        outcome = flight.join()
        copter = sim.runner.copter(1)
        assert math.hypot(copter.est()[0] - copter.home_n, copter.est()[1] - copter.home_e) < 5
    assert outcome.completed, outcome
    log = MissionLog(tmp_path / "mission.db")
    rows = log.sorties()
    assert [r.status for r in rows] == ["completed"] * len(flight.plan.sorties)
    for r in rows:
        assert nav_seqs(r.items) <= set(log.reached_seqs(r.id)), f"sortie {r.plan_index} missed items"
    kinds = [e[4] for e in log.events() if e[3] == "preflight"]
    for name in ("heartbeat", "gps", "ekf", "battery", "home", "failsafe parameters", "geofence", "mission"):
        assert any(k.startswith(f"{name}: ok") for k in kinds), name
    run = json.loads((tmp_path / "run.json").read_text())
    assert all(s["landed"] and s["distance_flown_m"] > 500 for s in run["sorties"])
    track = json.loads((tmp_path / "track.geojson").read_text())
    assert track["features"][0]["properties"]["length_m"] > 5000


def test_two_drones_fly_at_once(tmp_path):
    site = pond()
    with sim_for(site, vehicles=2) as sim:
        flight = Flight(site, sim, tmp_path, drones=2).start()
        outcome = flight.join()
    assert outcome.completed, outcome
    rows = MissionLog(tmp_path / "mission.db").sorties()
    assert {r.drone for r in rows} == {1, 2} and all(r.status == "completed" for r in rows)
    a, b = (next(r for r in rows if r.drone == d) for d in (1, 2))
    assert a.started < b.ended and b.started < a.ended  # in the air together
    assert {r.items[1].alt for r in rows} == {50.0, 55.0}  # stacked, never at the same height


def exit_and_resume(log):
    rows = log.sorties()
    cut = next(r for r in rows if r.status == "interrupted")
    resume = next(r for r in rows if r.parent == cut.id)
    return cut, resume


def assert_resumed_with_overlap_only(site, cut, resume, overlap_m=20.0):
    """The resume starts on the leg it left, at most the overlap before the point it left."""
    frame = site.frame
    target = cut.items[cut.exit_seq]
    ex = frame.to_xy(cut.exit_lat, cut.exit_lon)
    if target.pattern in ("coverage", "shoreline"):
        first = next(it for it in resume.items[2:] if it.pattern == target.pattern)
        start = frame.to_xy(first.lat, first.lon)
        gap = math.dist(ex, start)
        assert gap <= overlap_m + 15.0, f"resume starts {gap:.0f} m from where the drone left the leg"
    rest = [it.mavlink()[1:] for it in cut.items[cut.exit_seq:]]
    assert [it.mavlink()[1:] for it in resume.items[-len(rest):]] == rest  # then exactly the rest of the sortie


def test_battery_cut_returns_home_and_the_rest_is_resumed(tmp_path):
    site = pond()
    with sim_for(site) as sim:
        flight = Flight(site, sim, tmp_path, patterns=["coverage"]).start()
        flight.wait_for(in_auto_past(8), "sortie 1 halfway")
        sim.runner.inject(Fault("battery_level", {"percent": 33}), vehicle=1)
        outcome = flight.join()
    assert outcome.completed, outcome
    log = MissionLog(tmp_path / "mission.db")
    cut, resume = exit_and_resume(log)
    assert "battery" in (cut.note or "") and resume.status == "completed"
    kinds = [e[3] for e in log.events()]
    assert "battery_cut" in kinds and "battery_swap" in kinds
    assert_resumed_with_overlap_only(site, cut, resume)


def test_link_loss_triggers_the_vehicle_failsafe_and_the_controller_resumes(tmp_path):
    site = pond()
    with sim_for(site) as sim:
        flight = Flight(site, sim, tmp_path, patterns=["coverage"]).start()
        flight.wait_for(in_auto_past(6), "sortie 1 under way")
        sim.runner.inject(Fault("link_outage", {}, duration_s=45.0), vehicle=1)  # > FS_GCS_TIMEOUT (20 s)
        outcome = flight.join()
        assert sim.runner.copter(1).mode.number != 6 or not sim.runner.copter(1).armed
    assert outcome.completed, outcome
    log = MissionLog(tmp_path / "mission.db")
    kinds = [e[3] for e in log.events()]
    assert "link_lost" in kinds and "link_restored" in kinds
    assert "failsafe" in kinds  # the vehicle went to RTL on its own
    cut, resume = exit_and_resume(log)
    assert resume.status == "completed"
    assert_resumed_with_overlap_only(site, cut, resume)


def test_controller_killed_mid_sortie_reattaches_and_completes(tmp_path):
    """SIGKILL the controller while the drone is in AUTO; the vehicle's GCS failsafe brings it back;
    started again, the controller re-attaches and finishes with only the overlap flown twice."""
    site = pond()
    cmd = [sys.executable, "-m", "controller.cli", "run", str(POND), "--out", str(tmp_path), "--connect-timeout", "20",
           "--patterns", "coverage"]
    with sim_for(site) as sim:
        first = subprocess.Popen([*cmd, "--connect", sim.url()], cwd=ROOT, stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, text=True)
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                db = tmp_path / "mission.db"
                track = MissionLog(db).track(1) if db.exists() else []
                if track and track[-1][4] == "AUTO" and (track[-1][5] or 0) >= 7:
                    break
                assert first.poll() is None, first.stdout.read()
                time.sleep(0.02)
            else:
                raise AssertionError("the drone never got half way through sortie 1")
            first.send_signal(signal.SIGKILL)
            first.wait(10)
        finally:
            if first.poll() is None:
                first.kill()
        time.sleep(1.0)  # the controller is gone: about 30 s of simulated time pass
        second = subprocess.run([*cmd, "--connect", sim.url()], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "Traceback" not in second.stderr
    log = MissionLog(tmp_path / "mission.db")
    kinds = [e[3] for e in log.events()]
    assert "restart" in kinds and "reattach" in kinds
    cut, resume = exit_and_resume(log)
    assert resume.status == "completed"
    assert_resumed_with_overlap_only(site, cut, resume)
    assert all(r.status in ("completed", "interrupted") for r in log.sorties())


def test_preflight_refuses_without_gps(tmp_path):
    site = pond()
    with sim_for(site, params=(("SIM_GPS1_ENABLE", 0),)) as sim:
        flight = Flight(site, sim, tmp_path).start()
        outcome = flight.join()
        assert not sim.runner.copter(1).armed
    assert not outcome.completed
    assert any("preflight check 'gps' failed: fix type" in e for e in outcome.failed), outcome.failed


def test_preflight_refuses_a_battery_that_cannot_fly_the_sortie(tmp_path):
    site = pond()
    with sim_for(site) as sim:
        sim.runner.inject(Fault("battery_level", {"percent": 40}))
        flight = Flight(site, sim, tmp_path).start()
        outcome = flight.join()
        assert not sim.runner.copter(1).armed
    assert not outcome.completed
    msg = next(e for e in outcome.failed if "preflight" in e)
    assert "preflight check 'battery' failed: 40 % on board, sortie needs" in msg


def test_geofence_breach_is_reported_as_an_event(tmp_path):
    site = pond()
    with sim_for(site) as sim:
        flight = Flight(site, sim, tmp_path, patterns=["coverage"]).start()
        flight.wait_for(in_auto_past(5), "sortie 1 under way")
        sim.runner.inject(Fault("param", {"name": "FENCE_ALT_MAX", "value": 30}), vehicle=1)
        outcome = flight.join()
    assert outcome.completed, outcome  # the next preflight writes the site's ceiling back
    events = MissionLog(tmp_path / "mission.db").events()
    assert any(e[3] == "fence_breach" for e in events), [e[3:] for e in events]


def test_wrong_port_and_no_heartbeat_are_one_line_errors(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    r = subprocess.run([sys.executable, "-m", "controller.cli", "run", str(POND), "--connect", f"tcp:127.0.0.1:{port}",
                        "--out", str(tmp_path / "a"), "--connect-timeout", "3"], cwd=ROOT, capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.strip().splitlines()[-1] == (f"waterpatrol run: error: tcp:127.0.0.1:{port}: connection refused "
                                                 "(is the vehicle or simulator running, and is the port right?)")
    with socket.socket() as server:  # accepts, then says nothing: not a vehicle
        server.bind(("127.0.0.1", 0))
        server.listen(4)
        port = server.getsockname()[1]
        r = subprocess.run([sys.executable, "-m", "controller.cli", "run", str(POND), "--connect",
                            f"tcp:127.0.0.1:{port}", "--out", str(tmp_path / "b"), "--connect-timeout", "3"],
                           cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "no heartbeat from a vehicle" in r.stderr.strip().splitlines()[-1]
