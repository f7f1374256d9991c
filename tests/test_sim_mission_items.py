"""Mission items are stored and read back the way AP_Mission packs them."""
import math

import pytest

from sim.vehicle import mission_items as mi

LAT, LON = 313105000, 1206780000


def roundtrip(command, frame, params, x=LAT, y=LON, z=30.0):
    res, cmd = mi.from_mavlink(command, frame, params, x, y, z)
    assert res == mi.ACCEPTED
    return mi.to_mavlink(5, cmd)


def test_waypoint_keeps_its_delay_and_drops_what_copter_does_not_store():
    item = roundtrip(mi.WAYPOINT, mi.FRAME_RELATIVE_INT, (3.7, 5.0, 2.0, math.nan))
    assert (item.param1, item.param2, item.param3, item.param4) == (3.0, 0.0, 0.0, 0.0)
    assert (item.frame, item.x, item.y, item.z) == (mi.FRAME_RELATIVE, LAT, LON, 30.0)


def test_loiter_turns_radius_over_255_m_comes_back_in_tens_of_metres():
    assert roundtrip(mi.LOITER_TURNS, 3, (2, 0, 120, 0)).param3 == 120.0
    item = roundtrip(mi.LOITER_TURNS, 3, (2, 0, 304, 0))
    assert (item.param1, item.param3) == (2.0, 300.0)
    assert roundtrip(mi.LOITER_TURNS, 3, (1, 0, -80, 0)).param3 == -80.0


def test_do_change_speed_and_jump_keep_their_values_and_absolute_frame_zero():
    item = roundtrip(mi.DO_CHANGE_SPEED, 3, (1, 8.5, -1, 0), 0, 0, 0.0)
    assert (item.param1, item.param2, item.param3, item.frame) == (1.0, 8.5, -1.0, 0)
    item = roundtrip(mi.DO_JUMP, 3, (3, -1, 0, 0), 0, 0, 0.0)
    assert (item.param1, item.param2) == (3.0, -1.0)


def test_altitude_frames():
    assert roundtrip(mi.WAYPOINT, mi.FRAME_GLOBAL_INT, (0, 0, 0, 0), z=55.5).frame == mi.FRAME_GLOBAL
    assert roundtrip(mi.WAYPOINT, mi.FRAME_TERRAIN_INT, (0, 0, 0, 0)).frame == mi.FRAME_TERRAIN


@pytest.mark.parametrize("command,frame,params,x,y,z,result", [
    (16, 3, (math.nan, 0, 0, 0), LAT, LON, 30.0, mi.INVALID_PARAM1),
    (16, 3, (0, math.inf, 0, 0), LAT, LON, 30.0, mi.INVALID_PARAM2),
    (18, 3, (1, 0, 0, math.nan), LAT, LON, 30.0, mi.INVALID_PARAM4),
    (16, 3, (0, 0, 0, 0), 950000000, LON, 30.0, mi.INVALID_PARAM5_X),
    (16, 3, (0, 0, 0, 0), LAT, -1900000000, 30.0, mi.INVALID_PARAM6_Y),
    (16, 3, (0, 0, 0, 0), LAT, LON, math.nan, mi.INVALID_PARAM7),
    (16, 3, (0, 0, 0, 0), LAT, LON, 90000.0, mi.INVALID_PARAM7),
    (16, 1, (0, 0, 0, 0), LAT, LON, 30.0, mi.UNSUPPORTED_FRAME),
    (113, 3, (0, 0, 0, 0), 0, 0, 0.0, mi.UNSUPPORTED),       # CONDITION_CHANGE_ALT: dropped by ArduCopter
    (0, 3, (0, 0, 0, 0), 0, 0, 0.0, mi.INVALID),
])
def test_refusals_carry_ardupilots_mission_result(command, frame, params, x, y, z, result):
    assert mi.from_mavlink(command, frame, params, x, y, z)[0] == result


def test_do_jump_target_must_be_in_the_mission_and_not_home():
    _, jump0 = mi.from_mavlink(mi.DO_JUMP, 3, (0, 1, 0, 0), 0, 0, 0.0)
    _, jump9 = mi.from_mavlink(mi.DO_JUMP, 3, (9, 1, 0, 0), 0, 0, 0.0)
    _, jump2 = mi.from_mavlink(mi.DO_JUMP, 3, (2, 1, 0, 0), 0, 0, 0.0)
    assert mi.check_jump(jump0, 5, 6) == mi.ERROR
    assert mi.check_jump(jump9, 5, 6) == mi.ERROR
    assert mi.check_jump(jump2, 5, 6) == mi.ACCEPTED
