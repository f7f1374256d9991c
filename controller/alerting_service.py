"""The chain from frames to partners for one patrol, started and stopped as one: the ticket server
(outbox, CURVE keys), the vision pipeline and the alert hook that joins them.

`waterpatrol run` and `waterpatrol demo` both use it, so the demo exercises the same code path a
field deployment runs. Restart-safe: the outbox survives, and tickets already raised are handed to
the hook so that an object confirmed again after a restart updates its ticket instead of opening a
second one.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .alerting import AlertHook, known_tickets

log = logging.getLogger("waterpatrol.alerting")


@dataclass
class AlertingService:
    server: object | None   # controller.tickets.TicketServer; None: detect and confirm only
    hook: AlertHook
    endpoint: str = ""
    outbox_path: Path | None = None
    keys_dir: Path | None = None

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()


def site_water_lonlat(site):
    """The site's water (every area, islands cut out) as one shapely geometry in lon/lat, for vision."""
    import shapely
    from shapely.geometry import Polygon

    polys = [Polygon([(lon, lat) for lat, lon in p.exterior], [[(lon, lat) for lat, lon in h] for h in p.holes])
             for a in site.areas for p in a.polygons]
    return shapely.union_all(polys)


def vision_for(site, weights=None, conf: float | None = None):
    from vision.pipeline import FramePipeline as VisionPipeline

    return VisionPipeline(water_level_m=site.info.water_level_m, weights=weights, conf=conf,
                          water=site_water_lonlat(site))


def start_detect_only(site, weights=None, conf: float | None = None) -> AlertingService:
    vision = vision_for(site, weights, conf)
    return AlertingService(None, AlertHook(vision, None, mission="detect-only"))


def ensure_keys(site, keys_dir: Path) -> list[str]:
    """Create the server's key pair and each agency's where missing; returns the names created.

    A new agency key must reach that agency (its .key_secret file) before it can connect; until
    then its tickets wait in the outbox."""
    from .tickets.keys import SERVER, new_keypair, paths

    made = []
    for name in [SERVER, *(a.name for a in site.agencies)]:
        if not paths(keys_dir, name)[0].exists():
            new_keypair(name, keys_dir)
            made.append(name)
    return made


def mission_id(mission_db: Path, site) -> str:
    """Stable for one run folder, across restarts: kept in the mission log's meta table."""
    from .flight.missionlog import MissionLog

    ml = MissionLog(mission_db)
    try:
        m = ml.meta("mission_id")
        if not m:
            m = f"{site.name.lower().replace(' ', '-')}-{time.strftime('%Y%m%d-%H%M%S')}"
            ml.set_meta("mission_id", m)
        return m
    finally:
        ml.close()


def start_alerting(site, *, outbox_path: Path, mission_db: Path, keys_dir: Path, bind: str, drones: int,
                   exercise: bool = False, now_vehicle_s: Callable[[], float] | None = None, weights=None, conf: float | None = None,
                   server_config=None) -> AlertingService:
    from .tickets import TicketServer
    from .tickets.outbox import Outbox
    from .tickets.server import ServerConfig

    outbox_path, keys_dir = Path(outbox_path), Path(keys_dir)
    outbox_path.parent.mkdir(parents=True, exist_ok=True)
    made = ensure_keys(site, keys_dir)
    if made:
        log.warning("new key pairs in %s for %s: hand each agency its .key_secret file", keys_dir, ", ".join(made))
    ob = Outbox(outbox_path)
    try:
        known = known_tickets(ob.all_latest())
    finally:
        ob.close()
    config = server_config or ServerConfig(bind=bind)
    server = TicketServer.for_site(site, outbox_path, keys_dir, config=config)
    endpoint = server.start()
    try:
        vision = vision_for(site, weights, conf)
        hook = AlertHook(vision, server.submit, mission=mission_id(mission_db, site), exercise=exercise,
                         drone_names={k: f"drone {k}" for k in range(1, drones + 1)}, now_vehicle_s=now_vehicle_s,
                         known=known)
    except BaseException:
        server.stop()
        raise
    return AlertingService(server, hook, endpoint, outbox_path, keys_dir)
