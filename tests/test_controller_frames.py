"""Frames reach the pipeline hook with their pose: from the SITL's ZeroMQ stream, and from any OpenCV video."""
from __future__ import annotations

import json
import math
import socket
import subprocess
import sys
import time

import cv2
import numpy as np
import pytest
import zmq
from shapely.geometry import LineString, Point

from controller.flight.drone import Settings
from controller.flight.patrol import Patrol
from controller.frames import FrameError, PoseHistory
from controller.frames.video_source import VideoFrameSource
from controller.frames.zmq_source import ZmqFrameSource
from missions.planner import plan_patrol

from .controller_support import POND, ROOT, pond

WORLD = ROOT / "tests" / "data" / "pond.world.yaml"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_sitl_frames_reach_the_hook_with_the_drones_pose(tmp_path):
    site = pond()
    mav, frames_port = free_port(), free_port()
    sim = subprocess.Popen([sys.executable, "-m", "controller.cli", "sim", str(POND), "--speedup", "20", "--boot-s", "20",
                            "--port", str(mav), "--no-udp", "--quiet", "--world", str(WORLD),
                            "--frames", f"tcp://127.0.0.1:{frames_port}", "--fps", "0.25"],
                           cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    got = []
    try:
        for line in sim.stdout:  # wait until it listens
            if line.startswith("running"):
                break
        else:
            raise AssertionError("the simulator did not start")
        plan = plan_patrol(site, patterns=["coverage"])
        patrol = Patrol(site, plan, [f"tcp:127.0.0.1:{mav}"], tmp_path, Settings(),
                        frames=f"tcp://127.0.0.1:{frames_port}", frame_hooks=[got.append])
        outcome = patrol.run()
    finally:
        sim.terminate()
        sim.wait(20)
    assert outcome.completed, outcome
    assert len(got) >= 20
    route = LineString([site.frame.to_xy(lat, lon) for s in plan.sorties for leg in s.legs for lat, lon in leg.coords])
    times = [f.pose.time_s for f in got]
    assert times == sorted(times)
    airborne = [f for f in got if f.pose.alt_home_m > 45]
    assert len(airborne) >= 15
    for f in airborne:
        assert f.image().shape == (1080, 1920, 3)
        assert route.distance(Point(site.frame.to_xy(f.pose.lat, f.pose.lon))) < 40
        assert f.camera.fx == pytest.approx(960 / math.tan(math.radians(41)), rel=1e-3)
    run = json.loads((tmp_path / "run.json").read_text())
    assert run["frames"]["received"] == len(got) and run["frames"]["rejected"] == 0


def meta(**over):
    m = {"schema": "waterpatrol.frame/1", "vehicle": 1, "seq": 0, "time_s": 10.0, "lat": 31.31, "lon": 120.68,
         "alt_home_m": 50.0, "alt_water_m": 50.0, "roll_deg": 0, "pitch_deg": 0, "yaw_deg": 0,
         "camera": {"width": 64, "height": 48, "fx": 40.0, "fy": 40.0, "cx": 32.0, "cy": 24.0}}
    m.update(over)
    return json.dumps(m).encode()


def test_malformed_frame_messages_are_counted_and_dropped():
    ctx = zmq.Context.instance()
    pub = ctx.socket(zmq.PUB)
    port = pub.bind_to_random_port("tcp://127.0.0.1")
    src = ZmqFrameSource(f"tcp://127.0.0.1:{port}")
    time.sleep(0.3)  # the subscription reaches the publisher
    jpeg = cv2.imencode(".jpg", np.full((48, 64, 3), 90, np.uint8))[1].tobytes()
    bad = [[b"frame/001", meta()],                                    # two parts
           [b"frame/001", b"{not json", jpeg],
           [b"frame/001", meta(schema="waterpatrol.frame/2"), jpeg],
           [b"frame/001", meta(lat=float("nan")), jpeg],
           [b"frame/002", meta(), jpeg],                              # topic names another vehicle
           [b"frame/001", meta(camera={"width": 64}), jpeg]]
    for parts in bad:
        pub.send_multipart(parts)
    pub.send_multipart([b"frame/001", meta(seq=1), jpeg[: len(jpeg) // 3]])   # truncated JPEG
    pub.send_multipart([b"frame/001", meta(seq=2), jpeg])
    try:
        first = src.next(3.0)
        second = src.next(3.0)
    finally:
        src.close()
        pub.close(0)
    assert src.stats["rejected"] == len(bad)
    assert "camera" in src.stats["last_rejection"] or "missing" in src.stats["last_rejection"]
    with pytest.raises(FrameError, match=r"vehicle 1 frame 1: the JPEG \(\d+ bytes\) does not decode"):
        first.image()
    assert second.seq == 2 and second.image().shape == (48, 64, 3)


def test_video_frames_are_posed_from_telemetry(tmp_path):
    path = str(tmp_path / "clip.avi")
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*"MJPG"), 5.0, (320, 240))
    for k in range(10):
        writer.write(np.full((240, 320, 3), 20 * k, np.uint8))
    writer.release()
    history = PoseHistory(water_level_m=-1.5)
    for k in range(31):  # 3 s of telemetry at 10 Hz: flying north at 10 m/s, yaw turning through north
        t = 100.0 + k / 10
        history.attitude(0.0, -5.0, (350.0 + 10 * (t - 100.0)) % 360)
        history.add(t, 31.31 + (t - 100.0) * 10 / 111_000, 120.68, 50.0)
    src = VideoFrameSource(path, history, hfov_deg=82.0, start_boot_s=100.0)
    frames = [src.next(1.0) for _ in range(10)]
    src.close()
    assert [f.seq for f in frames] == list(range(10))
    for k, f in enumerate(frames):
        t = 100.0 + k / 5
        assert f.pose.time_s == pytest.approx(t, abs=1e-3)
        assert f.pose.lat == pytest.approx(31.31 + (t - 100.0) * 10 / 111_000, abs=1e-7)
        assert f.pose.alt_water_m == pytest.approx(51.5)
        assert abs((f.pose.yaw_deg - (350.0 + 10 * (t - 100.0))) % 360) < 0.2 or \
            abs((f.pose.yaw_deg - (350.0 + 10 * (t - 100.0))) % 360 - 360) < 0.2
        assert f.camera.width == 320 and f.image().shape == (240, 320, 3)
