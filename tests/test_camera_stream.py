"""The frame stream: a camera payload fed poses along a planned route publishes JPEG frames over ZeroMQ
with the pose of their instant, per vehicle, without losing frames when the simulator runs ahead."""
from __future__ import annotations

import argparse
import json
import time

import cv2
import numpy as np
import pytest
import zmq

from missions.errors import UserError
from sim.camera import cli_options
from sim.camera.stream import CameraPayload, CameraService, topic
from sim.pose import Pose
from sim.world import WORLDS_DIR
from sim.world.loader import load_world

from .camera_support import free_port, site


def route_poses(s, vehicle: int, seconds: float, rate_hz: float = 20.0, alt_home: float = 80.0):
    """Poses along the first legs of the site's planned patrol at 10 m/s, as a SITL would step them."""
    from missions.planner import plan_patrol
    from sim.world.geometry import site_frame
    plan = plan_patrol(s)
    wps = [(it.lat, it.lon) for it in plan.sorties[0].items if getattr(it, "lat", 0) and getattr(it, "lon", 0)]
    frame = site_frame(s)
    xy = frame.xy_array(np.array(wps[:6]))
    seg = np.hypot(*np.diff(xy, axis=0).T)
    cum = np.concatenate([[0.0], np.cumsum(seg)])
    out = []
    for k in range(int(seconds * rate_hz) + 1):
        t = k / rate_hz
        d = min(10.0 * t, cum[-1])
        i = min(int(np.searchsorted(cum, d, side="right")) - 1, len(seg) - 1)
        p = xy[i] + (xy[i + 1] - xy[i]) * (d - cum[i]) / max(seg[i], 1e-9)
        yaw = float(np.degrees(np.arctan2(*(xy[i + 1] - xy[i]))) % 360)
        lat, lon = frame.to_latlon(*p)
        out.append(Pose(vehicle, t, float(lat), float(lon), alt_home, alt_home - s.info.water_level_m,
                        roll_deg=1.5, pitch_deg=-4.0, yaw_deg=yaw, vn_mps=1.0, ve_mps=2.0, armed=True))
    return out


def _subscriber(endpoint: str, prefix: bytes = b"frame/") -> zmq.Socket:
    sub = zmq.Context.instance().socket(zmq.SUB)
    sub.setsockopt(zmq.SUBSCRIBE, prefix)
    sub.setsockopt(zmq.RCVTIMEO, 20000)
    sub.connect(endpoint)
    time.sleep(0.3)    # ZeroMQ's slow joiner: give the subscription time to reach the publisher
    return sub


@pytest.fixture(scope="module")
def jinji_world():
    s = site("jinji")
    return s, load_world(WORLDS_DIR / "jinji.yaml", s)


def test_frames_carry_the_pose_of_their_instant(jinji_world):
    s, w = jinji_world
    endpoint = f"tcp://127.0.0.1:{free_port()}"
    svc = CameraService(s, w, endpoint, jpeg_quality=80).acquire()
    cam = CameraPayload(svc, 1, fps=1.0)
    sub = _subscriber(endpoint)
    poses = route_poses(s, 1, 4.0)
    try:
        for p in poses:
            cam.on_pose(p)
        assert svc.drain(60)
        msgs = [sub.recv_multipart() for _ in range(5)]
    finally:
        cam.close()
        sub.close(0)
    sent = {p.time_s: p for p in poses}
    for k, (top, meta_raw, jpeg) in enumerate(msgs):
        meta = json.loads(meta_raw)
        assert top == b"frame/001" and meta["vehicle"] == 1 and meta["seq"] == k
        assert meta["time_s"] == pytest.approx(float(k))                    # one frame per simulated second
        p = sent[meta["time_s"]]
        for key in ("lat", "lon", "alt_home_m", "alt_water_m", "roll_deg", "pitch_deg", "yaw_deg",
                    "gimbal_roll_deg", "gimbal_pitch_deg", "gimbal_yaw_deg", "vn_mps", "ve_mps", "vd_mps"):
            assert meta[key] == pytest.approx(getattr(p, key), abs=1e-4), key
        assert meta["water_level_m"] == s.info.water_level_m
        assert meta["camera"]["width"] == 1920 and meta["camera"]["fx"] == pytest.approx(960 / np.tan(np.radians(41)))
        assert meta["image"]["bytes"] == len(jpeg) and meta["image"]["quality"] == 80
        img = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
        assert img.shape == (1080, 1920, 3) and img.std() > 3


def test_vehicles_share_one_socket_and_subscribers_pick_theirs(jinji_world):
    s, w = jinji_world
    endpoint = f"tcp://127.0.0.1:{free_port()}"
    svc = CameraService(s, w, endpoint)
    cams = [CameraPayload(svc.acquire(), v, fps=2.0) for v in (1, 2, 12)]
    only2 = _subscriber(endpoint, topic(2))
    every = _subscriber(endpoint)
    try:
        streams = {v: route_poses(s, v, 1.0, rate_hz=10) for v in (1, 2, 12)}
        for k in range(len(streams[1])):
            for v, cam in zip((1, 2, 12), cams):
                cam.on_pose(streams[v][k])
        assert svc.drain(60)
        got = [json.loads(every.recv_multipart()[1]) for _ in range(9)]
        assert sorted((m["vehicle"], m["seq"]) for m in got) == [(v, q) for v in (1, 2, 12) for q in range(3)]
        mine = [json.loads(only2.recv_multipart()[1]) for _ in range(3)]
        assert {m["vehicle"] for m in mine} == {2}
        only2.setsockopt(zmq.RCVTIMEO, 300)
        with pytest.raises(zmq.Again):
            only2.recv_multipart()
    finally:
        for cam in cams:
            cam.close()
        only2.close(0)
        every.close(0)
    assert svc.users == 0 and svc.publisher.sock.closed


def test_no_frames_on_the_dock_and_none_lost_when_the_simulator_runs_ahead(jinji_world):
    s, w = jinji_world
    endpoint = f"tcp://127.0.0.1:{free_port()}"
    svc = CameraService(s, w, endpoint).acquire()
    cam = CameraPayload(svc, 3, fps=5.0)
    sub = _subscriber(endpoint)
    try:
        grounded = [Pose(3, t / 10, *s.info.home, 0.2, 1.7) for t in range(20)]
        for p in grounded:
            cam.on_pose(p)
        # then 12 frames' worth of flight stepped as fast as Python goes: the payload waits for the camera
        for p in route_poses(s, 3, 12 / 5.0 - 0.01, rate_hz=100):
            cam.on_pose(Pose(**{**p.__dict__, "time_s": p.time_s + 2.0}))
        assert svc.drain(120)
        metas = [json.loads(sub.recv_multipart()[1]) for _ in range(12)]
    finally:
        cam.close()
        sub.close(0)
    assert [m["seq"] for m in metas] == list(range(12))
    assert all(m["alt_home_m"] > 1 for m in metas) and metas[0]["time_s"] == pytest.approx(2.0)
    assert svc.stats.dropped == 0 and svc.stats.rendered == 12


def test_cli_options_add_a_camera_only_with_a_world(jinji_world):
    s, _ = jinji_world
    parser = argparse.ArgumentParser()
    cli_options.add_arguments(parser)
    assert cli_options.payloads(parser.parse_args([]), s, 1) == []
    endpoint = f"tcp://127.0.0.1:{free_port()}"
    args = parser.parse_args(["--world", "default", "--frames", endpoint, "--fps", "0.5", "--camera-workers", "0"])
    (cam,) = cli_options.payloads(args, s, 1)
    (cam2,) = cli_options.payloads(args, s, 2)
    try:
        assert cam.service is cam2.service and cam.fps == 0.5 and cam.service.endpoint == endpoint
        with pytest.raises(UserError, match="--fps 0.0: must be a positive number"):
            cli_options.payloads(parser.parse_args(["--world", "default", "--fps", "0"]), s, 3)
        with pytest.raises(UserError, match="--camera-workers -1: must be 0 to 64"):
            cli_options.payloads(parser.parse_args(["--world", "default", "--camera-workers", "-1"]), s, 3)
        # a second process (another service) cannot bind the same endpoint: one line, no traceback
        with pytest.raises(UserError, match=f"--frames {endpoint}: cannot bind"):
            CameraService(s, cam.service.world, endpoint)
    finally:
        cam.close()
        cam2.close()
    with pytest.raises(UserError, match="no bundled world"):
        cli_options.payloads(parser.parse_args(["--world", "default"]),
                             __import__("dataclasses").replace(s, source="elsewhere.yaml"), 1)


def test_render_processes_publish_every_frame_in_order_without_waiting_for_more(jinji_world):
    s, w = jinji_world
    endpoint = f"tcp://127.0.0.1:{free_port()}"
    svc = CameraService(s, w, endpoint, workers=1).acquire()
    cam = CameraPayload(svc, 4, fps=1.0)
    sub = _subscriber(endpoint)
    try:
        for p in route_poses(s, 4, 2.5):
            cam.on_pose(p)
        # no drain, no further poses: the last frames must still come out on their own
        metas = [json.loads(sub.recv_multipart()[1]) for _ in range(3)]
    finally:
        cam.close()
        sub.close(0)
    assert [m["seq"] for m in metas] == [0, 1, 2] and [m["time_s"] for m in metas] == [0.0, 1.0, 2.0]
    assert svc.pool is not None and svc.stats.rendered == 3
