"""Whole patrols of the bundled lakes: safe, within battery, covering, in ArduPilot's terms."""
from __future__ import annotations

import numpy as np
import pytest
import shapely
from shapely.geometry import LineString

from missions.energy import FlightModel, mission_time_s
from missions.errors import PlanningError
from missions.plan import (MAV_CMD_DO_CHANGE_SPEED, MAV_CMD_NAV_LOITER_TURNS, MAV_CMD_NAV_RETURN_TO_LAUNCH,
                           MAV_CMD_NAV_TAKEOFF, MAV_CMD_NAV_WAYPOINT, MAV_FRAME_GLOBAL, MAV_FRAME_GLOBAL_RELATIVE_ALT)
from missions.planner import plan_patrol
from missions.site import SiteGeometry, load_site, parse_site

from .conftest import EXAMPLES

SITES = ["jinji", "dushu", "qingjian"]


@pytest.fixture(scope="module")
def plans():
    out = {}
    for name in SITES:
        site = load_site(EXAMPLES / f"{name}.yaml")
        out[name] = (site, plan_patrol(site))
    return out


def leg_lines(site, plan):
    frame = site.frame
    for s in plan.sorties:
        for leg in s.legs:
            yield s, leg, LineString(frame.xy_array(np.asarray(leg.coords)))


@pytest.mark.parametrize("name", SITES)
def test_no_leg_enters_a_no_fly_zone(plans, name):
    site, plan = plans[name]
    geo = SiteGeometry(site)
    zones = shapely.union_all([p for _, p in geo.nofly])
    for s, leg, line in leg_lines(site, plan):
        assert not line.intersects(zones), f"sortie {s.index} {leg.pattern} leg enters a no-fly zone"
    # the vehicle's own RTL flies straight home from the last waypoint: that leg is clear too
    for s in plan.sorties:
        last = [it for it in s.items if it.command == MAV_CMD_NAV_WAYPOINT and it.seq > 0][-1]
        rtl = LineString([site.frame.to_xy(last.lat, last.lon), site.frame.to_xy(*site.info.home)])
        assert rtl.distance(zones) >= site.patrol.nofly_margin_m - 1


def flight_time_from_items(site, sortie) -> float:
    """Recompute a sortie's time from its mission items alone, as the vehicle would fly them."""
    return mission_time_s(sortie.items, site.frame, site.info.home, FlightModel(site.vehicle, sortie.altitude_m))


@pytest.mark.parametrize("name", SITES)
def test_every_sortie_fits_its_battery(plans, name):
    site, plan = plans[name]
    usable = site.vehicle.usable_s
    for s in plan.sorties:
        assert s.flight_time_s <= usable + 1e-6
        assert s.battery_fraction <= 1 - site.vehicle.reserve_fraction + 1e-6
        # independent of the splitter's bookkeeping: the items themselves fit
        assert flight_time_from_items(site, s) <= usable * 1.01, f"sortie {s.index}"


@pytest.mark.parametrize("name", SITES)
def test_coverage_reached(plans, name):
    _, plan = plans[name]
    for a in plan.areas:
        assert a.coverage_fraction >= 0.995
        assert a.coverage_fraction_all >= a.coverage_fraction


@pytest.mark.parametrize("name", SITES)
def test_items_follow_ardupilot_semantics(plans, name):
    site, plan = plans[name]
    for s in plan.sorties:
        items = s.items
        assert [it.seq for it in items] == list(range(len(items)))
        assert items[0].command == MAV_CMD_NAV_WAYPOINT and items[0].frame == MAV_FRAME_GLOBAL
        assert (items[0].lat, items[0].lon) == site.info.home
        assert items[1].command == MAV_CMD_NAV_TAKEOFF and items[1].alt == s.altitude_m
        assert items[2].command == MAV_CMD_DO_CHANGE_SPEED and items[2].param2 == site.vehicle.cruise_speed_mps
        assert items[-1].command == MAV_CMD_NAV_RETURN_TO_LAUNCH
        assert len(items) <= site.vehicle.max_mission_items
        for it in items[3:-1]:
            assert it.frame == MAV_FRAME_GLOBAL_RELATIVE_ALT and it.alt == s.altitude_m
            assert it.command in (MAV_CMD_NAV_WAYPOINT, MAV_CMD_NAV_LOITER_TURNS)
            if it.command == MAV_CMD_NAV_LOITER_TURNS:
                assert it.param3 == int(it.param3) and 1 <= it.param3 <= 255  # AP_Mission keeps whole metres
                assert it.param1 >= 1


def test_every_hotspot_is_orbited_high_priority_first(plans):
    site, plan = plans["jinji"]
    orbits = [(s.index, it.area) for s in plan.sorties for it in s.items if it.command == MAV_CMD_NAV_LOITER_TURNS]
    assert {a for _, a in orbits} == {h.name for h in site.hotspots}
    assert orbits[0][1] == "Yongchangjing site"  # the high-priority dumping site comes first


@pytest.mark.parametrize("name", SITES)
def test_revisit_intervals_are_kept(plans, name):
    site, plan = plans[name]
    for h in plan.hotspots:
        if h.revisit_min:
            assert h.max_gap_min <= h.revisit_min + 0.01, h


def test_three_drones_share_the_work():
    site = load_site(EXAMPLES / "jinji.yaml")
    one = plan_patrol(site, drones=1, patterns=["coverage", "shoreline"])
    three = plan_patrol(site, drones=3, patterns=["coverage", "shoreline"])
    assert three.makespan_s <= one.makespan_s / 2.5
    assert {s.drone for s in three.sorties} == {1, 2, 3}
    for d in (1, 2, 3):
        mine = sorted((s for s in three.sorties if s.drone == d), key=lambda s: s.start_s)
        assert len({s.altitude_m for s in mine}) == 1
        assert mine[0].altitude_m == site.patrol.altitude_m + (d - 1) * site.patrol.drone_separation_m
        for a, b in zip(mine, mine[1:]):
            assert b.start_s >= a.end_s + site.vehicle.turnaround_s - 1e-6
    assert max(s.end_s for s in three.sorties) == pytest.approx(three.makespan_s)
    # the same water is covered, only shared out
    assert three.areas[0].coverage_fraction >= 0.995


def test_patterns_can_be_chosen():
    site = load_site(EXAMPLES / "qingjian.yaml")
    only = plan_patrol(site, patterns=["hotspots"])
    patterns = {leg.pattern for s in only.sorties for leg in s.legs}
    assert patterns <= {"hotspot", "transit"} and "hotspot" in patterns
    shore = plan_patrol(site, patterns=["shoreline"])
    assert {leg.pattern for s in shore.sorties for leg in s.legs} <= {"shoreline", "transit"}
    assert shore.areas[0].coverage_fraction is None


def test_hotspot_out_of_battery_range_is_named(site_doc):
    site_doc["vehicle"]["endurance_s"] = 900
    site_doc["hotspots"].append({"name": "Far quarry", "kind": "dumping", "lat": 31.3300, "lon": 120.7400,
                                 "radius_m": 100, "priority": "low"})
    site_doc["site"]["max_range_km"] = 50
    site = parse_site(site_doc)
    with pytest.raises(PlanningError, match="hotspot 'Far quarry' is out of battery range"):
        plan_patrol(site)


def test_drone_stacking_above_the_ceiling_is_refused(site_doc):
    site_doc["patrol"]["altitude_m"] = 115
    with pytest.raises(PlanningError, match=r"115 \+ 2 x patrol.drone_separation_m 5 = 125 m exceeds"):
        plan_patrol(parse_site(site_doc), drones=3)


def test_plan_is_deterministic():
    site = load_site(EXAMPLES / "qingjian.yaml")
    a, b = plan_patrol(site), plan_patrol(site)
    assert [it.mavlink() for s in a.sorties for it in s.items] == [it.mavlink() for s in b.sorties for it in s.items]
