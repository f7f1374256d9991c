"""QGroundControl .plan files: mission, geofence (the no-fly zones as exclusion fences) and a rally point at home."""
from __future__ import annotations

import json
from pathlib import Path

from ..errors import UserError
from ..plan import MAV_CMD_NAV_WAYPOINT, MAV_FRAME_GLOBAL, MAV_FRAME_GLOBAL_RELATIVE_ALT, MissionItem
from ..site.schema import Site

FIRMWARE_ARDUPILOT = 3
VEHICLE_QUADROTOR = 2


def _simple(it: MissionItem) -> dict:
    return {
        "type": "SimpleItem", "autoContinue": bool(it.autocontinue), "command": it.command, "doJumpId": it.seq,
        "frame": it.frame, "params": [it.param1, it.param2, it.param3, it.param4, it.lat, it.lon, it.alt],
        "AMSLAltAboveTerrain": None, "Altitude": it.alt,
        "AltitudeMode": 1 if it.frame == MAV_FRAME_GLOBAL_RELATIVE_ALT else 2,
    }


def geofence(site: Site) -> dict:
    circles, polygons = [], []
    for z in site.no_fly:
        if z.circle is not None:
            (lat, lon), r = z.circle
            circles.append({"circle": {"center": [lat, lon], "radius": r}, "inclusion": False, "version": 1})
        else:
            polygons.append({"inclusion": False, "polygon": [[lat, lon] for lat, lon in z.polygon], "version": 1})
    return {"circles": circles, "polygons": polygons, "version": 2}


def plan_document(items: list[MissionItem], site: Site, cruise_speed: float) -> dict:
    home = items[0]
    return {
        "fileType": "Plan", "version": 1, "groundStation": "waterpatrol",
        "mission": {
            "version": 2, "firmwareType": FIRMWARE_ARDUPILOT, "vehicleType": VEHICLE_QUADROTOR,
            "cruiseSpeed": cruise_speed, "hoverSpeed": cruise_speed,
            "plannedHomePosition": [home.lat, home.lon, home.alt],
            "items": [_simple(it) for it in items[1:]],
        },
        "geoFence": geofence(site),
        "rallyPoints": {"points": [[site.info.home[0], site.info.home[1], site.patrol.altitude_m]], "version": 2},
    }


def write_plan(items: list[MissionItem], site: Site, path: Path) -> None:
    path.write_text(json.dumps(plan_document(items, site, site.vehicle.cruise_speed_mps), indent=2), encoding="utf-8")


def read_plan(path: Path) -> tuple[list[MissionItem], dict]:
    """(items with home as item 0, the geoFence section)."""
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
        m = doc["mission"]
        lat, lon, alt = m["plannedHomePosition"]
        items = [MissionItem(0, MAV_CMD_NAV_WAYPOINT, MAV_FRAME_GLOBAL, lat=lat, lon=lon, alt=alt)]
        for k, it in enumerate(m["items"], start=1):
            if it.get("type") != "SimpleItem":
                raise UserError(f"{path}: mission.items[{k - 1}]: only SimpleItem is supported, got {it.get('type')!r}")
            p = [0.0 if v is None else float(v) for v in it["params"]]
            items.append(MissionItem(k, int(it["command"]), int(it["frame"]), *p, autocontinue=int(bool(it["autoContinue"]))))
        return items, doc.get("geoFence", {})
    except (KeyError, TypeError, ValueError, json.JSONDecodeError) as exc:
        raise UserError(f"{path}: not a QGroundControl plan ({exc.__class__.__name__}: {exc})") from None
