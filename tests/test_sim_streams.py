"""Telemetry rates follow REQUEST_DATA_STREAM and SET_MESSAGE_INTERVAL in simulated time."""
import collections

import pytest
from pymavlink import mavutil

from missions.site import load_site
from sim.testing import Gcs, connected_gcs, running_sim, wait_sim_time

SITE = load_site("missions/examples/jinji.yaml")
SPEEDUP = 40


@pytest.fixture
def gcs():
    with running_sim(SITE, speedup=SPEEDUP, boot_s=2.0) as sim:
        wait_sim_time(sim, 3.0)
        with connected_gcs(sim, SPEEDUP) as g:
            yield g


def rates(g, seconds, clock_msg="SYSTEM_TIME"):
    """Messages per simulated second over a window timed by a message carrying time_boot_ms."""
    counts = collections.Counter()
    start = end = None
    while end is None or end - start < seconds:
        m = g.recv(timeout=10)
        kind = m.get_type()
        if kind == clock_msg:
            start = m.time_boot_ms / 1000.0 if start is None else start
            end = m.time_boot_ms / 1000.0
        if start is not None:
            counts[kind] += 1
    return {k: v / (end - start) for k, v in counts.items()}


def test_request_data_stream_all_sets_every_group(gcs):
    gcs.request_streams(4)
    gcs.recv("SYSTEM_TIME")
    r = rates(gcs, 20.0)
    for kind in ("ATTITUDE", "GLOBAL_POSITION_INT", "VFR_HUD", "SYS_STATUS", "GPS_RAW_INT", "BATTERY_STATUS",
                 "EKF_STATUS_REPORT", "MISSION_CURRENT", "RC_CHANNELS", "SERVO_OUTPUT_RAW", "LOCAL_POSITION_NED"):
        assert r[kind] == pytest.approx(4.0, abs=0.4), kind
    assert r["HEARTBEAT"] == pytest.approx(1.0, abs=0.15)


def test_set_message_interval_overrides_and_disables_and_heartbeat_stays(gcs):
    gcs.request_streams(2)
    assert gcs.command(511, 30, 50000).result == 0                  # ATTITUDE at 20 Hz
    assert gcs.command(511, 74, -1).result == 0                     # VFR_HUD off
    gcs.command(510, 30)
    assert gcs.recv("MESSAGE_INTERVAL").interval_us == 50000
    gcs.recv("SYSTEM_TIME")
    r = rates(gcs, 10.0)
    assert r["ATTITUDE"] == pytest.approx(20.0, rel=0.1)
    assert r["GLOBAL_POSITION_INT"] == pytest.approx(2.0, abs=0.3)
    assert "VFR_HUD" not in r
    gcs.send("request_data_stream_send", 1, 1, 0, 0, 0)                # stop all streams
    assert gcs.command(511, 2, 1e6).result == 0                      # keep a clock
    gcs.drain()
    gcs.recv("SYSTEM_TIME")
    r = rates(gcs, 5.0)
    assert "GLOBAL_POSITION_INT" not in r
    assert r["HEARTBEAT"] == pytest.approx(1.0, abs=0.25)


def test_unknown_message_ids_and_requests(gcs):
    ack = gcs.command(511, 330, 1e5)                                   # OBSTACLE_DISTANCE: no ap_message
    assert ack.result == mavutil.mavlink.MAV_RESULT_DENIED
    gcs.text("No ap_message for mavlink id (330)")
    assert gcs.command(512, 148).result == 0                          # REQUEST_MESSAGE AUTOPILOT_VERSION
    assert gcs.recv("AUTOPILOT_VERSION").flight_sw_version >> 24 == 4
    assert gcs.command(512, 242).result == 0
    assert gcs.recv("HOME_POSITION").latitude != 0
    assert gcs.command(512, 9999).result == mavutil.mavlink.MAV_RESULT_FAILED
    assert gcs.command(31000).result == mavutil.mavlink.MAV_RESULT_UNSUPPORTED


def test_sim_speedup_parameter_changes_the_clock():
    with running_sim(SITE, speedup=10, boot_s=2.0) as sim:
        g = Gcs(sim.url(), 10)
        try:
            g.heartbeats(True)
            g.recv("HEARTBEAT")
            assert g.set_param("SIM_SPEEDUP", 0).param_value == 0       # as fast as possible
            wait_sim_time(sim, 200.0, timeout=20)
            assert sim.runner.clock.speedup == 0
            assert g.set_param("SIM_SPEEDUP", 5).param_value == 5
            assert sim.runner.clock.speedup == 5
        finally:
            g.close()
