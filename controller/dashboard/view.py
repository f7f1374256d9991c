"""What the page shows, read from the durable stores: the mission log (sorties, reached items, track,
events, each drone's live row) and the ticket outbox. Plain dicts, ready for JSON; no web code here.

Every method runs on one thread (the server's database worker): SQLite connections stay on the
thread that opened them, and reads never interleave.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

from missions.errors import UserError
from missions.exports.geojson import site_features
from missions.plan import MAV_CMD_NAV_RETURN_TO_LAUNCH, NAV_COMMANDS
from missions.site import Site

from ..flight.missionlog import MissionLog

FINISHED = ("done", "aborted", "failed")   # a DroneRunner's states after its last sortie
STALE_S = 5.0          # a live row older than this: the controller is not updating it (stopped, or hung)
EVENTS_SHOWN = 30
TICKETS_SHOWN = 200


def mission_db(run_dir: Path) -> Path:
    """The run folder's mission log, which must exist (opening a missing one would create it)."""
    db = Path(run_dir) / "mission.db"
    if not db.is_file():
        raise UserError(f"--out {run_dir}: no patrol there (no mission.db; give the folder of a `waterpatrol run`)")
    return db


def map_config(site: Site) -> dict | None:
    """A site's optional offline background: `<site>.map.json` beside the site file.

    {"tiles": "folder/{z}/{x}/{y}.png", "max_zoom": 19, "attribution": "..."}  XYZ tiles on disk, or
    {"image": "photo.jpg", "bounds": {"south": .., "west": .., "north": .., "east": ..}}  one picture.
    Paths are relative to the site file."""
    if not site.path:
        return None
    src = Path(site.path)
    path = src.with_name(src.stem + ".map.json")
    if not path.is_file():
        return None
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        if "tiles" in doc:
            tiles = str(doc["tiles"])
            if "{z}" not in tiles or "{x}" not in tiles or "{y}" not in tiles:
                raise ValueError("'tiles' must contain {z}, {x} and {y}")
            return {"kind": "tiles", "pattern": str(path.parent / tiles), "max_zoom": int(doc.get("max_zoom", 19)),
                    "attribution": str(doc.get("attribution", ""))}
        if "image" in doc:
            b = doc["bounds"]
            bounds = [[float(b["south"]), float(b["west"])], [float(b["north"]), float(b["east"])]]
            image = path.parent / str(doc["image"])
            if not image.is_file():
                raise ValueError(f"no image {image}")
            return {"kind": "image", "path": str(image), "bounds": bounds,
                    "attribution": str(doc.get("attribution", ""))}
        raise ValueError("give 'tiles' or 'image'")
    except (ValueError, KeyError, TypeError) as exc:
        raise UserError(f"{path}: not a usable map background ({exc})") from None


def _route(items) -> list[list]:
    """The sortie's path as [lat, lon, seq]: home, every located navigation item, home again."""
    pts = []
    for it in items:
        if it.command == MAV_CMD_NAV_RETURN_TO_LAUNCH and pts:
            pts.append([pts[0][0], pts[0][1], it.seq])
        elif (it.command in NAV_COMMANDS or it.seq == 0) and (it.lat or it.lon):
            pts.append([round(it.lat, 7), round(it.lon, 7), it.seq])
    return pts


def _delivery_state(rows, agency: str) -> str:
    mine = [d for d in rows if d.agency == agency and not d.superseded]
    latest = max(mine, key=lambda d: d.version, default=None)
    if latest is None:
        return "-"
    return "acked" if latest.acked_at else "sent" if latest.seq else "held"


def ticket_summary(doc: dict, deliveries) -> dict:
    lon, lat = doc["location"]["point"]["coordinates"][:2]
    ev = {e["name"]: e["sha256"] for e in doc.get("evidence", [])}
    return {
        "id": doc["id"], "version": doc["version"], "type": doc["type"], "status": doc["status"],
        "observation": doc.get("observation"), "urgency": doc["urgency"], "severity": doc["severity"],
        "lat": lat, "lon": lon, "uncertainty_m": doc["location"]["uncertainty_m"],
        "area": doc["location"].get("area"), "hotspot": doc["location"].get("hotspot"),
        "first_seen": doc["first_seen"], "last_seen": doc["last_seen"], "updated": doc["updated"],
        "sightings": doc["sightings"], "confidence": doc["confidence"], "headline": doc["headline"],
        "drone": doc["drone"], "exercise": doc["exercise"], "timezone": doc["timezone"],
        "agencies": [{"name": a["name"], "status": a["status"], "updated": a["updated"],
                      "delivery": _delivery_state(deliveries, a["name"])} for a in doc["agencies"]],
        "crop": ev.get("crop"), "frame": ev.get("frame"),
    }


class RunView:
    def __init__(self, run_dir: Path, site: Site, outbox: Path | None = None):
        self.run_dir = Path(run_dir)
        self.site = site
        self.log = MissionLog(mission_db(self.run_dir))
        self.outbox_path = Path(outbox) if outbox else None
        self._outbox = None
        self._tickets: tuple[int, dict] | None = None
        self.background = map_config(site)

    def close(self) -> None:
        self.log.close()
        if self._outbox is not None:
            self._outbox.close()

    # ---- what does not change while a patrol flies --------------------------------------------------
    def map_layers(self) -> dict:
        bg = None
        if self.background:
            bg = {k: v for k, v in self.background.items() if k not in ("pattern", "path")}
        return {"site": self.site.name, "home": list(self.site.info.home), "timezone": self.site.info.timezone,
                "layers": {"type": "FeatureCollection", "features": site_features(self.site)},
                "background": bg}

    # ---- what changes ----------------------------------------------------------------------------------
    def outbox(self):
        """The outbox, once it exists (a ticket server may create it after the dashboard starts)."""
        if self._outbox is None and self.outbox_path is not None and self.outbox_path.is_file():
            from ..tickets.outbox import Outbox
            self._outbox = Outbox(self.outbox_path, must_exist=True)
        return self._outbox

    def drones(self, now: float | None = None) -> list[dict]:
        now = time.time() if now is None else now
        out = []
        for _, (t, doc) in self.log.live().items():
            out.append({**doc, "age_s": round(now - t, 1), "stale": now - t > STALE_S})
        return out

    def sorties(self) -> list[dict]:
        reached: dict[int, set] = {}
        for sid, seq in self.log.reached_all():
            reached.setdefault(sid, set()).add(seq)
        out = []
        for r in self.log.sorties():
            nav = {it.seq for it in r.items if it.command in NAV_COMMANDS and it.seq > 0}
            out.append({"id": r.id, "plan_index": r.plan_index, "drone": r.drone, "parent": r.parent,
                        "status": r.status, "note": r.note, "last_reached": r.last_reached,
                        "reached": len(nav & reached.get(r.id, set())), "nav_items": len(nav),
                        "items": len(r.items), "started": r.started, "ended": r.ended})
        return out

    def routes(self, sortie_ids) -> dict[int, list]:
        wanted = set(sortie_ids)
        return {r.id: _route(r.items) for r in self.log.sorties() if r.id in wanted}

    def track_after(self, rowid: int) -> tuple[int, dict[int, list]]:
        """New track points per drone as [lat, lon, alt], and the cursor for next time."""
        rows = self.log.track_after(rowid)
        by: dict[int, list] = {}
        for rid, drone, t, lat, lon, alt, mode, seq, batt in rows:
            if lat is not None:
                by.setdefault(drone, []).append([round(lat, 7), round(lon, 7), round(alt or 0.0, 1)])
        return (rows[-1][0] if rows else rowid), by

    def events(self) -> list[dict]:
        return [{"id": i, "t": t, "drone": d, "kind": k, "detail": detail}
                for i, t, d, _s, k, detail in self.log.events_recent(EVENTS_SHOWN)]

    def tickets(self) -> dict:
        ob = self.outbox()
        if ob is None:
            return {"list": [], "counts": {"held": 0, "unacked": 0, "acked": 0}}
        version = ob.data_version()  # changes when a writer (the ticket server) commits
        if self._tickets is None or self._tickets[0] != version:
            docs = ob.all_latest(TICKETS_SHOWN)
            self._tickets = (version, {"list": [ticket_summary(d, ob.deliveries_of(d["id"])) for d in docs],
                                       "counts": ob.counts()})
        return self._tickets[1]

    def ticket(self, ticket_id: str) -> dict | None:
        ob = self.outbox()
        if ob is None or ob.latest(ticket_id) is None:
            return None
        doc = ob.ticket_doc(ticket_id)
        rows = ob.deliveries_of(ticket_id)
        return {"summary": ticket_summary(doc, rows), "doc": doc,
                "deliveries": [{"agency": d.agency, "version": d.version, "committed_at": d.committed_at,
                                "due_at": d.due_at, "seq": d.seq, "superseded": d.superseded, "acked_at": d.acked_at}
                               for d in rows]}

    def evidence(self, sha256: str) -> bytes | None:
        ob = self.outbox()
        return None if ob is None else ob.blob(sha256)

    def abort_target(self, drone: int, now: float | None = None) -> str | None:
        """Why drone `drone` cannot be aborted from here now, or None when it can."""
        now = time.time() if now is None else now
        live = self.log.live()
        if drone not in live:
            return f"no drone {drone} in this patrol"
        t, doc = live[drone]
        if now - t > STALE_S:
            return "the controller is not running (its live status is old): nothing would act on an abort"
        if doc.get("aborting"):
            return f"drone {drone} is already returning after an abort"
        if doc.get("state") in FINISHED:
            return f"drone {drone} has finished ({doc['state']})"
        return None

    def request_abort(self, drone: int) -> None:
        self.log.request(f"abort:{drone}")
