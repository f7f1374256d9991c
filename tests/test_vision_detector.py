"""The shipped detector finds objects planted in frames the simulator renders, and puts them on the map.

The scenes use seeds and layouts outside the training and held-out sets (hand-placed objects, seeds
>= 300000). Everything runs through the real parts: sim's renderer, the ONNX model, tiling, merge,
georeferencing and confirmation.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from shapely.geometry import Point

from missions.site import load_site
from vision.dataset import ground_truth, site_path
from vision.detect import DEFAULT_ONNX, DEFAULT_PT, Detector
from vision.georef import Georeferencer, distance_m
from vision.pipeline import FramePipeline
from vision.tiling import iou
from vision.types import CameraPose, Intrinsics

ROOT = Path(__file__).resolve().parents[1]


def _scene():
    from sim.camera.conditions import Conditions
    from sim.camera.model import Intrinsics as SimK, View
    from sim.camera.render import Renderer
    from sim.camera.scene import Scene
    from sim.world.geometry import site_frame, water_geometry
    from sim.world.loader import parse_world

    site = load_site(site_path("jinji"))
    frame = site_frame(site)
    water = water_geometry(site)
    # a straight stretch of shore: objects on the water on one side, a dumping site on the land on the other
    shore = water.boundary
    p = shore.interpolate(0.37 * shore.length)
    q = shore.interpolate(0.37 * shore.length + 5)
    t = np.array([q.x - p.x, q.y - p.y]) / 5
    n = np.array([-t[1], t[0]])
    if not water.contains(Point(*(np.array([p.x, p.y]) + 15 * n))):
        n = -n                               # n points onto the water
    o = np.array([p.x, p.y])

    def ll(v):
        lat, lon = frame.to_latlon(*v)
        return {"lat": float(lat), "lon": float(lon)}
    objs = [
        {"type": "fishing_boat", "id": "boat", **ll(o + 35 * n - 10 * t), "length_m": 6.0, "people": 2, "color": "white"},
        {"type": "swimmer", "id": "swimmer", **ll(o + 22 * n + 15 * t), "color": "red"},
        {"type": "fishing_net", "id": "net", "color": "orange", "float_m": 0.3,
         "points": [ll(o + 48 * n - 25 * t), ll(o + 50 * n + 25 * t)]},
        {"type": "muck_truck", "id": "truck", **ll(o - 22 * n + 5 * t), "color": "yellow", "tipping": True},
        {"type": "waste_pile", "id": "pile", **ll(o - 18 * n - 18 * t), "length_m": 8.0, "color": "construction"},
        {"type": "buoy", "id": "buoy", **ll(o + 30 * n + 30 * t)},
    ]
    world = parse_world({"seed": 300001, "environment": {"water": "green"}, "land": {"style": "park"}, "objects": objs},
                        site)
    scene = Scene(site, world)
    K = SimK.of_site(site)
    c = o + 12 * n
    view = View.from_angles(K, (c[0], c[1], scene.water_z + 70.0), yaw=float(np.degrees(np.arctan2(t[0], t[1]))))
    img = Renderer(scene, K).render(view, Conditions(sun_elevation_deg=55, haze=0.05, noise=2.0, jpeg_quality=90)).image
    ok, jpg = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 90])
    truths, _ = ground_truth(scene, view)
    lat, lon = frame.to_latlon(view.center[0], view.center[1])
    meta = {"vehicle": 1, "seq": 1, "time_s": 10.0, "lat": lat, "lon": lon, "alt_home_m": view.center[2],
            "alt_water_m": 70.0, "yaw_deg": float(np.degrees(np.arctan2(t[0], t[1]))), "gimbal_pitch_deg": -90.0,
            "camera": K.as_dict()}
    return cv2.imdecode(jpg, cv2.IMREAD_COLOR), jpg.tobytes(), truths, meta, site


@pytest.fixture(scope="module")
def scene():
    if not DEFAULT_ONNX.exists():
        pytest.fail(f"{DEFAULT_ONNX} is missing: the shipped weights are part of the repository")
    return _scene()


@pytest.fixture(scope="module")
def detector():
    return Detector(DEFAULT_ONNX)


# What the shipped CPU-trained model must at least do on this scene (its held-out figures, far below the
# issue's targets, are in vision/weights/MODEL_CARD.md): find planted objects by class and box, and not
# bury them in false boxes. A broken export, tiling or merge finds none.
MIN_FOUND = 2
MAX_FALSE = 3


def test_planted_objects_are_found(scene, detector):
    img, _, truths, _, _ = scene
    assert {t.cls for t in truths} == {"fishing_boat", "swimmer", "fishing_net", "muck_truck", "waste_pile"}
    dets = detector.detect(img)
    names = [d.cls for d in dets]
    found, used = [], set()
    for t in truths:
        ious = [iou(np.array([d.box]), np.array([t.box]))[0, 0] if d.cls == t.cls else 0.0 for d in dets]
        if max(ious, default=0) >= 0.3:
            found.append(t.cls)
            used.add(int(np.argmax(ious)))
    assert len(found) >= MIN_FOUND, f"found {found}; got {list(zip(names, [d.box for d in dets]))}"
    false = [names[i] for i in range(len(dets)) if i not in used]
    assert len(false) <= MAX_FALSE + (len(found) < len(truths)) * 2, f"false alarms: {false}"


def test_onnx_and_torch_agree(scene, detector):
    img = scene[0]
    a = detector.detect(img)
    b = Detector(DEFAULT_PT, backend="torch", device="cpu", conf=detector.conf).detect(img)
    assert sorted(d.cls for d in a) == sorted(d.cls for d in b)
    for d in a:
        best = max(iou(np.array([d.box]), np.array([e.box]))[0, 0] for e in b if e.cls == d.cls)
        assert best > 0.9


def test_frames_become_located_anomalies(scene, detector):
    """Render -> detect -> georeference -> confirm: each object lands within its error radius of the truth."""
    img, jpg, truths, meta, site = scene
    vp = FramePipeline(water_level_m=site.info.water_level_m, detector=detector)
    for k in range(5):                                  # the same view five times: five frames of evidence
        r = vp.process(jpg, dict(meta, seq=k, time_s=10.0 + k))
    located = 0
    for t in truths:
        mine = [a for a in vp.anomalies if a.cls == t.cls]
        if not mine:
            continue                                    # not found: test_planted_objects_are_found counts those
        a = min(mine, key=lambda a: float(distance_m(a.lat, a.lon, t.lat, t.lon)[0]))
        err = float(distance_m(a.lat, a.lon, t.lat, t.lon)[0])
        if t.cls == "fishing_net":
            assert a.line is not None
        else:
            assert err <= max(3.0, a.uncertainty_m), f"{t.cls}: {err:.1f} m from the truth (radius {a.uncertainty_m:.1f})"
        assert a.evidence_jpeg[:3] == b"\xff\xd8\xff" and a.sightings >= 5
        assert a.confirmed == (a.confidence >= vp.confirmer.policy.confirm_conf)   # five frames: enough looks
        located += 1
    assert located >= MIN_FOUND
    assert r.pose.seq == 4


def test_net_line_runs_the_right_way(scene, detector):
    img, _, truths, meta, site = scene
    net = next(d for d in detector.detect(img) if d.cls == "fishing_net")
    truth = next(t for t in truths if t.cls == "fishing_net")
    (u0, v0), (u1, v1) = net.line
    a = np.array(truth.line_px[-1]) - np.array(truth.line_px[0])
    b = np.array([u1 - u0, v1 - v0])
    cos = abs(a @ b) / (np.linalg.norm(a) * np.linalg.norm(b))
    assert cos > 0.97


def _cli(*args):
    exe = Path(sys.executable).parent / "waterpatrol"
    return subprocess.run([str(exe), *args], capture_output=True, text=True, cwd=ROOT, timeout=300)


def test_cli_detect_json(scene, tmp_path):
    p = tmp_path / "frame.jpg"
    cv2.imwrite(str(p), scene[0])
    r = _cli("detect", str(p), "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out[0]["image"] == str(p)
    dets = out[0]["detections"]
    assert dets and {"class", "conf", "box"} <= set(dets[0]) and len(dets[0]["box"]) == 4
    assert {d["class"] for d in dets} & {"fishing_boat", "swimmer", "fishing_net", "muck_truck", "waste_pile"}


def test_cli_detect_truncated_image_is_one_line(scene, tmp_path):
    p = tmp_path / "cut.jpg"
    ok, jpg = cv2.imencode(".jpg", scene[0])
    p.write_bytes(jpg.tobytes()[: len(jpg) // 2])
    r = _cli("detect", str(p))
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and str(p) in lines[0] and "truncated" in lines[0]


def test_frames_below_the_trained_altitudes_are_not_looked_at(scene, detector):
    """Takeoff and landing frames (dock and shore at a few metres) are outside what the model knows."""
    img, jpg, _, meta, site = scene
    vp = FramePipeline(water_level_m=site.info.water_level_m, detector=detector)
    low = vp.process(jpg, dict(meta, alt_water_m=12.0, alt_home_m=12.0))
    assert low.skipped and "12 m" in low.skipped and low.detections == [] and vp.anomalies == []
    high = vp.process(jpg, dict(meta, seq=2))
    assert high.skipped is None and high.detections
