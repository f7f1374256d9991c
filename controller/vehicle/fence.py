"""Geofence: the site's no-fly zones as exclusion fences, plus an altitude ceiling and a range circle.

Uploaded with the mission protocol's fence type (ArduPilot 4.x) and enabled through the FENCE_*
parameters; the vehicle then keeps out on its own, even if this controller dies.
"""
from __future__ import annotations

import math

from pymavlink import mavutil

from missions.plan import MissionItem
from missions.site import Site

from .mission import Mission
from .params import Params

M = mavutil.mavlink
FENCE_TYPE_ALT_MAX = 1
FENCE_TYPE_CIRCLE = 2
FENCE_TYPE_POLYGON = 4


def fence_items(site: Site) -> list[MissionItem]:
    items: list[MissionItem] = []
    for z in site.no_fly:
        if z.circle is not None:
            (lat, lon), r = z.circle
            items.append(MissionItem(len(items), M.MAV_CMD_NAV_FENCE_CIRCLE_EXCLUSION, M.MAV_FRAME_GLOBAL,
                                     param1=float(r), lat=lat, lon=lon))
        else:
            ring = list(z.polygon)
            if ring[0] == ring[-1]:
                ring = ring[:-1]
            for lat, lon in ring:
                items.append(MissionItem(len(items), M.MAV_CMD_NAV_FENCE_POLYGON_VERTEX_EXCLUSION, M.MAV_FRAME_GLOBAL,
                                         param1=float(len(ring)), lat=lat, lon=lon))
    return items


def fence_params(site: Site, radius_m: float) -> dict[str, float]:
    kinds = FENCE_TYPE_ALT_MAX | FENCE_TYPE_CIRCLE | (FENCE_TYPE_POLYGON if site.no_fly else 0)
    action = {"rtl": 1, "land": 2, "report": 0}[site.failsafe.fence]
    return {"FENCE_TYPE": kinds, "FENCE_ALT_MAX": site.vehicle.max_altitude_m, "FENCE_RADIUS": math.ceil(radius_m),
            "FENCE_ACTION": action, "FENCE_ENABLE": 1}


class Fence:
    def __init__(self, mission: Mission, params: Params):
        self.mission = mission
        self.params = params

    def apply(self, site: Site, radius_m: float) -> int:
        """Upload and verify the fence, then enable it; returns how many fence items it holds."""
        items = fence_items(site)
        self.params.set("FENCE_ENABLE", 0)  # a fence cannot be replaced while enabled and breached
        if items:
            self.mission.upload_verified(items, M.MAV_MISSION_TYPE_FENCE)
        else:
            self.mission.clear(M.MAV_MISSION_TYPE_FENCE)
        self.params.apply(fence_params(site, radius_m))
        return len(items)
