"""What is left of an interrupted sortie, as a mission that starts a little before where it stopped.

The drone left AUTO (battery cut, failsafe, abort, lost link) while flying towards item `exit_seq`.
If that leg was camera work, the new mission starts `overlap_m` before the point where it left,
so no water goes unseen and only the overlap is flown twice; a transit leg is simply skipped to
its end, an orbit is flown again whole. Speed and camera commands in force at that moment are
repeated at the start, so the vehicle resumes in the state it was in.
"""
from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from missions.geo import LocalFrame
from missions.plan import (MAV_CMD_NAV_LOITER_TURNS, MAV_CMD_NAV_RETURN_TO_LAUNCH, MAV_CMD_NAV_TAKEOFF,
                           MAV_CMD_NAV_WAYPOINT, MAV_FRAME_GLOBAL_RELATIVE_ALT, NAV_COMMANDS, MissionItem)
from missions.transit import Transit

WORK_PATTERNS = ("coverage", "shoreline")
FIRST_DO, LAST_DO = 176, 252  # MAV_CMD_DO_* range that changes vehicle state


def _is_nav(it: MissionItem) -> bool:
    return it.command in NAV_COMMANDS


def kept_commands(items: list[MissionItem], upto: int) -> list[MissionItem]:
    """The last of each DO command before item `upto`: the state to restore."""
    last: dict[int, MissionItem] = {}
    for it in items[1:upto]:
        if FIRST_DO <= it.command <= LAST_DO:
            last[it.command] = it
    return sorted(last.values(), key=lambda it: it.seq)


def resume_point(items: list[MissionItem], exit_seq: int, exit_pos: tuple[float, float] | None,
                 frame: LocalFrame, overlap_m: float) -> tuple[float, float] | None:
    """Where camera work restarts on the leg into `exit_seq`, or None to go straight to that item."""
    target = items[exit_seq]
    if target.command != MAV_CMD_NAV_WAYPOINT or target.pattern not in WORK_PATTERNS or exit_pos is None:
        return None
    prev = next((it for it in reversed(items[:exit_seq]) if _is_nav(it) and it.command != MAV_CMD_NAV_TAKEOFF), None)
    if prev is None:
        return None
    a = np.asarray(frame.to_xy(prev.lat, prev.lon))
    b = np.asarray(frame.to_xy(target.lat, target.lon))
    p = np.asarray(frame.to_xy(*exit_pos))
    ab = b - a
    L = float(np.hypot(*ab))
    if L < 1e-6:
        return None
    s = float(np.clip(np.dot(p - a, ab) / L, 0.0, L))
    s = max(s - overlap_m, 0.0)
    q = a + ab * (s / L)
    lat, lon = frame.to_latlon(*q)
    return float(lat), float(lon)


def resume_items(items: list[MissionItem], exit_seq: int, exit_pos: tuple[float, float] | None,
                 frame: LocalFrame, overlap_m: float, transit: Transit | None = None,
                 start: tuple[float, float] | None = None) -> list[MissionItem] | None:
    """A complete mission (home, takeoff, state, [transit], resume point, rest of the sortie), or None if nothing is left.

    `start` is where the drone will fly from (home after a landing, or where it is when resuming in
    the air); legs from there are routed around the no-fly zones.
    """
    rtl = next((i for i, it in enumerate(items) if it.command == MAV_CMD_NAV_RETURN_TO_LAUNCH), len(items))
    if exit_seq >= rtl:
        return None
    if exit_seq <= 2:
        return list(items)  # it had not started its work: fly it all again
    work_left = [it for it in items[exit_seq:rtl] if _is_nav(it) and it.pattern not in ("transit", "rtl", "")]
    if not work_left:
        return None
    target = items[exit_seq]
    alt = target.alt
    head = [items[0], items[1]] + [replace(it) for it in kept_commands(items, exit_seq)]
    point = resume_point(items, exit_seq, exit_pos, frame, overlap_m)
    first = point if point is not None else (target.lat, target.lon)
    via: list[MissionItem] = []
    if transit is not None and start is not None:
        a, b = frame.to_xy(*start), frame.to_xy(*first)
        if math.dist(a, b) > 1.0:
            _, path = transit.route(tuple(a), tuple(b))
            for x, y in path[1:-1]:
                lat, lon = frame.to_latlon(x, y)
                via.append(MissionItem(0, MAV_CMD_NAV_WAYPOINT, MAV_FRAME_GLOBAL_RELATIVE_ALT, lat=round(lat, 7),
                                       lon=round(lon, 7), alt=alt, pattern="transit"))
    if point is not None:
        via.append(MissionItem(0, MAV_CMD_NAV_WAYPOINT, MAV_FRAME_GLOBAL_RELATIVE_ALT, lat=round(point[0], 7),
                               lon=round(point[1], 7), alt=alt, pattern=target.pattern, area=target.area))
    out = head + via + list(items[exit_seq:])
    return [replace(it, seq=k) for k, it in enumerate(out)]


def first_work_index(items: list[MissionItem]) -> int:
    """Index a mid-air resume sets as current: the first item after the takeoff."""
    return 2 if len(items) > 2 else 1


def loiter_count(items: list[MissionItem]) -> int:
    return sum(1 for it in items if it.command == MAV_CMD_NAV_LOITER_TURNS)
