"""The site config as typed, validated objects. Built only by `missions.site.loader`."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property

from ..geo import LocalFrame
from .agencies import DEFAULT_AGENCIES, Agency, Routing, default_routing
from .failsafe import FailsafePolicy

PATTERNS = ("coverage", "shoreline", "hotspots")
HOTSPOT_KINDS = ("dumping", "fishing", "swimming", "pollution", "other")
PRIORITIES = ("high", "medium", "low")

LatLon = tuple[float, float]
Ring = tuple[LatLon, ...]


@dataclass(frozen=True)
class PolygonLL:
    """One water polygon in WGS84: its shore and its islands."""

    exterior: Ring
    holes: tuple[Ring, ...] = ()


@dataclass(frozen=True)
class SiteInfo:
    name: str
    home: LatLon
    water_level_m: float = 0.0  # water surface relative to home; negative when the dock stands above it
    timezone: str = "Asia/Shanghai"
    max_range_km: float = 30.0  # a point farther than this from home is a typo (swapped lat/lon, say)


@dataclass(frozen=True)
class Vehicle:
    """What the planner must know about the drone. Defaults follow ArduCopter's."""

    cruise_speed_mps: float = 10.0
    endurance_s: float = 1800.0
    reserve_fraction: float = 0.25
    max_altitude_m: float = 120.0
    climb_speed_mps: float = 2.5   # WPNAV_SPEED_UP
    descent_speed_mps: float = 1.5  # WPNAV_SPEED_DN, used by LAND above LAND_ALT_LOW
    land_speed_mps: float = 0.5    # LAND_SPEED, the last 10 m
    accel_mps2: float = 2.5        # WPNAV_ACCEL: braking for turns at waypoints
    turnaround_s: float = 300.0    # landed to airborne again: battery swap or charge
    max_mission_items: int = 700
    planning_wind_mps: float = 0.0  # headwind assumed on the way home

    @property
    def usable_s(self) -> float:
        return self.endurance_s * (1.0 - self.reserve_fraction)


@dataclass(frozen=True)
class Camera:
    hfov_deg: float = 82.0
    width_px: int = 1920
    height_px: int = 1080

    @property
    def vfov_deg(self) -> float:
        h = math.tan(math.radians(self.hfov_deg) / 2) * self.height_px / self.width_px
        return math.degrees(2 * math.atan(h))

    def footprint_m(self, altitude_m: float) -> tuple[float, float]:
        """(across-track, along-track) ground footprint of a nadir frame at this height."""
        w = 2 * altitude_m * math.tan(math.radians(self.hfov_deg) / 2)
        return w, w * self.height_px / self.width_px

    def altitude_for_gsd(self, gsd_m: float) -> float:
        return gsd_m * self.width_px / (2 * math.tan(math.radians(self.hfov_deg) / 2))


@dataclass(frozen=True)
class Patrol:
    altitude_m: float
    side_overlap: float = 0.2
    shore_margin_m: float = 10.0
    nofly_margin_m: float = 25.0   # stand-off kept from every no-fly zone, transit included
    orbit_turns: int = 1
    patterns: tuple[str, ...] = PATTERNS
    drone_separation_m: float = 5.0  # each extra drone flies this much higher, so tracks never meet


@dataclass(frozen=True)
class Area:
    name: str
    polygons: tuple[PolygonLL, ...]
    kind: str = "lake"


@dataclass(frozen=True)
class Hotspot:
    name: str
    kind: str
    center: LatLon
    radius_m: float = 100.0
    priority: str = "medium"
    revisit_min: float | None = None
    orbit_turns: int | None = None

    @property
    def rank(self) -> int:
        """0 for high priority, larger for lower."""
        return PRIORITIES.index(self.priority)


@dataclass(frozen=True)
class NoFlyZone:
    name: str
    polygon: Ring | None = None
    circle: tuple[LatLon, float] | None = None  # (centre, radius_m)


@dataclass(frozen=True)
class Site:
    info: SiteInfo
    vehicle: Vehicle
    camera: Camera
    patrol: Patrol
    areas: tuple[Area, ...]
    hotspots: tuple[Hotspot, ...] = ()
    no_fly: tuple[NoFlyZone, ...] = ()
    source: str = "<memory>"
    failsafe: FailsafePolicy = field(default_factory=FailsafePolicy)
    agencies: tuple[Agency, ...] = DEFAULT_AGENCIES  # partner agencies that receive tickets
    routing: Routing = field(default_factory=default_routing)
    extra: dict = field(default_factory=dict, compare=False)  # sections owned by later stages (routing...)
    path: str | None = field(default=None, compare=False)     # the file it was loaded from (absolute), if any

    @cached_property
    def frame(self) -> LocalFrame:
        return LocalFrame.around(*self.info.home)

    @property
    def name(self) -> str:
        return self.info.name

    @property
    def footprint_m(self) -> tuple[float, float]:
        return self.camera.footprint_m(self.patrol.altitude_m)

    @property
    def swath_m(self) -> float:
        """Spacing of parallel sweeps: footprint width less the side overlap."""
        return self.footprint_m[0] * (1.0 - self.patrol.side_overlap)
