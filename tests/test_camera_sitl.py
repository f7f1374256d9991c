"""End to end: the camera rides on a running SITL vehicle; its frames carry the same pose as the vehicle's
MAVLink telemetry (GLOBAL_POSITION_INT, ATTITUDE) at the same instant, read over sockets like a ground station."""
from __future__ import annotations

import json
import math
import time

import pytest
import zmq
from pymavlink import mavutil

from sim.camera.stream import CameraPayload, CameraService
from sim.testing import Gcs, running_sim
from sim.world import WORLDS_DIR
from sim.world.loader import load_world

from .camera_support import free_port, site

M = mavutil.mavlink
SPEEDUP = 5.0


def test_frames_from_a_flying_sitl_match_its_telemetry():
    s = site("jinji")
    world = load_world(WORLDS_DIR / "jinji.yaml", s)
    endpoint = f"tcp://127.0.0.1:{free_port()}"
    sub = zmq.Context.instance().socket(zmq.SUB)
    sub.setsockopt(zmq.SUBSCRIBE, b"frame/001")
    sub.connect(endpoint)
    frames, positions, attitudes = [], {}, {}
    with running_sim(s, speedup=SPEEDUP, boot_s=2.0, wait_for_gcs=True) as sim:
        svc = CameraService(s, world, endpoint, jpeg_quality=70, workers=2).acquire()   # render processes
        sim.runner.attach(1, CameraPayload(svc, 1, fps=1.0))     # closed by the runner when it stops
        g = Gcs(sim.url(), SPEEDUP)
        try:
            g.heartbeats(True)
            assert g.command(M.MAV_CMD_SET_MESSAGE_INTERVAL, 193, 1e6).result == 0   # EKF_STATUS_REPORT
            g.recv("EKF_STATUS_REPORT", timeout=30, condition=lambda m: m.flags == 0x33F)   # armable
            for msg_id in (33, 30):                               # GLOBAL_POSITION_INT, ATTITUDE at 50 Hz
                assert g.command(M.MAV_CMD_SET_MESSAGE_INTERVAL, msg_id, 20000).result == 0
            assert g.set_mode(4).result == 0                      # GUIDED
            assert g.command(M.MAV_CMD_COMPONENT_ARM_DISARM, 1).result == 0
            assert g.command(M.MAV_CMD_NAV_TAKEOFF, 0, 0, 0, 0, 0, 0, 12).result == 0
            deadline = time.monotonic() + 90
            while len(frames) < 4 and time.monotonic() < deadline:
                m = g.recv(["GLOBAL_POSITION_INT", "ATTITUDE"], timeout=10)
                (positions if m.get_type() == "GLOBAL_POSITION_INT" else attitudes)[m.time_boot_ms] = m
                while True:
                    try:
                        parts = sub.recv_multipart(zmq.NOBLOCK)
                    except zmq.Again:
                        break
                    frames.append(json.loads(parts[1]))
            # the telemetry of the last frames' instants may still be on its way
            end = time.monotonic() + 5
            while time.monotonic() < end and max(positions) < 1000 * frames[-1]["time_s"] + 40:
                m = g.recv(["GLOBAL_POSITION_INT", "ATTITUDE"], timeout=10)
                (positions if m.get_type() == "GLOBAL_POSITION_INT" else attitudes)[m.time_boot_ms] = m
        finally:
            g.close()
    sub.close(0)
    assert len(frames) >= 4, f"{len(frames)} frames"
    assert [f["seq"] for f in frames] == list(range(len(frames)))
    assert all(f["alt_home_m"] >= 1.0 for f in frames), "no frames on the dock"
    for f in frames:
        ms = f["time_s"] * 1000.0
        t_pos = min(positions, key=lambda k: abs(k - ms))
        t_att = min(attitudes, key=lambda k: abs(k - ms))
        assert abs(t_pos - ms) <= 1.0 and abs(t_att - ms) <= 1.0, "telemetry of the same physics step"
        p, a = positions[t_pos], attitudes[t_att]
        assert f["lat"] == pytest.approx(p.lat / 1e7, abs=2e-7)
        assert f["lon"] == pytest.approx(p.lon / 1e7, abs=2e-7)
        assert f["alt_home_m"] == pytest.approx(p.relative_alt / 1000.0, abs=2e-3)
        assert f["alt_water_m"] == pytest.approx(p.relative_alt / 1000.0 - s.info.water_level_m, abs=2e-3)
        assert f["roll_deg"] == pytest.approx(math.degrees(a.roll), abs=1e-3)
        assert f["pitch_deg"] == pytest.approx(math.degrees(a.pitch), abs=1e-3)
        assert f["yaw_deg"] == pytest.approx(math.degrees(a.yaw) % 360.0, abs=1e-3)
        assert f["vn_mps"] == pytest.approx(p.vx / 100.0, abs=0.011) and f["vd_mps"] == pytest.approx(p.vz / 100.0, abs=0.011)
