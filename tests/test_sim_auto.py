"""AUTO and RTL as ArduCopter flies them: loiters, jumps, landing on the LAND item, RTL altitude rule."""
import math

import pytest

from sim.vehicle import mission_items as mi
from sim.vehicle.boot import BootTimeline
from sim.vehicle.copter import Copter, VehicleConfig
from sim.vehicle.geo import LocalGeo
from sim.vehicle.modes import AUTO, GUIDED, LAND, RTL

HOME = (31.3105, 120.6780)
GEO = LocalGeo(*HOME)
DT = 0.02


def copter(**params):
    c = Copter(VehicleConfig(home_lat=HOME[0], home_lon=HOME[1], boot=BootTimeline(5.0), params=tuple(params.items())))
    for _ in range(int(6 / DT)):
        c.step(DT)
    return c


def add(c, command, north=0.0, east=0.0, alt=0.0, p=(0, 0, 0, 0), frame=3):
    lat, lon = GEO.to_latlon(north, east) if (north or east) else (0.0, 0.0)
    res, cmd = mi.from_mavlink(command, frame, p, int(round(lat * 1e7)), int(round(lon * 1e7)), alt)
    assert res == mi.ACCEPTED
    c.mission.append(cmd)


def fly(c, seconds, until=None):
    log = []
    for _ in range(int(seconds / DT)):
        c.step(DT)
        log += [("reached", s) for s in c.reached_queue] + [("text", t) for _, t in c.outbox]
        c.reached_queue.clear()
        c.outbox.clear()
        if until is not None and until(c):
            break
    return log


def test_loiter_time_jump_loiter_turns_and_landing_on_the_land_item():
    c = copter()
    add(c, mi.TAKEOFF, alt=20)                                     # 1
    add(c, mi.WAYPOINT, north=100, alt=20)                         # 2
    add(c, mi.LOITER_TIME, north=100, east=100, alt=20, p=(10, 0, 0, 0))   # 3
    add(c, mi.DO_JUMP, p=(2, 1, 0, 0))                             # 4: fly 2-3 once more
    add(c, mi.LOITER_TURNS, north=0, east=150, alt=25, p=(1, 0, 30, 0))    # 5
    add(c, mi.LAND, north=-50, east=0, alt=0)                      # 6
    assert c.set_mode(GUIDED) and c.arm() and c.mission_start()
    log = fly(c, 600, lambda c: not c.armed)
    reached = [v for kind, v in log if kind == "reached"]
    texts = [v for kind, v in log if kind == "text"]
    assert reached == [1, 2, 3, 2, 3, 5]                   # the jump ran once; no REACHED for LAND: it disarms
    assert "Mission: 4 Jump 1/1" in texts and "Reached command #3" in texts
    assert "Mission: starting circle 1/1" in texts
    assert not c.armed and c.mode.number == AUTO
    n, e, alt = c.est()
    assert math.hypot(n + 50, e) < 3.0 and alt < 0.5


def test_loiter_time_holds_for_its_seconds():
    c = copter()
    add(c, mi.TAKEOFF, alt=15)
    add(c, mi.LOITER_TIME, north=30, alt=15, p=(20, 0, 0, 0))
    add(c, mi.RETURN_TO_LAUNCH)
    assert c.set_mode(GUIDED) and c.arm() and c.mission_start()
    runner = c.modes[AUTO].runner
    arrive = leave = None
    for _ in range(int(120 / DT)):
        c.step(DT)
        if arrive is None and runner.nav_index == 2 and c.nav.kind == 1 and c.nav.reached:
            arrive = c.t
        if arrive is not None and runner.nav_index == 3:
            leave = c.t
            break
    assert leave - arrive == pytest.approx(20.0, abs=0.5)


@pytest.mark.parametrize("start_alt,expected_return_alt", [(60.0, 60.0), (5.0, 15.0)])
def test_rtl_returns_at_current_altitude_above_rtl_alt_else_climbs_to_it(start_alt, expected_return_alt):
    c = copter()
    assert c.set_mode(GUIDED) and c.arm() and c.user_takeoff(start_alt, True)
    fly(c, start_alt / 2.5 + 8)
    n, e, alt = c.est()
    assert c.guided_goto(n + 400, e, alt)
    fly(c, 60, lambda c: c.nav.reached)
    assert c.set_mode(RTL)
    alts = []
    for _ in range(int(200 / DT)):
        c.step(DT)
        n, e, alt = c.est()
        if math.hypot(n - c.home_n, e - c.home_e) > 50:
            alts.append(alt - c.home_alt)
        if not c.armed:
            break
    assert not c.armed and c.land_complete
    assert max(alts) == pytest.approx(expected_return_alt, abs=0.6)
    assert min(alts[len(alts) // 2:]) == pytest.approx(expected_return_alt, abs=0.6)


def test_auto_from_the_ground_waits_for_throttle_or_mission_start_then_disarms_after_disarm_delay():
    c = copter()
    add(c, mi.TAKEOFF, alt=10)
    add(c, mi.WAYPOINT, north=50, alt=10)
    assert c.set_mode(GUIDED) and c.arm()
    assert c.set_mode(AUTO)
    fly(c, 5)
    assert c.af.alt == 0.0 and c.armed                     # throttle stick down: AUTO does not take off
    fly(c, 7)
    assert not c.armed                                      # DISARM_DELAY 10 s on the ground
    assert c.set_mode(GUIDED) and c.arm()
    assert c.set_mode(AUTO) is True
    c.set_rc_overrides([0, 0, 1500])                        # raise the throttle (RC_CHANNELS_OVERRIDE)
    fly(c, 8)
    assert c.af.alt > 5.0


def test_land_mode_descends_at_land_speed_below_land_alt_low_and_disarms():
    c = copter()
    assert c.set_mode(GUIDED) and c.arm() and c.user_takeoff(30, True)
    fly(c, 20)
    assert c.set_mode(LAND)
    high, low = [], []
    for _ in range(int(60 / DT)):
        c.step(DT)
        alt = c.af.alt
        if 15 < alt < 25:
            high.append(-c.af.vu)
        elif 1 < alt < 8:
            low.append(-c.af.vu)
        if not c.armed:
            break
    assert max(high) == pytest.approx(1.5, abs=0.05)       # WPNAV_SPEED_DN above LAND_ALT_LOW
    assert max(low[len(low) // 2:]) == pytest.approx(0.5, abs=0.05)   # LAND_SPEED below
    assert not c.armed
