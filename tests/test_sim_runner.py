"""Several vehicles on one clock, payloads told the pose every step, and the camera's CLI hook."""
import argparse
import sys
import types

import pytest

from missions.site import load_site
from sim import cli as sim_cli
from sim.runner import RunConfig, SimRunner
from sim.testing import Gcs, running_sim, wait_sim_time
from sim.vehicle.boot import BootTimeline

SITE_PATH = "missions/examples/jinji.yaml"
SITE = load_site(SITE_PATH)


class Recorder:
    def __init__(self):
        self.poses = []
        self.closed = False

    def on_pose(self, pose):
        self.poses.append(pose)

    def close(self):
        self.closed = True


def test_each_vehicle_has_its_own_sysid_ports_and_state():
    with running_sim(SITE, speedup=50, boot_s=3.0, vehicles=3) as sim:
        eps = sim.endpoints
        assert [e.sysid for e in eps] == [1, 2, 3]
        assert len({e.tcp_port for e in eps}) == 3
        wait_sim_time(sim, 4.0)
        g = Gcs(eps[1].tcp, 50)
        try:
            assert g.recv("HEARTBEAT").get_srcSystem() == 2
            g.send("command_long_send", 1, 1, 176, 0, 1, 4, 0, 0, 0, 0, 0)         # for vehicle 1: not answered here
            with pytest.raises(AssertionError):
                g.recv("COMMAND_ACK", timeout=0.5)
            g.send("command_long_send", 2, 1, 176, 0, 1, 4, 0, 0, 0, 0, 0)
            assert g.recv("COMMAND_ACK").result == 0
            g.send("command_long_send", 2, 1, 400, 0, 1, 0, 0, 0, 0, 0, 0)
            assert g.recv("COMMAND_ACK").result == 0
        finally:
            g.close()
        c1, c2, c3 = (sim.runner.copter(i) for i in (1, 2, 3))
        assert c2.armed and not c1.armed and not c3.armed
        assert c2.params["MAV_SYSID"] == 2


def test_payloads_get_a_pose_each_step_with_water_height_and_are_closed():
    runner = SimRunner(SITE, RunConfig(speedup=0, base_port=0, udp=False, boot=BootTimeline(2.0)))
    rec = Recorder()
    runner.attach(1, rec)
    c = runner.copter(1)
    for _ in range(200):
        runner.step()
    assert c.set_mode(4) and c.arm() and c.user_takeoff(12.0, True)
    for _ in range(600):
        runner.step()
    runner.close()
    assert len(rec.poses) == 800 and rec.closed
    times = [p.time_s for p in rec.poses]
    assert times == sorted(times) and times[0] == pytest.approx(0.02)
    last = rec.poses[-1]
    assert last.vehicle == 1 and last.armed
    assert last.alt_home_m == pytest.approx(12.0, abs=0.3)
    assert last.alt_water_m == pytest.approx(last.alt_home_m - SITE.info.water_level_m)   # water 1.5 m below
    assert last.lat == pytest.approx(SITE.info.home[0], abs=1e-4)


def test_the_camera_hook_adds_options_and_payloads_per_vehicle(monkeypatch):
    calls = []
    fake = types.ModuleType("sim.camera.cli_options")
    fake.add_arguments = lambda parser: parser.add_argument("--fake-camera", action="store_true")
    fake.payloads = lambda args, site, sysid: calls.append((args.fake_camera, sysid)) or [Recorder()]
    monkeypatch.setitem(sys.modules, "sim.camera.cli_options", fake)
    parser = argparse.ArgumentParser()
    sim_cli.register(parser.add_subparsers())
    args = parser.parse_args(["sim", SITE_PATH, "--fake-camera", "--vehicles", "2", "--port", "0", "--speedup", "0",
                              "--duration", "1", "--quiet", "--no-udp"])
    assert args.run(args) == 0
    assert calls == [(True, 1), (True, 2)]
