"""Over TCP: the vehicle identifies as ArduCopter and boots on ArduCopter 4.7 SITL's timeline."""
import pytest
from pymavlink import mavutil

from missions.site import load_site
from sim.testing import Gcs, running_sim

SITE = load_site("missions/examples/jinji.yaml")
SPEEDUP = 100
PREARM = mavutil.mavlink.MAV_SYS_STATUS_PREARM_CHECK


@pytest.fixture
def gcs():
    with running_sim(SITE, speedup=SPEEDUP, wait_for_gcs=True) as sim:
        g = Gcs(sim.url(), SPEEDUP)
        g.heartbeats(True)
        try:
            yield g
        finally:
            g.close()


def test_boot_timeline_heartbeat_ekf_gps_and_arming(gcs):
    hb = gcs.recv("HEARTBEAT")
    assert (hb.type, hb.autopilot, hb.custom_mode) == (2, 3, 0)          # quadrotor, ArduPilotMega, STABILIZE
    assert hb.base_mode & mavutil.mavlink.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED
    assert not hb.base_mode & mavutil.mavlink.MAV_MODE_FLAG_SAFETY_ARMED
    for msgid, hz in ((30, 10), (1, 10), (193, 10), (24, 5)):           # ATTITUDE, SYS_STATUS, EKF, GPS_RAW_INT
        assert gcs.command(511, msgid, 1e6 / hz).result == 0
    clock = [0]
    events = {}
    armed_early = None
    while "ready" not in events or "prearm" not in events:
        m = gcs.recv(timeout=10)
        kind = m.get_type()
        if kind == "ATTITUDE":
            clock[0] = m.time_boot_ms / 1000.0
            if armed_early is None and clock[0] >= 33.0:
                armed_early = gcs.set_mode(4).result, gcs.command(400, 1).result
        elif kind == "STATUSTEXT":
            events.setdefault(m.text, clock[0])
        elif kind == "GPS_RAW_INT" and m.fix_type == 6:
            events.setdefault("fix", (clock[0], m.satellites_visible))
        elif kind == "SYS_STATUS" and m.onboard_control_sensors_health & PREARM:
            events.setdefault("prearm", clock[0])
        elif kind == "EKF_STATUS_REPORT":
            events.setdefault(f"ekf {m.flags:#x}", clock[0])
            if m.flags == 0x33F:
                events.setdefault("ready", clock[0])
    assert events["GPS 1: detected u-blox"] == pytest.approx(10, abs=1)
    assert events["fix"][0] == pytest.approx(10, abs=1) and events["fix"][1] == 10
    assert events["EKF3 IMU0 origin set"] == pytest.approx(20, abs=1)
    assert events["prearm"] == pytest.approx(30, abs=1)
    assert events["EKF3 IMU0 is using GPS"] == pytest.approx(41, abs=1)
    assert events["ekf 0xa7"] < 10 and events["ready"] == pytest.approx(41, abs=1)
    assert armed_early == (0, 4)                                          # mode ACCEPTED, arm FAILED
    assert any(t.startswith("Arm: ") for t in gcs.texts)
    assert gcs.command(400, 1).result == 0
    hb = gcs.recv("HEARTBEAT", condition=lambda m: m.base_mode & 128)
    assert hb.custom_mode == 4
    assert gcs.command(410).result == 0                                   # GET_HOME_POSITION
    home = gcs.recv("HOME_POSITION")
    assert home.latitude / 1e7 == pytest.approx(SITE.info.home[0], abs=2e-5)
    assert home.longitude / 1e7 == pytest.approx(SITE.info.home[1], abs=2e-5)


def test_dronekit_style_capabilities_and_banner(gcs):
    ack = gcs.command(520, 1)
    assert ack.result == 0
    ver = gcs.recv("AUTOPILOT_VERSION")
    assert ver.capabilities & mavutil.mavlink.MAV_PROTOCOL_CAPABILITY_MAVLINK2
    assert ver.capabilities & mavutil.mavlink.MAV_PROTOCOL_CAPABILITY_MISSION_INT
    assert ver.flight_sw_version >> 16 == 0x0407
    gcs.send("param_request_list_send", 1, 1)
    assert gcs.text("ArduCopter V4.7.0-dev").startswith("ArduCopter")
    first = gcs.recv("PARAM_VALUE")
    assert first.param_index == 0 and first.param_count > 600
