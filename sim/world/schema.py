"""A world: the site's lake plus what is planted on and around it, with the weather it is seen in.

Built by `sim.world.loader` (from a YAML file) or `sim.world.generate` (at random); consumed by the
scene (renderer) and the ground-truth writer. Positions are WGS84; sizes metres; headings degrees
clockwise from true north, along the object's long axis (a boat's bow, a truck's cab).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .kinds import KINDS

LatLon = tuple[float, float]

WATER_COLORS = ("clear", "blue", "green", "algae", "silt")
LAND_STYLES = ("urban", "park", "rural", "mixed")


@dataclass(frozen=True)
class WorldObject:
    kind: str
    id: str
    lat: float                      # centre; for a line kind the middle of the line
    lon: float
    heading_deg: float = 0.0        # long axis; for a line kind from its first point to its last
    length_m: float = 0.0           # along the heading; for a line kind the length of the line
    width_m: float = 0.0            # across; for nets the float diameter
    color: str = ""
    line: tuple[LatLon, ...] = ()   # nets and jetties, in order
    people: int = 0                 # fishing boats
    rods: int = 0                   # fishing boats
    canopy: bool = False            # boats
    tipping: bool = False           # muck trucks: bed raised, a load sliding out behind
    flying: bool = False            # birds
    altitude_m: float = 0.0         # flying birds: height above the surface
    spacing_m: float = 0.0          # nets: distance between floats
    markers: bool = True            # nets: a marker buoy with a flag pole at each end
    variant: int = 0                # seeds the details of its look (shape of a pile, where people sit)

    @property
    def spec(self):
        return KINDS[self.kind]

    @property
    def cls(self) -> str | None:
        """The detector class, or None for a distractor."""
        return self.spec.cls

    @property
    def height_m(self) -> float:
        """Top of the object above the surface it stands on: the labelled box is its footprint times this."""
        if self.kind == "bird" and self.flying:
            return self.altitude_m + 0.2
        if self.kind == "muck_truck" and self.tipping:
            return 6.5          # the bed raised about 45 degrees
        if self.kind == "waste_pile":
            return round(min(0.5 + 0.12 * min(self.length_m, self.width_m), 4.0), 3)
        if self.kind == "fishing_boat" and (self.people or self.canopy):
            return 1.8          # standing people, a canopy
        return self.spec.height_m


@dataclass(frozen=True)
class Environment:
    """Light and weather the world is seen in by the SITL camera; datasets vary these per image."""

    water: str = "green"            # one of WATER_COLORS
    sun_elevation_deg: float = 50.0
    sun_azimuth_deg: float = 160.0  # clockwise from north
    wind_mps: float = 3.0
    wind_from_deg: float = 120.0
    haze: float = 0.15              # 0 crisp .. 1 thick mist


@dataclass(frozen=True)
class Land:
    """How the procedural land around the water looks; the details follow from the world's seed."""

    style: str = "mixed"            # one of LAND_STYLES
    roads: bool = True


@dataclass(frozen=True)
class World:
    name: str
    seed: int = 0
    environment: Environment = field(default_factory=Environment)
    land: Land = field(default_factory=Land)
    objects: tuple[WorldObject, ...] = ()
    source: str = "<memory>"

    def anomalies(self) -> tuple[WorldObject, ...]:
        return tuple(o for o in self.objects if o.spec.anomaly)

    def by_id(self, object_id: str) -> WorldObject:
        for o in self.objects:
            if o.id == object_id:
                return o
        raise KeyError(object_id)
