"""`waterpatrol sim`: endpoints printed, several vehicles, Ctrl-C exits cleanly, user errors in one line."""
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from pymavlink import mavutil

from controller.cli import main
from controller.demo.run import free_ports

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "missions/examples/jinji.yaml"
CLI = [sys.executable, "-m", "controller.cli", "sim"]


def test_help_documents_the_fault_options(capsys):
    with pytest.raises(SystemExit) as done:
        main(["sim", "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    for word in ("--faults", "--speedup", "--vehicles", "--seed", "gps_loss", "gps_glitch", "battery_sag",
                 "link_outage", "packet_loss", "SIM_WIND_SPD", "SIM_GPS1_ENABLE", "5760"):
        assert word in out, word


def test_sim_prints_endpoints_serves_each_vehicle_and_stops_on_ctrl_c():
    base = free_ports(2, stride=10)
    proc = subprocess.Popen(CLI + [str(SITE), "--vehicles", "2", "--port", str(base), "--speedup", "10", "--quiet",
                                   "--boot-s", "3"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, PYTHONUNBUFFERED="1"))
    try:
        lines = [proc.stdout.readline() for _ in range(4)]
        assert f"vehicle 1: tcp:127.0.0.1:{base}  udpout:127.0.0.1:{base}" in lines[1]
        assert f"vehicle 2: tcp:127.0.0.1:{base + 10}" in lines[2]
        for sysid, url in ((1, f"tcp:127.0.0.1:{base}"), (2, f"udpout:127.0.0.1:{base + 10}")):
            conn = mavutil.mavlink_connection(url, source_system=255)
            try:
                conn.mav.heartbeat_send(6, 8, 0, 0, 0)
                hb = conn.recv_match(type="HEARTBEAT", blocking=True, timeout=10)
                assert hb is not None and hb.get_srcSystem() == sysid and hb.type == 2
            finally:
                conn.close()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "stopped after" in out and "Traceback" not in err


@pytest.mark.parametrize("args,message", [
    (["--faults", "missing.yaml"], "cannot read"),
    (["--speedup", "-2"], "--speedup"),
    (["--vehicles", "0"], "--vehicles"),
    (["--param", "NO_SUCH=1"], "no such parameter"),
    (["--param", "FS_GCS_ENABLE"], "NAME=VALUE"),
])
def test_user_errors_are_one_line_and_exit_2(args, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["sim", str(SITE), "--port", "0", "--duration", "1"] + args) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_a_bad_fault_file_names_the_event_and_exits_2_from_the_shell(tmp_path):
    f = tmp_path / "f.yaml"
    f.write_text("faults:\n  - {at: 10, fault: gps_loss}\n  - {at: 20, fault: wind, speedmps: 5}\n")
    res = subprocess.run(CLI + [str(SITE), "--port", "0", "--faults", str(f)], capture_output=True, text=True,
                         cwd=ROOT, timeout=60)
    assert res.returncode == 2 and "fault 2" in res.stderr and "speedmps" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


def test_duration_runs_faults_and_returns(tmp_path, capsys):
    f = tmp_path / "f.json"
    f.write_text('{"faults": [{"at": 1, "fault": "wind", "speed_mps": 6}]}')
    assert main(["sim", str(SITE), "--port", "0", "--speedup", "0", "--duration", "30", "--faults", str(f),
                 "--no-udp", "--quiet"]) == 0
    assert "stopped after 30.0 simulated seconds" in capsys.readouterr().out
