"""The vehicle model without sockets: climb and cruise speeds, wind, battery draw and sag, GPS noise,
and repeatability with a seed."""
import math
import statistics

import pytest

from sim.vehicle.boot import BootTimeline
from sim.vehicle.copter import Copter, VehicleConfig
from sim.vehicle.modes import GUIDED

DT = 0.02
HOME = (31.3105, 120.6780)


def copter(seed=0, **params):
    return Copter(VehicleConfig(home_lat=HOME[0], home_lon=HOME[1], boot=BootTimeline(5.0), seed=seed,
                                params=tuple(params.items())))


def run(c, seconds, record=None):
    for _ in range(int(round(seconds / DT))):
        c.step(DT)
        if record is not None:
            record(c)


def airborne(c, alt=20.0):
    run(c, 6.0)
    assert c.set_mode(GUIDED) and c.arm() and c.user_takeoff(alt, True)
    vs = []
    run(c, 2.0 + alt / 2.5 + 4.0, lambda c: vs.append(c.af.vu))
    return max(vs)


def test_takeoff_climbs_at_wpnav_speed_up_and_levels_off():
    c = copter()
    climb = airborne(c, 20.0)
    assert climb == pytest.approx(2.5, abs=0.05)
    assert c.est()[2] == pytest.approx(20.0, abs=0.3)
    assert not c.land_complete


@pytest.mark.parametrize("wpnav_speed,expected", [(1000, 10.0), (500, 5.0)])
def test_cruise_follows_wpnav_speed(wpnav_speed, expected):
    c = copter(WPNAV_SPEED=wpnav_speed)
    airborne(c)
    n, e, alt = c.est()
    c.guided_goto(n + 400.0, e, alt)
    speeds = []
    run(c, 400.0 / expected + 10.0, lambda c: speeds.append(math.hypot(c.af.vn, c.af.ve)))
    assert max(speeds) == pytest.approx(expected, abs=0.1)
    assert c.nav.reached
    assert c.est()[0] == pytest.approx(n + 400.0, abs=2.0)


def leg_ground_speed(c, north_m, seconds):
    n, e, alt = c.est()
    c.guided_goto(n + north_m, e, alt)
    speeds = []
    run(c, seconds, lambda c: speeds.append(math.hypot(c.af.vn, c.af.ve)))
    return statistics.median(speeds[len(speeds) // 3:])


def test_a_headwind_beyond_the_tilt_limit_slows_the_vehicle_a_tailwind_does_not():
    calm = copter()
    airborne(calm)
    head = copter(SIM_WIND_SPD=15, SIM_WIND_DIR=0)      # from the north
    airborne(head)
    tail = copter(SIM_WIND_SPD=15, SIM_WIND_DIR=0)
    airborne(tail)
    assert leg_ground_speed(calm, 600, 40) == pytest.approx(10.0, abs=0.2)
    assert leg_ground_speed(head, 600, 40) < 7.0
    assert leg_ground_speed(tail, -600, 40) == pytest.approx(10.0, abs=0.3)


def test_gusts_push_the_ground_speed_around():
    c = copter(SIM_WIND_SPD=5, SIM_WIND_DIR=90, SIM_WIND_TURB=4)
    airborne(c)
    n, e, alt = c.est()
    c.guided_goto(n + 800, e, alt)
    speeds = []
    run(c, 50, lambda c: speeds.append(math.hypot(c.af.vn, c.af.ve)))
    assert statistics.pstdev(speeds[200:]) > 0.15


def test_battery_draw_depends_on_airspeed_and_the_voltage_sags_under_load():
    calm, windy = copter(), copter(SIM_WIND_SPD=12, SIM_WIND_DIR=0)
    for c in (calm, windy):
        airborne(c)
    mah0 = (calm.battery.consumed_mah, windy.battery.consumed_mah)
    currents = {"calm": [], "windy": []}
    for name, c in (("calm", calm), ("windy", windy)):
        n, e, alt = c.est()
        c.guided_goto(n + 300, e, alt)
        run(c, 30, lambda c, name=name: currents[name].append(c.battery.current_a))
    assert statistics.mean(currents["windy"]) > 1.3 * statistics.mean(currents["calm"])
    assert windy.battery.consumed_mah - mah0[1] > calm.battery.consumed_mah - mah0[0]
    b = calm.battery
    assert b.current_a > 3.0
    assert b.voltage < b.resting_voltage() - 0.1
    assert 10.5 < b.voltage < 12.6


def test_gps_reports_noisy_positions_and_the_ekf_follows_them_smoothly():
    c = copter()
    gps, ekf = [], []

    def rec(c):
        if c.gps.last_fix_s == c.t:
            gps.append(c.gps.n)
            ekf.append(c.est()[0])
    run(c, 6)
    run(c, 120, rec)
    assert 0.05 < statistics.pstdev(gps) < 2.0
    assert statistics.pstdev([b - a for a, b in zip(ekf, ekf[1:])]) < statistics.pstdev(
        [b - a for a, b in zip(gps, gps[1:])])


def flight_trace(seed):
    c = copter(seed=seed, SIM_WIND_SPD=4, SIM_WIND_TURB=2)
    airborne(c)
    n, e, alt = c.est()
    c.guided_goto(n + 200, e + 50, alt)
    trace = []
    run(c, 30, lambda c: trace.append((c.af.n, c.af.e, c.af.alt, c.battery.voltage, c.gps.n)))
    return trace


def test_a_seed_makes_a_run_repeatable_and_another_seed_changes_it():
    assert flight_trace(7) == flight_trace(7)
    assert flight_trace(7) != flight_trace(8)
