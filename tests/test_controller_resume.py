"""What is left of an interrupted sortie: started just before where it stopped, state restored."""
from __future__ import annotations

import math

import pytest

from controller.flight.resume import kept_commands, resume_items
from missions.plan import (MAV_CMD_DO_CHANGE_SPEED, MAV_CMD_NAV_LOITER_TURNS, MAV_CMD_NAV_RETURN_TO_LAUNCH,
                           MAV_CMD_NAV_TAKEOFF, MAV_CMD_NAV_WAYPOINT, MissionItem)
from missions.site import SiteGeometry
from missions.transit import Transit

from .controller_support import pond

DO_SET_CAM_TRIGG_DIST = 206
SITE = pond()
F = SITE.frame
HOME = SITE.info.home


def wp(lat, lon, pattern="coverage"):
    return MissionItem(0, MAV_CMD_NAV_WAYPOINT, 3, lat=lat, lon=lon, alt=50, pattern=pattern, area="Pond")


def mission():
    items = [MissionItem(0, MAV_CMD_NAV_WAYPOINT, 0, lat=HOME[0], lon=HOME[1]),
             MissionItem(0, MAV_CMD_NAV_TAKEOFF, 3, lat=HOME[0], lon=HOME[1], alt=50),
             MissionItem(0, MAV_CMD_DO_CHANGE_SPEED, 3, param1=1, param2=10, param3=-1),
             wp(31.3130, 120.6795, "transit"),
             MissionItem(0, DO_SET_CAM_TRIGG_DIST, 3, param1=25),
             wp(31.3160, 120.6795),
             wp(31.3160, 120.6802),
             MissionItem(0, MAV_CMD_DO_CHANGE_SPEED, 3, param1=1, param2=8, param3=-1),
             wp(31.3131, 120.6802),
             MissionItem(0, MAV_CMD_NAV_LOITER_TURNS, 3, param1=1, param3=50, lat=31.3116, lon=120.6832, alt=50,
                         pattern="hotspot", area="Reed bed"),
             MissionItem(0, MAV_CMD_NAV_RETURN_TO_LAUNCH, 3)]
    return [MissionItem(**{**it.__dict__, "seq": k}) for k, it in enumerate(items)]


def test_resume_starts_the_overlap_before_where_the_sweep_stopped():
    items = mission()
    # it left AUTO two thirds of the way up the sweep into item 8 (from item 6's corner)
    a, b = F.to_xy(31.3160, 120.6802), F.to_xy(31.3131, 120.6802)
    stop = (a[0] + (b[0] - a[0]) * 2 / 3, a[1] + (b[1] - a[1]) * 2 / 3)
    out = resume_items(items, 8, F.to_latlon(*stop), F, overlap_m=20.0)
    start = next(it for it in out[2:] if it.command == MAV_CMD_NAV_WAYPOINT)
    back = math.dist(F.to_xy(start.lat, start.lon), stop)
    assert back == pytest.approx(20.0, abs=0.5)  # exactly the overlap, on the same line
    assert math.dist(F.to_xy(start.lat, start.lon), a) + back == pytest.approx(math.dist(a, stop), abs=0.5)
    assert start.pattern == "coverage" and start.area == "Pond"
    # the rest of the sortie follows unchanged, renumbered
    assert [(it.command, it.lat, it.lon) for it in out[-3:]] == [(it.command, it.lat, it.lon) for it in items[-3:]]
    assert [it.seq for it in out] == list(range(len(out)))


def test_speed_and_camera_commands_in_force_are_kept():
    items = mission()
    out = resume_items(items, 8, (31.3150, 120.6802), F, overlap_m=20.0)
    kept = [it for it in out if it.command in (MAV_CMD_DO_CHANGE_SPEED, DO_SET_CAM_TRIGG_DIST)]
    # the last speed (8 m/s, set at item 7) and the camera trigger distance, before the resume point
    assert [(it.command, it.param1, it.param2) for it in kept] == [(DO_SET_CAM_TRIGG_DIST, 25, 0),
                                                                   (MAV_CMD_DO_CHANGE_SPEED, 1, 8)]
    assert out[1].command == MAV_CMD_NAV_TAKEOFF and out[0].seq == 0
    early = kept_commands(items, 5)  # before the second speed change: the first speed still holds
    assert [(it.command, it.param2) for it in early] == [(MAV_CMD_DO_CHANGE_SPEED, 10), (DO_SET_CAM_TRIGG_DIST, 0)]


def test_a_transit_leg_is_skipped_and_an_orbit_flown_again_whole():
    items = mission()
    out = resume_items(items, 3, (31.3120, 120.6790), F, overlap_m=20.0)
    assert [it.mavlink() for it in out[3:]] == [it.mavlink() for it in items[3:]]  # a transit leg: straight to its end
    out = resume_items(items, 9, (31.3125, 120.6820), F, overlap_m=20.0)
    assert out[-2].command == MAV_CMD_NAV_LOITER_TURNS and out[-2].param3 == 50
    assert not any(it.pattern == "coverage" for it in out)


def test_nothing_left_after_the_last_work():
    assert resume_items(mission(), 10, (31.31, 120.68), F, overlap_m=20.0) is None


def test_resume_routes_around_the_no_fly_zone():
    geo = SiteGeometry(SITE)
    items = mission()
    # from a point north-east of the substation to the north end of the sweeps: straight would cross it
    start = F.to_latlon(*(geo.nofly[0][1].centroid.x + 150, geo.nofly[0][1].centroid.y + 20))
    out = resume_items(items, 6, (31.3160, 120.6800), F, 20.0, Transit(geo.keepout), start=start)
    pts = [F.to_xy(*start)] + [F.to_xy(it.lat, it.lon) for it in out[2:] if it.command == MAV_CMD_NAV_WAYPOINT][:3]
    from shapely.geometry import LineString
    assert not LineString(pts).intersects(geo.nofly[0][1])
