"""Load a world YAML against its site, or fail with one line naming the object and the field.

    name: Jinji Lake patrol scenario
    seed: 7
    environment: {water: green, sun_elevation_deg: 50, sun_azimuth_deg: 160, wind_mps: 3, haze: 0.1}
    land: {style: urban, roads: true}
    objects:
      - {type: fishing_net, id: east-bay, color: orange, points: [{lat: .., lon: ..}, {lat: .., lon: ..}]}
      - {type: muck_truck, lat: .., lon: .., heading_deg: 30, tipping: true}

Errors read like `jinji.yaml: objects[3] (muck_truck 'tipper').heading_deg: 'north' is not a number`.
Unspecified looks (colour, size, people) are drawn from the world's seed and the object's id, so a
file stays short and still renders the same every time.
"""
from __future__ import annotations

import random
import zlib
from pathlib import Path

import numpy as np
import yaml
from shapely.geometry import LineString, Point

from missions.errors import ConfigError
from missions.site import Site
from missions.site.reader import Fields, latlon, show

from .geometry import heading_of, polyline_length, point_along, site_frame, water_geometry
from .kinds import KINDS, SHORE_M
from .schema import LAND_STYLES, WATER_COLORS, Environment, Land, World, WorldObject

ON_WATER_TOLERANCE_M = 1.0


def load_world(path: str | Path, site: Site) -> World:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: world file does not exist") from None
    except (IsADirectoryError, UnicodeDecodeError, PermissionError) as exc:
        raise ConfigError(f"{path}: cannot read world file ({exc.__class__.__name__})") from None
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{path.name}: not valid YAML{where}: {problem}") from None
    return parse_world(doc, site, src=path.name)


def parse_world(doc, site: Site, src: str = "<world>") -> World:
    top = Fields(src, "", doc if doc is not None else {})
    name = top.string("name", site.name)
    seed = top.integer("seed", 0, lo=0, hi=2**31 - 1)
    env = _environment(top.sub("environment", {}) or Fields(src, "environment", {}))
    land = _land(top.sub("land", {}) or Fields(src, "land", {}))
    raw_objects = top.listing("objects", [])
    top.done()
    checker = _Placement(site)
    objects, ids = [], set()
    for i, raw in enumerate(raw_objects):
        obj = _object(src, i, raw, seed, checker)
        if obj.id in ids:
            raise ConfigError(f"{src}: objects[{i}] ({obj.kind} {obj.id!r}).id: {obj.id!r} is used by an earlier object; ids must be unique")
        ids.add(obj.id)
        objects.append(obj)
    return World(name=name, seed=seed, environment=env, land=land, objects=tuple(objects), source=src)


def _environment(f: Fields) -> Environment:
    d = Environment()
    env = Environment(
        water=f.choice("water", WATER_COLORS, d.water),
        sun_elevation_deg=f.number("sun_elevation_deg", d.sun_elevation_deg, lo=5, hi=90),
        sun_azimuth_deg=f.number("sun_azimuth_deg", d.sun_azimuth_deg, lo=0, hi=360),
        wind_mps=f.number("wind_mps", d.wind_mps, lo=0, hi=25),
        wind_from_deg=f.number("wind_from_deg", d.wind_from_deg, lo=0, hi=360),
        haze=f.number("haze", d.haze, lo=0, hi=1),
    )
    f.done()
    return env


def _land(f: Fields) -> Land:
    d = Land()
    land = Land(style=f.choice("style", LAND_STYLES, d.style), roads=_flag(f, "roads", d.roads))
    f.done()
    return land


def _flag(f: Fields, key: str, default: bool) -> bool:
    v = f.get(key, default)
    if not isinstance(v, bool):
        raise f.error(key, f"{show(v)} is not true or false")
    return v


def _object(src: str, i: int, raw, seed: int, checker: "_Placement") -> WorldObject:
    where = f"objects[{i}]"
    if not isinstance(raw, dict):
        raise ConfigError(f"{src}: {where}: expected a mapping with a type, got {show(raw)}")
    kind = raw.get("type")
    if kind not in KINDS:
        raise ConfigError(f"{src}: {where}.type: {show(kind)} is not one of {', '.join(KINDS)}")
    oid = raw.get("id", f"{kind}-{i}")
    if not isinstance(oid, (str, int)) or isinstance(oid, bool) or not str(oid).strip():
        raise ConfigError(f"{src}: {where}.id: {show(oid)} is not a non-empty text")
    oid = str(oid).strip()
    f = Fields(src, f"{where} ({kind} {oid!r})", raw)
    f.seen.update({"type", "id"})
    spec = KINDS[kind]
    rng = random.Random(zlib.crc32(f"{seed}:{oid}".encode()))
    frame = checker.frame

    common = {}
    if spec.line:
        pts = f.listing("points")
        if len(pts) < 2:
            raise f.error("points", f"a {kind} needs at least 2 points, got {len(pts)}")
        line = []
        for j, p in enumerate(pts):
            pf = Fields(src, f.at(f"points[{j}]"), p)
            line.append(latlon(pf))
            pf.done()
        xy = frame.xy_array(line)
        length = polyline_length(xy)
        lo, hi = spec.length[1], spec.length[2]
        if not lo <= length <= hi:
            raise f.error("points", f"the line is {length:.1f} m long; a {kind} must be {lo:g} to {hi:g} m")
        mid = point_along(xy, length / 2)
        clat, clon = frame.to_latlon(*mid)
        d = xy[-1] - xy[0]
        common = dict(lat=float(clat), lon=float(clon), heading_deg=round(heading_of(*d), 3), length_m=round(length, 3),
                      line=tuple(line))
        checker.line(f, kind, xy)
    else:
        lat, lon = latlon(f)
        length = f.number("length_m", spec.length[0], lo=spec.length[1], hi=spec.length[2])
        heading = f.number("heading_deg", round(rng.uniform(0, 360), 1), lo=0, hi=360)
        common = dict(lat=lat, lon=lon, heading_deg=heading, length_m=length)
        checker.point(f, kind, frame.to_xy(lat, lon))
    flying = kind == "bird" and _flag(f, "flying", False)
    if kind == "fishing_net":
        width = f.number("float_m", spec.width[0], lo=spec.width[1], hi=spec.width[2])
    elif kind == "buoy":
        width = common["length_m"]
    else:
        width = f.number("width_m", 1.3 if flying else default_width(kind, common["length_m"]),
                         lo=spec.width[1], hi=spec.width[2])
    color = f.choice("color", spec.colors, spec.colors[rng.randrange(len(spec.colors))])
    extra = {}
    if kind == "fishing_net":
        extra["spacing_m"] = f.number("spacing_m", 1.2, lo=0.3, hi=10)
        extra["markers"] = _flag(f, "markers", True)
    if kind in ("fishing_boat",):
        extra["people"] = f.integer("people", 2, lo=0, hi=8)
        extra["rods"] = f.integer("rods", min(2, extra["people"]), lo=0, hi=8)
    if kind in ("fishing_boat", "moored_boat"):
        extra["canopy"] = _flag(f, "canopy", rng.random() < (0.2 if kind == "fishing_boat" else 0.4))
    if kind == "muck_truck":
        extra["tipping"] = _flag(f, "tipping", False)
    if kind == "bird":
        extra["flying"] = flying
        extra["altitude_m"] = f.number("altitude_m", 10.0 if extra["flying"] else 0.0, lo=0, hi=60)
        if extra["altitude_m"] > 0 and not extra["flying"]:
            raise f.error("altitude_m", f"{extra['altitude_m']:g} given for a bird that is not flying (set flying: true)")
    variant = f.integer("variant", rng.randrange(1 << 30), lo=0, hi=2**31 - 1)
    f.done()
    return WorldObject(kind=kind, id=oid, width_m=width, color=color, variant=variant, **common, **extra)


def default_width(kind: str, length: float) -> float:
    """Boats are about a third as wide as long, patches about two thirds; the rest have one usual width."""
    spec = KINDS[kind]
    ratio = {"fishing_boat": 0.32, "moored_boat": 0.32, "waste_pile": 0.7, "floating_debris": 0.6, "lotus": 0.7,
             "reeds": 0.3, "foam": 0.1}.get(kind)
    w = spec.width[0] if ratio is None else length * ratio
    return round(min(max(w, spec.width[1]), spec.width[2]), 3)


class _Placement:
    """Checks that things float on water, stand on land, or touch the shore, as their kind says."""

    def __init__(self, site: Site):
        self.site = site
        self.frame = site_frame(site)
        self.water = water_geometry(site)
        self.max_range_m = site.info.max_range_km * 1000

    def _on_water(self, x: float, y: float) -> float:
        """0 on the water, else the distance to it (m)."""
        p = Point(x, y)
        return 0.0 if self.water.contains(p) else self.water.distance(p)

    def _range(self, f: Fields, key: str, x: float, y: float) -> None:
        d = float(np.hypot(x, y))
        if d > self.max_range_m:
            raise f.error(key, f"is {d / 1000:,.1f} km from site.home (beyond site.max_range_km): wrong site, or swapped lat/lon?")

    def point(self, f: Fields, kind: str, xy) -> None:
        x, y = xy
        self._range(f, "lat", x, y)
        surface = KINDS[kind].surface
        off = self._on_water(x, y)
        if surface == "water" and off > ON_WATER_TOLERANCE_M:
            raise f.error("lat", f"a {kind} must be on the water; this point is on land, {off:.0f} m from it")
        if surface == "land" and off == 0.0:
            inland = self.water.boundary.distance(Point(x, y))
            raise f.error("lat", f"a {kind} must be on land; this point is on the water, {inland:.0f} m from the shore")
        if surface == "shore" and self.water.boundary.distance(Point(x, y)) > SHORE_M:
            raise f.error("lat", f"a {kind} must be within {SHORE_M:g} m of the shore; this point is "
                                 f"{self.water.boundary.distance(Point(x, y)):.0f} m from it")

    def line(self, f: Fields, kind: str, xy: np.ndarray) -> None:
        for j, (x, y) in enumerate(xy):
            self._range(f, f"points[{j}]", x, y)
        surface = KINDS[kind].surface
        if surface == "water":
            for j, (x, y) in enumerate(xy):
                off = self._on_water(x, y)
                if off > ON_WATER_TOLERANCE_M:
                    raise f.error(f"points[{j}]", f"a {kind} must lie on the water; this point is on land, {off:.0f} m from it")
            dry = LineString(xy).difference(self.water.buffer(ON_WATER_TOLERANCE_M))
            if dry.length > 0.5:
                raise f.error("points", f"the {kind} crosses {dry.length:.0f} m of land between its points")
        elif surface == "shore":
            if not LineString(xy).intersects(self.water):
                raise f.error("points", f"a {kind} must reach the water")
            if self.water.boundary.distance(Point(*xy[0])) > SHORE_M and self.water.boundary.distance(Point(*xy[-1])) > SHORE_M:
                raise f.error("points", f"a {kind} must start or end within {SHORE_M:g} m of the shore")
