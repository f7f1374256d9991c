"""The camera model against closed forms: nadir scale, north-up, attitude and gimbal conventions, inverse rays."""
from __future__ import annotations

import math

import numpy as np
import pytest

from sim.camera.footprint import footprint
from sim.camera.model import Intrinsics, View, camera_to_ned
from sim.pose import Pose
from sim.world.frame import TangentFrame

K = Intrinsics(1920, 1080, 82.0)


def test_intrinsics_follow_the_horizontal_field_of_view():
    assert K.fx == pytest.approx(960 / math.tan(math.radians(41)))
    assert (K.cx, K.cy) == (960.0, 540.0)
    assert K.vfov_deg == pytest.approx(2 * math.degrees(math.atan(540 / K.fx)))


def test_nadir_at_yaw_zero_puts_north_up_and_east_right_at_the_pinhole_scale():
    h = 80.0
    v = View.from_angles(K, (10.0, 20.0, h))
    uv, depth = v.project(np.array([[10.0, 20.0, 0.0], [10.0 + 7.0, 20.0, 0.0], [10.0, 20.0 + 5.0, 0.0]]))
    assert uv[0] == pytest.approx([960, 540])
    assert uv[1] == pytest.approx([960 + K.fx * 7 / h, 540])           # east: right
    assert uv[2] == pytest.approx([960, 540 - K.fy * 5 / h])           # north: up
    assert depth == pytest.approx([h, h, h])
    assert v.gsd(0.0) == pytest.approx(h / K.fx, rel=1e-6)


def test_vehicle_yaw_turns_the_image_clockwise_with_it():
    v = View.from_angles(K, (0, 0, 50), yaw=90)                        # facing east: east is up
    uv, _ = v.project(np.array([[5.0, 0.0, 0.0], [0.0, -5.0, 0.0]]))
    assert uv[0] == pytest.approx([960, 540 - K.fx * 5 / 50])
    assert uv[1] == pytest.approx([960 + K.fx * 5 / 50, 540])          # south is then on the right
    g = View.from_angles(K, (0, 0, 50), gyaw=90)                       # the gimbal's yaw does the same
    assert g.R_nc == pytest.approx(v.R_nc)


def test_pitch_and_roll_tilt_the_view_as_ardupilot_defines_them():
    h = 60.0
    # nose down 10 degrees (flying forward) with the gimbal fixed to the body: the camera looks 10 degrees behind
    down = View.from_angles(K, (0, 0, h), pitch=-10)
    uv, _ = down.project(np.array([[0.0, -h * math.tan(math.radians(10)), 0.0]]))
    assert uv[0] == pytest.approx([960, 540], abs=1e-6)
    # roll right 10 degrees: the camera looks 10 degrees to the left of the vehicle (west, facing north)
    right = View.from_angles(K, (0, 0, h), roll=10)
    uv, _ = right.project(np.array([[-h * math.tan(math.radians(10)), 0.0, 0.0]]))
    assert uv[0] == pytest.approx([960, 540], abs=1e-6)
    # a gimbal pitched to -60 looks 30 degrees ahead of nadir
    fwd = View.from_angles(K, (0, 0, h), yaw=0, gpitch=-60)
    uv, _ = fwd.project(np.array([[0.0, h * math.tan(math.radians(30)), 0.0]]))
    assert uv[0] == pytest.approx([960, 540], abs=1e-6)


def test_rotation_is_orthonormal_and_composes_body_then_gimbal():
    R = camera_to_ned(3, -4, 123, 1, -80, 7)
    assert R @ R.T == pytest.approx(np.eye(3), abs=1e-12)
    assert np.linalg.det(R) == pytest.approx(1.0)


@pytest.mark.parametrize("angles", [dict(), dict(roll=5, pitch=-8, yaw=33), dict(yaw=250, gpitch=-65, groll=2),
                                    dict(roll=-10, pitch=10, yaw=180, gpitch=-75, gyaw=20)])
def test_ground_rays_invert_projection_on_both_planes(angles):
    v = View.from_angles(K, (100.0, -50.0, 70.0), **angles)
    rng = np.random.default_rng(1)
    uv = rng.uniform([0, 0], [1920, 1080], (200, 2))
    for z0 in (0.0, -1.5):
        g = v.ground(uv, z0)
        back, depth = v.project(np.column_stack([g, np.full(len(g), z0)]))
        assert (depth > 0).all()
        assert back == pytest.approx(uv, abs=1e-6)
        H = v.homography(z0)
        q = np.column_stack([g, np.ones(len(g))]) @ H.T
        assert q[:, :2] / q[:, 2:] == pytest.approx(uv, abs=1e-6)


def test_footprint_is_what_the_image_sees():
    v = View.from_angles(K, (0.0, 0.0, 80.0), yaw=30, roll=3, gpitch=-80)
    fp = footprint(v, 0.0, 5000.0, margin_px=0.0)
    assert len(fp) == 4
    uv, _ = v.project(np.column_stack([fp, np.zeros(4)]))
    corners = {(0, 0), (1920, 0), (1920, 1080), (0, 1080)}
    assert {(round(u), round(w)) for u, w in uv} == corners
    # looking at the horizon, the footprint stops at the range limit instead
    far = footprint(View.from_angles(K, (0.0, 0.0, 80.0), gpitch=-10), 0.0, 1000.0)
    assert len(far) >= 3 and np.hypot(*far.T).max() <= 1000 * math.sqrt(2) + 1e-6
    assert len(footprint(View.from_angles(K, (0.0, 0.0, 80.0), gpitch=30), 0.0, 1000.0)) == 0  # looking up


def test_tangent_frame_has_true_north_at_home_and_unit_scale():
    f = TangentFrame(31.3105, 120.6780)
    assert f.to_xy(31.3105, 120.6780) == pytest.approx((0, 0), abs=1e-6)
    x, y = f.to_xy(31.3105 + 0.01, 120.6780)                             # due north
    assert abs(x) < 1e-6 and y == pytest.approx(1108.9, abs=1.0)
    lat, lon = f.to_latlon(1500.0, -800.0)
    assert f.to_xy(lat, lon) == pytest.approx((1500.0, -800.0), abs=1e-6)


def test_view_of_a_pose_uses_height_above_home():
    from sim.camera.render import view_of_pose
    f = TangentFrame(31.3105, 120.6780)
    lat, lon = f.to_latlon(200.0, 300.0)
    p = Pose(1, 0.0, lat, lon, alt_home_m=80.0, alt_water_m=81.5, yaw_deg=45.0)
    v = view_of_pose(p, K, f)
    assert v.center == pytest.approx((200.0, 300.0, 80.0), abs=1e-6)
    assert v.R_nc == pytest.approx(View.from_angles(K, (0, 0, 0), yaw=45.0).R_nc)
