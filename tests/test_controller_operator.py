"""What an operator does and sees: abort from another terminal or Ctrl-C, status, a vehicle that refuses."""
from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time

import pytest

from controller.flight.missionlog import MissionLog
from controller.vehicle import System, VehicleError

from sim.faults import Fault

from .controller_support import POND, ROOT, pond, sim_for

RUN = [sys.executable, "-m", "controller.cli", "run", str(POND), "--patterns", "coverage", "--connect-timeout", "20"]


def wait_in_auto(out, proc, item=5, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db = out / "mission.db"
        track = MissionLog(db).track(1) if db.exists() else []
        if track and track[-1][4] == "AUTO" and (track[-1][5] or 0) >= item:
            return
        assert proc.poll() is None, proc.communicate()[0]
        time.sleep(0.02)
    raise AssertionError("never got under way")


@pytest.mark.parametrize("how", ["abort command", "ctrl-c"])
def test_operator_abort_brings_the_drone_home_and_lands(tmp_path, how):
    site = pond()
    with sim_for(site) as sim:
        proc = subprocess.Popen([*RUN, "--out", str(tmp_path), "--connect", sim.url()], cwd=ROOT,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            wait_in_auto(tmp_path, proc)
            if how == "ctrl-c":
                proc.send_signal(signal.SIGINT)
            else:
                r = subprocess.run([sys.executable, "-m", "controller.cli", "abort", "--out", str(tmp_path)],
                                   cwd=ROOT, capture_output=True, text=True, timeout=60)
                assert r.returncode == 0 and "abort requested" in r.stdout
            out, _ = proc.communicate(timeout=180)
        finally:
            if proc.poll() is None:
                proc.kill()
        copter = sim.runner.copter(1)
        assert not copter.armed
        assert abs(copter.est()[0] - copter.home_n) < 5 and abs(copter.est()[1] - copter.home_e) < 5
    assert proc.returncode == 1 and "patrol NOT completed" in out and "Traceback" not in out
    log = MissionLog(tmp_path / "mission.db")
    assert [r.status for r in log.sorties()] == ["aborted"]
    assert any(e[3] == "abort" for e in log.events())
    status = subprocess.run([sys.executable, "-m", "controller.cli", "status", "--out", str(tmp_path)], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert status.returncode == 0 and "sortie 1 drone 1: aborted" in status.stdout


def test_status_and_abort_without_a_run_are_one_line_errors(tmp_path):
    for cmd in ("status", "abort"):
        r = subprocess.run([sys.executable, "-m", "controller.cli", cmd, "--out", str(tmp_path)], cwd=ROOT,
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and "mission.db" in r.stderr


def test_a_mode_the_vehicle_refuses_is_a_clear_error():
    """GPS lost in flight: the EKF failsafe lands the drone and AUTO, which needs a position, is refused."""
    site = pond()
    with sim_for(site) as sim:
        system = System(sim.url(), "drone 1").connect()
        try:
            deadline = time.monotonic() + 30
            while not system.telemetry.snapshot().ekf_ok and time.monotonic() < deadline:
                time.sleep(0.05)
            system.action.set_mode("GUIDED")
            system.action.arm()
            system.action.takeoff(60)
            sim.runner.inject(Fault("gps_loss", {}))
            deadline = time.monotonic() + 30
            while system.telemetry.snapshot().mode != "LAND" and time.monotonic() < deadline:
                time.sleep(0.05)
            with pytest.raises(VehicleError, match=r"drone 1: stayed in LAND, would not change to AUTO "
                                                   r"\(.*Mode change failed: AUTO requires position"):
                system.action.set_mode("AUTO")
        finally:
            system.close()


def test_link_reconnects_by_itself_when_the_vehicle_comes_back(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sim_cmd = [sys.executable, "-m", "controller.cli", "sim", str(POND), "--speedup", "10", "--port", str(port),
               "--no-udp", "--quiet"]

    def start():
        p = subprocess.Popen(sim_cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for line in p.stdout:
            if line.startswith("running"):
                return p
        raise AssertionError("simulator did not start")

    events = []
    first = start()
    system = System(f"tcp:127.0.0.1:{port}", "drone 1", events=lambda k, d: events.append(k)).connect()
    second = None
    try:
        first.terminate()
        first.wait(20)
        deadline = time.monotonic() + 20
        while "link_lost" not in events and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "link_lost" in events
        second = start()
        deadline = time.monotonic() + 60
        while "reconnected" not in events and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "reconnected" in events, events
        t0 = system.telemetry.snapshot().boot_s
        time.sleep(1.0)
        assert system.telemetry.snapshot().boot_s > (t0 or 0)  # telemetry flows from the new vehicle
        assert system.link.reconnects >= 1
    finally:
        system.close()
        for p in (first, second):
            if p is not None and p.poll() is None:
                p.terminate()
                p.wait(20)
