"""Turn a sortie's steps into MAVLink mission items with ArduPilot semantics, and into legs for maps."""
from __future__ import annotations

import math

import numpy as np

from .geo import LocalFrame
from .plan import (MAV_CMD_DO_CHANGE_SPEED, MAV_CMD_NAV_LOITER_TURNS, MAV_CMD_NAV_RETURN_TO_LAUNCH,
                   MAV_CMD_NAV_TAKEOFF, MAV_CMD_NAV_WAYPOINT, MAV_FRAME_GLOBAL, MAV_FRAME_GLOBAL_RELATIVE_ALT, Leg,
                   MissionItem)
from .sorties import SortiePath

SPEED_TYPE_GROUND = 1.0
ORBIT_DRAW_POINTS = 48


def mission_items(path: SortiePath, frame: LocalFrame, home_ll: tuple[float, float], altitude_m: float,
                  speed_mps: float) -> list[MissionItem]:
    """0 home, 1 NAV_TAKEOFF, 2 DO_CHANGE_SPEED, then waypoints and LOITER_TURNS, last NAV_RETURN_TO_LAUNCH."""
    lat0, lon0 = home_ll
    alt = round(altitude_m, 2)
    items = [
        MissionItem(0, MAV_CMD_NAV_WAYPOINT, MAV_FRAME_GLOBAL, lat=lat0, lon=lon0, alt=0.0, pattern="home"),
        MissionItem(1, MAV_CMD_NAV_TAKEOFF, MAV_FRAME_GLOBAL_RELATIVE_ALT, lat=lat0, lon=lon0, alt=alt, pattern="takeoff"),
        MissionItem(2, MAV_CMD_DO_CHANGE_SPEED, MAV_FRAME_GLOBAL_RELATIVE_ALT, param1=SPEED_TYPE_GROUND,
                    param2=round(speed_mps, 2), param3=-1.0, pattern="speed"),
    ]
    xy = np.array([st.xy for st in path.steps]) if path.steps else np.zeros((0, 2))
    ll = frame.latlon_array(xy) if len(xy) else xy
    for st, (lat, lon) in zip(path.steps, ll):
        seq = len(items)
        lat, lon = round(float(lat), 7), round(float(lon), 7)
        if st.kind == "orbit":
            o = st.orbit
            items.append(MissionItem(seq, MAV_CMD_NAV_LOITER_TURNS, MAV_FRAME_GLOBAL_RELATIVE_ALT,
                                     param1=float(o.turns), param3=float(o.radius_m), lat=lat, lon=lon, alt=alt,
                                     pattern="hotspot", area=o.hotspot))
        else:
            items.append(MissionItem(seq, MAV_CMD_NAV_WAYPOINT, MAV_FRAME_GLOBAL_RELATIVE_ALT, lat=lat, lon=lon,
                                     alt=alt, pattern=st.pattern, area=st.area))
    items.append(MissionItem(len(items), MAV_CMD_NAV_RETURN_TO_LAUNCH, MAV_FRAME_GLOBAL_RELATIVE_ALT, pattern="rtl"))
    return items


def flown_polyline(path: SortiePath, home_xy: tuple[float, float]) -> list[tuple[np.ndarray, str, str]]:
    """(points, pattern, area) pieces of the horizontal track, dock to dock, orbits drawn as circles."""
    pieces: list[tuple[list, str, str]] = []
    pos = home_xy

    def add(p, pattern, area):
        if pieces and pieces[-1][1] == pattern and pieces[-1][2] == area:
            pieces[-1][0].append(p)
        else:
            pieces.append(([pos, p], pattern, area))

    for st in path.steps:
        if st.kind == "orbit":
            o = st.orbit
            entry = o.entry_from(pos)
            add(entry, "hotspot", o.hotspot)
            pos = entry
            a0 = math.atan2(entry[1] - o.center[1], entry[0] - o.center[0])
            for k in range(1, ORBIT_DRAW_POINTS * o.turns + 1):
                a = a0 - 2 * math.pi * k / ORBIT_DRAW_POINTS  # positive radius: clockwise
                add((o.center[0] + o.radius_m * math.cos(a), o.center[1] + o.radius_m * math.sin(a)), "hotspot", o.hotspot)
            pos = entry
        else:
            add(st.xy, st.pattern, st.area)
            pos = st.xy
    add(home_xy, "transit", "")
    return [(np.asarray(p, dtype=float), pat, area) for p, pat, area in pieces]


def legs(path: SortiePath, frame: LocalFrame, home_xy: tuple[float, float]) -> list[Leg]:
    out = []
    for pts, pattern, area in flown_polyline(path, home_xy):
        length = float(np.hypot(*np.diff(pts, axis=0).T).sum()) if len(pts) > 1 else 0.0
        ll = frame.latlon_array(pts)
        out.append(Leg(pattern, area, [(round(float(a), 7), round(float(b), 7)) for a, b in ll], round(length, 1)))
    return out
