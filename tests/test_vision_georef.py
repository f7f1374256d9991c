"""Georeferencing is the exact inverse of the simulator's camera (sim.camera.model.View), and its error
bar means what it says."""
from __future__ import annotations

import math
from dataclasses import asdict

import numpy as np
import pytest

from sim.camera.model import Intrinsics as SimIntrinsics, View
from sim.pose import Pose
from sim.world.frame import TangentFrame
from vision.georef import Georeferencer, PoseErrors, ground_offsets
from vision.types import CameraPose, Detection, Intrinsics

HOME = (31.3105, 120.6780)
K = Intrinsics.from_hfov(1920, 1080, 82.0)
F = K.fx


def pose(**kw) -> CameraPose:
    base = dict(lat=HOME[0], lon=HOME[1], alt_home_m=80.0, intrinsics=K)
    base.update(kw)
    return CameraPose(**base)


def test_intrinsics_match_the_simulator():
    s = SimIntrinsics(1920, 1080, 82.0)
    assert (K.fx, K.fy, K.cx, K.cy) == pytest.approx((s.fx, s.fy, s.cx, s.cy))


def test_nadir_closed_form():
    p = pose()
    h = 80.0
    off = ground_offsets(p, np.array([[K.cx, K.cy], [K.cx + 100, K.cy], [K.cx, K.cy - 100]]), h)
    assert off[0] == pytest.approx([0, 0], abs=1e-9)
    assert off[1] == pytest.approx([100 * h / F, 0], abs=1e-9)          # right of the image is east at yaw 0
    assert off[2] == pytest.approx([0, 100 * h / F], abs=1e-9)          # the top of the image is north


def test_nadir_yawed_east_turns_the_image():
    off = ground_offsets(pose(yaw_deg=90.0), np.array([[K.cx, K.cy - 100]]), 80.0)
    assert off[0] == pytest.approx([100 * 80 / F, 0], abs=1e-9)         # heading east: the top of the image is east


def test_tilted_gimbal_closed_form():
    off = ground_offsets(pose(gimbal_pitch_deg=-60.0, yaw_deg=0.0), np.array([[K.cx, K.cy]]), 80.0)
    assert off[0] == pytest.approx([0, 80 * math.tan(math.radians(30))], abs=1e-9)   # 30 deg forward of nadir


def test_rolled_vehicle_closed_form():
    # right wing down tilts a body-fixed nadir camera to the left (west at yaw 0)
    off = ground_offsets(pose(roll_deg=10.0), np.array([[K.cx, K.cy]]), 80.0)
    assert off[0] == pytest.approx([-80 * math.tan(math.radians(10)), 0], abs=1e-9)


def test_pitched_vehicle_and_gimbal_compose():
    # nose down 5 deg with the gimbal at -85 relative to the body: looks straight down
    off = ground_offsets(pose(pitch_deg=-5.0, gimbal_pitch_deg=-85.0), np.array([[K.cx, K.cy]]), 80.0)
    assert off[0] == pytest.approx([0, 0], abs=1e-9)


def test_rays_above_the_horizon_miss():
    off = ground_offsets(pose(gimbal_pitch_deg=0.0), np.array([[K.cx, K.cy - 10]]), 80.0)
    assert np.isnan(off).all()


@pytest.mark.parametrize("seed", range(6))
def test_inverse_of_sim_projection(seed):
    """Project ground points with sim's View, georeference the pixels back: the same points, to a centimetre."""
    rng = np.random.default_rng(seed)
    frame = TangentFrame(*HOME)
    water_z = -1.5
    cam = np.array([*rng.uniform(-400, 400, 2), water_z + rng.uniform(30, 120)])
    ang = dict(roll=rng.normal(0, 6), pitch=rng.normal(0, 6), yaw=rng.uniform(0, 360),
               groll=rng.normal(0, 2), gpitch=rng.uniform(-90, -55), gyaw=rng.normal(0, 5))
    view = View.from_angles(SimIntrinsics(1920, 1080, 82.0), cam, **ang)
    uv_grid = np.column_stack([rng.uniform(0, 1920, 40), rng.uniform(0, 1080, 40)])
    pts = np.column_stack([view.ground(uv_grid, water_z), np.full(40, water_z)])
    uv, depth = view.project(pts)
    assert (depth > 0).all()
    lat, lon = frame.to_latlon(cam[0], cam[1])
    p = CameraPose(lat=lat, lon=lon, alt_home_m=cam[2], intrinsics=K, roll_deg=ang["roll"], pitch_deg=ang["pitch"],
                   yaw_deg=ang["yaw"], gimbal_roll_deg=ang["groll"], gimbal_pitch_deg=ang["gpitch"], gimbal_yaw_deg=ang["gyaw"])
    ll = Georeferencer(water_level_m=water_z).locate(p, uv, "swimmer" if False else None)
    xy = frame.xy_array(ll)
    err = np.hypot(*(xy - pts[:, :2]).T)
    assert err.max() < 0.02, err.max()


def test_land_classes_use_the_land_and_their_height():
    p = pose(alt_home_m=80.0)
    g = Georeferencer(water_level_m=-1.5, land_level_m=0.0)
    assert g.surface_height(p, "fishing_net") == pytest.approx(81.5)
    assert g.surface_height(p, "muck_truck") == pytest.approx(80.0 - 1.9)
    # the same off-centre pixel lands nearer the nadir on the higher plane
    uv = np.array([[K.cx + 500, K.cy]])
    assert np.linalg.norm(g.offsets(p, uv, "muck_truck")) < np.linalg.norm(g.offsets(p, uv, "fishing_net"))


def test_pose_from_sim_metadata():
    meta = asdict(Pose(vehicle=2, time_s=12.5, lat=31.3, lon=120.7, alt_home_m=78.5, alt_water_m=80.0, roll_deg=1.0,
                       pitch_deg=-2.0, yaw_deg=45.0, gimbal_pitch_deg=-80.0))
    meta.update(seq=7, camera=SimIntrinsics(1280, 720, 70.0).as_dict())
    p = CameraPose.from_meta(meta)
    assert (p.vehicle, p.seq, p.time_s, p.alt_home_m, p.alt_water_m) == (2, 7, 12.5, 78.5, 80.0)
    assert (p.roll_deg, p.pitch_deg, p.yaw_deg, p.gimbal_pitch_deg) == (1.0, -2.0, 45.0, -80.0)
    assert p.intrinsics.fx == pytest.approx(SimIntrinsics(1280, 720, 70.0).fx)


def test_uncertainty_covers_95_percent_of_pose_noise():
    """Monte Carlo: perturb the pose by the stated errors; the reported radius holds ~95 % of the outcomes."""
    errors = PoseErrors(gps_m=0.5, alt_m=0.5, roll_deg=0.5, pitch_deg=0.5, yaw_deg=1.0, gimbal_deg=0.3, time_s=0.0,
                        box_frac=0.0)
    g = Georeferencer(water_level_m=0.0, errors=errors)
    p = pose(yaw_deg=30.0, gimbal_pitch_deg=-80.0)
    uv = np.array([[1700.0, 200.0]])
    true = g.offsets(p, uv)[0]
    radius = g.uncertainty(p, uv)[0]
    rng = np.random.default_rng(1)
    n, inside = 3000, 0
    for _ in range(n):
        q = p.with_(alt_home_m=p.alt_home_m + rng.normal(0, 0.5), roll_deg=p.roll_deg + rng.normal(0, 0.5),
                    pitch_deg=p.pitch_deg + rng.normal(0, 0.5), yaw_deg=p.yaw_deg + rng.normal(0, 1.0),
                    gimbal_pitch_deg=p.gimbal_pitch_deg + rng.normal(0, 0.3),
                    gimbal_roll_deg=p.gimbal_roll_deg + rng.normal(0, 0.3))
        o = ground_offsets(q, uv, 80.0)[0] + rng.normal(0, 0.5, 2)
        inside += np.linalg.norm(o - true) <= radius
    assert 0.90 <= inside / n <= 0.99, inside / n


def test_uncertainty_grows_with_height_and_off_nadir():
    g = Georeferencer(errors=PoseErrors(gps_m=0.0, alt_m=0.0, time_s=0.0, box_frac=0.0))
    c = np.array([[K.cx, K.cy]])
    edge = np.array([[10.0, 10.0]])
    assert g.uncertainty(pose(alt_home_m=120.0), c)[0] > g.uncertainty(pose(alt_home_m=40.0), c)[0]
    assert g.uncertainty(pose(), edge)[0] > g.uncertainty(pose(), c)[0]


def test_sightings_carry_net_ends_and_gsd():
    g = Georeferencer(water_level_m=-1.5)
    p = pose(seq=4, time_s=3.0, vehicle=2)
    net = Detection("fishing_net", 0.8, (100.0, 500.0, 900.0, 520.0), ((103.0, 510.0), (897.0, 510.0)))
    boat = Detection("fishing_boat", 0.6, (1000.0, 600.0, 1060.0, 630.0))
    s_net, s_boat = g.sightings(p, [net, boat])
    assert s_net.line is not None and s_boat.line is None
    assert (s_net.seq, s_net.drone, s_net.time_s) == (4, 2, 3.0)
    frame = TangentFrame(*HOME)
    a, b = frame.xy_array(np.array(s_net.line))
    assert np.hypot(*(b - a)) == pytest.approx(794 * 81.5 / F, rel=0.02)
    assert s_boat.gsd_m == pytest.approx((80 - 0.5 + 1.5) / F, rel=0.05)


def test_water_level_from_the_frame_when_not_configured():
    meta = {"lat": HOME[0], "lon": HOME[1], "alt_home_m": 80.0, "alt_water_m": 81.5, "water_level_m": -1.5,
            "camera": {"width": 1920, "height": 1080, "hfov_deg": 82.0}}
    p = CameraPose.from_meta(meta)
    assert Georeferencer().surface_height(p, "swimmer") == pytest.approx(81.5 - 0.1)
    assert Georeferencer().surface_height(p, "waste_pile") == pytest.approx(80.0 - 0.6)
    only_water = CameraPose.from_meta({k: v for k, v in meta.items() if k not in ("alt_home_m", "water_level_m")})
    assert Georeferencer().surface_height(only_water, "fishing_net") == pytest.approx(81.5)
