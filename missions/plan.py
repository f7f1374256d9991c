"""PatrolPlan: what the planner hands the controller, and what the exports are written from.

Sorties are MAVLink mission items with ArduPilot semantics (item 0 home, NAV_TAKEOFF,
DO_CHANGE_SPEED, NAV_WAYPOINT, NAV_LOITER_TURNS over hotspots, NAV_RETURN_TO_LAUNCH), plus the
figures a person asks for. Stored and exchanged in WGS84; `to_dict`/`from_dict` round-trip exactly.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

PLAN_VERSION = 1

# MAV_CMD and MAV_FRAME values used by plans (MAVLink common.xml)
MAV_CMD_NAV_WAYPOINT = 16
MAV_CMD_NAV_LOITER_TURNS = 18
MAV_CMD_NAV_RETURN_TO_LAUNCH = 20
MAV_CMD_NAV_LAND = 21
MAV_CMD_NAV_TAKEOFF = 22
MAV_CMD_DO_CHANGE_SPEED = 178
MAV_FRAME_GLOBAL = 0
MAV_FRAME_GLOBAL_RELATIVE_ALT = 3
NAV_COMMANDS = {MAV_CMD_NAV_WAYPOINT, MAV_CMD_NAV_LOITER_TURNS, MAV_CMD_NAV_RETURN_TO_LAUNCH,
                MAV_CMD_NAV_LAND, MAV_CMD_NAV_TAKEOFF}

PATTERN_NAMES = ("coverage", "shoreline", "hotspot", "transit")


@dataclass(frozen=True)
class MissionItem:
    seq: int
    command: int
    frame: int
    param1: float = 0.0
    param2: float = 0.0
    param3: float = 0.0
    param4: float = 0.0
    lat: float = 0.0
    lon: float = 0.0
    alt: float = 0.0
    autocontinue: int = 1
    pattern: str = ""  # what the item is for (annotation; not part of MAVLink)
    area: str = ""     # area or hotspot it serves (annotation)

    def mavlink(self) -> tuple:
        """The fields a vehicle stores, for comparing an uploaded mission with what was read back."""
        return (self.seq, self.command, self.frame, self.param1, self.param2, self.param3, self.param4,
                round(self.lat, 7), round(self.lon, 7), round(self.alt, 2), self.autocontinue)


@dataclass
class Leg:
    pattern: str                     # coverage, shoreline, hotspot or transit
    area: str                        # area or hotspot name ("" for transit)
    coords: list[tuple[float, float]]  # (lat, lon)
    length_m: float


@dataclass
class Sortie:
    index: int   # 1-based, in the order they were cut from the patrol
    drone: int   # 1-based
    altitude_m: float
    items: list[MissionItem]
    legs: list[Leg]
    length_m: float
    work_length_m: float    # camera work: sweeps, shoreline, orbits
    flight_time_s: float    # takeoff to landed
    battery_fraction: float  # of the full battery, reserve not yet used
    start_s: float = 0.0    # scheduled takeoff, seconds after the patrol starts
    end_s: float = 0.0
    areas: list[str] = field(default_factory=list)
    hotspots: list[str] = field(default_factory=list)
    covered_km2: float = 0.0  # water this sortie's camera work sees


@dataclass
class AreaFigures:
    name: str
    water_km2: float
    swath_m: float
    strategy: str | None            # lawnmower or contour; None when coverage was not planned
    sweep_heading_deg: float | None
    coverage_length_m: float
    lower_bound_m: float
    ratio: float | None
    coverage_fraction: float | None
    coverage_fraction_all: float
    turns: int
    sweeps: int
    cells: int
    shoreline_length_m: float


@dataclass
class HotspotVisits:
    name: str
    priority: str
    times_s: list[float]
    revisit_min: float | None
    max_gap_min: float | None


@dataclass
class PatrolPlan:
    site: str
    home: tuple[float, float]
    altitude_m: float
    footprint_m: tuple[float, float]
    swath_m: float
    drones: int
    patterns: list[str]
    sorties: list[Sortie]
    areas: list[AreaFigures]
    hotspots: list[HotspotVisits]
    length_m: float
    flight_time_s: float
    makespan_s: float
    turns: int
    planning_s: float
    usable_s: float
    version: int = PLAN_VERSION

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "PatrolPlan":
        if d.get("version") != PLAN_VERSION:
            raise ValueError(f"plan version {d.get('version')!r} is not {PLAN_VERSION}")
        sorties = [Sortie(**{**s, "items": [MissionItem(**i) for i in s["items"]],
                             "legs": [Leg(**{**l, "coords": [tuple(c) for c in l["coords"]]}) for l in s["legs"]]})
                   for s in d["sorties"]]
        kw = {f.name: d[f.name] for f in fields(cls) if f.name in d}
        kw.update(sorties=sorties, areas=[AreaFigures(**a) for a in d["areas"]],
                  hotspots=[HotspotVisits(**h) for h in d["hotspots"]],
                  home=tuple(d["home"]), footprint_m=tuple(d["footprint_m"]))
        return cls(**kw)

    def sortie(self, index: int) -> Sortie:
        return next(s for s in self.sorties if s.index == index)
