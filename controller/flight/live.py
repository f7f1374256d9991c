"""What the controller says about each drone as it is now, about once a second, in the mission log's
`live` table: the dashboard (and anything else on this machine) reads it from there, so it works the
same whether it runs inside `waterpatrol run` or beside it, and notices a dead controller by the age
of the rows.
"""
from __future__ import annotations

from ..vehicle.telemetry import Snapshot
from .drone import DroneStatus


def _r(x: float | None, nd: int = 1) -> float | None:
    return None if x is None else round(float(x), nd)


def live_doc(status: DroneStatus, snap: Snapshot, aborting: bool = False) -> dict:
    """One drone: the vehicle's telemetry (the truth) and the controller's view of its sortie."""
    p = status.progress
    doc = {
        "drone": status.drone, "conn": status.conn, "state": status.state, "sortie": status.sortie,
        "plan_index": status.plan_index, "mode": snap.mode, "armed": snap.armed, "link_ok": snap.link_ok,
        "heartbeat_age_s": _r(snap.heartbeat_age_s), "lat": _r(snap.lat, 7), "lon": _r(snap.lon, 7),
        "alt_m": _r(snap.alt_rel_m), "heading_deg": _r(snap.heading_deg, 0), "speed_mps": _r(snap.groundspeed_mps),
        "battery_pct": _r(snap.battery_pct, 0), "voltage_v": _r(snap.voltage_v, 2), "gps_fix": snap.gps_fix,
        "satellites": snap.satellites, "vehicle_s": _r(snap.boot_s), "frames": status.frames,
        "last_event": status.last_event, "aborting": aborting,
    }
    if p is not None:
        doc.update({"item": p.current, "items": p.total, "flown_m": _r(p.flown_m, 0), "left_m": _r(p.left_m, 0),
                    "eta_s": _r(p.eta_s, 0), "landing_pct": _r(p.landing_pct, 0), "home_pct": _r(p.home_pct, 0)})
    return doc
