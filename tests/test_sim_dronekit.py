"""dronekit (dronekit2) as a client: connect with wait_ready, arm, take off, upload commands, AUTO, RTL."""
import time

import dronekit
import pytest
from pymavlink import mavutil

from missions.site import load_site
from sim.testing import running_sim

SITE = load_site("missions/examples/jinji.yaml")
SPEEDUP = 40
WAIT = 30.0


def wait(cond, what, timeout=WAIT):
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def test_dronekit_flies_a_mission_and_comes_home():
    with running_sim(SITE, speedup=SPEEDUP, boot_s=41.0) as sim:
        vehicle = dronekit.connect(sim.url(), wait_ready=True, timeout=60, heartbeat_timeout=30)
        try:
            assert vehicle.mode.name == "STABILIZE"
            assert len(vehicle.parameters) > 600 and vehicle.parameters["WPNAV_SPEED"] == 1000
            wait(lambda: vehicle.is_armable, "armable")
            assert vehicle.gps_0.fix_type == 6 and vehicle.gps_0.satellites_visible == 10
            vehicle.mode = dronekit.VehicleMode("GUIDED")
            wait(lambda: vehicle.mode.name == "GUIDED", "GUIDED")
            vehicle.armed = True
            wait(lambda: vehicle.armed, "armed")
            vehicle.simple_takeoff(15)
            wait(lambda: vehicle.location.global_relative_frame.alt > 14.5, "takeoff")
            cmds = vehicle.commands
            cmds.download()
            cmds.wait_ready()
            assert vehicle.home_location.lat == pytest.approx(SITE.info.home[0], abs=1e-4)
            cmds.clear()
            here = vehicle.location.global_frame
            frame, wp = mavutil.mavlink.MAV_FRAME_GLOBAL_RELATIVE_ALT, mavutil.mavlink.MAV_CMD_NAV_WAYPOINT
            cmds.add(dronekit.Command(0, 0, 0, frame, wp, 0, 0, 0, 0, 0, 0, here.lat + 0.0008, here.lon, 25))
            cmds.add(dronekit.Command(0, 0, 0, frame, wp, 0, 0, 0, 0, 0, 0, here.lat + 0.0008, here.lon + 0.0008, 25))
            cmds.upload(timeout=30)
            vehicle.commands.download()
            vehicle.commands.wait_ready()
            assert vehicle.commands.count == 2
            vehicle.mode = dronekit.VehicleMode("AUTO")
            wait(lambda: vehicle.commands.next >= 2, "second waypoint", timeout=60)
            vehicle.mode = dronekit.VehicleMode("RTL")
            wait(lambda: not vehicle.armed, "landed and disarmed", timeout=90)
            c = sim.runner.copter(1)
            assert abs(c.est()[0] - c.home_n) < 3 and abs(c.est()[1] - c.home_e) < 3
        finally:
            vehicle.close()
