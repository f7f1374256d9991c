"""Each failsafe fires when its fault is injected, with ArduCopter's messages and actions."""
import math

import pytest
from pymavlink import mavutil

from missions.site import load_site
from sim.faults import Fault
from sim.testing import Gcs, connected_gcs, running_sim, wait_sim_time

SITE = load_site("missions/examples/jinji.yaml")
SPEEDUP = 100
LAT, LON = SITE.info.home
M = mavutil.mavlink
RTL, LAND, AUTO, GUIDED = 6, 9, 3, 4


@pytest.fixture
def sim():
    with running_sim(SITE, speedup=SPEEDUP, boot_s=5.0) as s:
        yield s


@pytest.fixture
def gcs(sim):
    with connected_gcs(sim, SPEEDUP) as g:
        assert g.command(511, 193, 1e6).result == 0
        g.recv("EKF_STATUS_REPORT", timeout=10, condition=lambda m: m.flags == 0x33F)
        yield g


def take_off(g, alt=20):
    assert g.set_mode(GUIDED).result == 0
    assert g.command(400, 1).result == 0
    assert g.command(22, 0, 0, 0, 0, 0, 0, alt).result == 0
    assert g.command(511, 33, 5e5).result == 0
    g.recv("GLOBAL_POSITION_INT", timeout=20, condition=lambda m: m.relative_alt > (alt - 0.5) * 1000)


def mode_becomes(g, mode, timeout=20):
    return g.recv("HEARTBEAT", timeout, lambda m: m.custom_mode == mode)


def long_mission(g):
    items = [(0, 16, 0, 0, 0, 0), (1, 22, 0, 0, 20, 3)] + [
        (i, 16, LAT + 0.004 * (i - 1), LON + 0.004 * (i % 2), 30, 3) for i in range(2, 8)] + [(8, 20, 0, 0, 0, 3)]
    g.send("mission_count_send", 1, 1, len(items), 0)
    while True:
        m = g.recv(["MISSION_REQUEST", "MISSION_ACK"])
        if m.get_type() == "MISSION_ACK":
            if m.type == M.MAV_MISSION_INVALID_SEQUENCE:   # an answer to a re-sent request, crossed
                continue
            assert m.type == 0
            return
        seq, cmd, lat, lon, alt, frame = items[m.seq]
        g.send("mission_item_int_send", 1, 1, seq, frame, cmd, 0, 1, 0, 0, 0, 0, int(lat * 1e7), int(lon * 1e7), alt, 0)


def test_gcs_failsafe_watches_only_mygcs_heartbeats_switches_auto_to_rtl_and_stays(sim, gcs):
    assert gcs.set_param("FS_GCS_ENABLE", 1).param_value == 1
    long_mission(gcs)
    assert gcs.set_mode(GUIDED).result == 0 and gcs.command(400, 1).result == 0
    assert gcs.command(300, 0, 0).result == 0
    gcs.recv("MISSION_ITEM_REACHED", timeout=20, condition=lambda m: m.seq == 2)
    bystander = Gcs(sim.url(), SPEEDUP, sysid=200)                  # another GCS keeps beating: does not count
    bystander.heartbeats(True)
    try:
        gcs.heartbeats(False)
        t_stop = sim.runner.sim_time
        mode_becomes(gcs, RTL)
        delay = sim.runner.sim_time - t_stop
        assert 4.0 <= delay <= 7.0
        gcs.text("GCS Failsafe")
        gcs.heartbeats(True)
        gcs.text("GCS Failsafe Cleared", timeout=10)
        wait_sim_time(sim, sim.runner.sim_time + 10.0)
        assert sim.runner.copter(1).mode.number == RTL              # stays in RTL when heartbeats resume
    finally:
        bystander.close()


def test_gcs_failsafe_off_by_default(sim, gcs):
    take_off(gcs)
    gcs.heartbeats(False)
    wait_sim_time(sim, sim.runner.sim_time + 12.0)
    assert sim.runner.copter(1).mode.number == GUIDED


def test_battery_low_then_critical_voltage_rtl_then_land(sim, gcs):
    for name, value in (("BATT_LOW_VOLT", 11.4), ("BATT_CRT_VOLT", 10.4), ("BATT_FS_LOW_ACT", 2),
                        ("BATT_FS_CRT_ACT", 1)):
        gcs.set_param(name, value)
    take_off(gcs)
    c = sim.runner.copter(1)
    assert c.battery.voltage > 11.4
    gcs.set_param("SIM_BATT_SAG", 1.2)                              # runtime fault, as a GCS would inject it
    t0 = sim.runner.sim_time
    mode_becomes(gcs, RTL)
    assert sim.runner.sim_time - t0 >= 10.0                        # BATT_LOW_TIMER
    low = gcs.text("Battery 1 is low")
    assert "V used" in low and "mAh" in low
    gcs.text("Battery Failsafe")
    sim.runner.inject(Fault("battery_sag", {"volts": 2.2}))
    mode_becomes(gcs, LAND, timeout=30)
    gcs.text("Battery 1 is critical")
    gcs.recv("HEARTBEAT", timeout=60, condition=lambda m: not m.base_mode & 128)
    assert gcs.command(511, 1, 1e6).result == 0
    sys_status = gcs.recv("SYS_STATUS")
    assert not sys_status.onboard_control_sensors_health & M.MAV_SYS_STATUS_SENSOR_BATTERY


def test_battery_capacity_failsafe_when_landed_disarms(sim, gcs):
    gcs.set_param("BATT_LOW_MAH", 1000)
    gcs.set_param("BATT_FS_LOW_ACT", 2)
    assert gcs.set_mode(GUIDED).result == 0 and gcs.command(400, 1).result == 0
    sim.runner.inject(Fault("battery_level", {"percent": 20}))
    gcs.recv("HEARTBEAT", timeout=10, condition=lambda m: not m.base_mode & 128)
    gcs.text("Battery Failsafe - Disarming")


def test_fence_refuses_guided_targets_outside_and_a_breach_returns_home(sim, gcs):
    gcs.set_param("FENCE_RADIUS", 150)
    gcs.set_param("FENCE_ENABLE", 1)
    take_off(gcs)
    c = sim.runner.copter(1)
    start = c.est()
    far = (LAT + 400 / 111319.5, LON)
    gcs.send("set_position_target_global_int_send", 0, 1, 1, 6, 0xFF8, int(far[0] * 1e7), int(far[1] * 1e7), 20,
             0, 0, 0, 0, 0, 0, 0, 0)
    wait_sim_time(sim, sim.runner.sim_time + 15.0)
    assert math.dist(c.est()[:2], start[:2]) < 3.0                  # silently ignored
    near = (LAT + 80 / 111319.5, LON)
    gcs.send("set_position_target_global_int_send", 0, 1, 1, 6, 0xFF8, int(near[0] * 1e7), int(near[1] * 1e7), 20,
             0, 0, 0, 0, 0, 0, 0, 0)
    wait_sim_time(sim, sim.runner.sim_time + 20.0)
    assert c.est()[0] == pytest.approx(start[0] + 80, abs=3.0)
    assert gcs.command(192, -1, 1, 0, 0, far[0], far[1], 20).result == M.MAV_RESULT_FAILED   # DO_REPOSITION too
    gcs.set_param("FENCE_ENABLE", 0)
    gcs.send("set_position_target_global_int_send", 0, 1, 1, 6, 0xFF8, int(far[0] * 1e7), int(far[1] * 1e7), 20,
             0, 0, 0, 0, 0, 0, 0, 0)
    wait_sim_time(sim, sim.runner.sim_time + 3.0)
    gcs.set_param("FENCE_ENABLE", 1)                                 # flying out with the fence back on
    mode_becomes(gcs, RTL, timeout=30)
    gcs.text("Circle fence breached")
    gcs.recv("HEARTBEAT", timeout=60, condition=lambda m: not m.base_mode & 128)
    assert math.hypot(c.est()[0] - c.home_n, c.est()[1] - c.home_e) < 3.0


def test_gps_loss_makes_the_ekf_fail_and_the_copter_land(sim, gcs):
    take_off(gcs)
    gcs.set_param("SIM_GPS1_ENABLE", 0)
    mode_becomes(gcs, LAND, timeout=30)
    gcs.text("EKF3 IMU0 stopped aiding")
    gcs.text("EKF variance")
    assert gcs.command(511, 24, 1e6).result == 0
    gps = gcs.recv("GPS_RAW_INT")
    assert gps.fix_type <= 1
    assert gcs.recv("EKF_STATUS_REPORT").flags == 0xA7
    gcs.set_param("SIM_GPS1_ENABLE", 1)
    gcs.text("EKF3 IMU0 is using GPS", timeout=10)
    gcs.recv("HEARTBEAT", timeout=60, condition=lambda m: not m.base_mode & 128)


def test_gps_glitch_is_reported_then_followed_and_cleared(sim, gcs):
    take_off(gcs)
    c = sim.runner.copter(1)
    sim.runner.inject(Fault("gps_glitch", {"north_m": 60.0, "east_m": 0.0, "up_m": 0.0}, duration_s=30.0))
    gcs.text("GPS Glitch or Compass error", timeout=10)
    wait_sim_time(sim, sim.runner.sim_time + 25.0)
    assert c.af.n < c.est()[0] - 40                                 # the EKF reset onto the glitch: truth is off
    gcs.text("Glitch cleared", timeout=30)
    assert c.mode.number == GUIDED
