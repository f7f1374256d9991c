"""Load a site YAML into a validated `Site`, or fail with one line that names field and value."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import yaml

from ..errors import ConfigError
from .agencies import parse_agencies
from .failsafe import parse_failsafe
from .geofiles import read_geojson, read_kml
from .reader import Fields, latlon, show
from .schema import (HOTSPOT_KINDS, PATTERNS, PRIORITIES, Area, Camera, Hotspot, NoFlyZone, Patrol,
                     PolygonLL, Site, SiteInfo, Vehicle)
from .validate import Validator


def load_site(path: str | Path) -> Site:
    path = Path(path)
    src = path.name
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: site config does not exist") from None
    except (IsADirectoryError, UnicodeDecodeError, PermissionError) as exc:
        raise ConfigError(f"{path}: cannot read site config ({exc.__class__.__name__})") from None
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{src}: not valid YAML{where}: {problem}") from None
    return dataclasses.replace(parse_site(doc, src, base_dir=path.parent), path=str(path.resolve()))


def parse_site(doc, src: str = "<site>", base_dir: Path | None = None) -> Site:
    base_dir = base_dir or Path.cwd()
    top = Fields(src, "", doc if doc is not None else {})

    info = _site_info(Fields(src, "site", top.get("site")))
    vehicle = _vehicle(Fields(src, "vehicle", top.get("vehicle", {})))
    camera = _camera(Fields(src, "camera", top.get("camera", {})))
    patrol = _patrol(Fields(src, "patrol", top.get("patrol")), camera, vehicle)
    check = Validator(src, info, patrol)

    areas = []
    raw_areas = top.listing("areas")
    if not raw_areas:
        raise top.error("areas", "at least one area of water is required")
    for i, raw in enumerate(raw_areas):
        areas.append(_area(Fields(src, f"areas[{i}]", raw), base_dir, check))
    names = [a.name for a in areas]
    for i, n in enumerate(names):
        if n in names[:i]:
            raise top.error(f"areas[{i}].name", f"{n!r} is used by two areas; names must be unique")

    no_fly = tuple(_no_fly(Fields(src, f"no_fly[{i}]", raw), check) for i, raw in enumerate(top.listing("no_fly", [])))
    hotspots = tuple(_hotspot(Fields(src, f"hotspots[{i}]", raw), check) for i, raw in enumerate(top.listing("hotspots", [])))

    failsafe = parse_failsafe(Fields(src, "failsafe", top.get("failsafe")) if top.has("failsafe") else None)
    top.seen.add("failsafe")
    agencies, routing = parse_agencies(top, info.timezone, tuple(names) + tuple(h.name for h in hotspots))
    top.done()

    site = Site(info, vehicle, camera, patrol, tuple(areas), hotspots, no_fly, source=src, failsafe=failsafe,
                agencies=agencies, routing=routing)
    check.site(site)
    return site


def _site_info(f: Fields) -> SiteInfo:
    name = f.string("name")
    hf = Fields(f.source, f.at("home"), f.get("home"))
    home = latlon(hf)
    hf.done()
    info = SiteInfo(
        name=name,
        home=home,
        water_level_m=f.number("water_level_m", 0.0, lo=-200, hi=200),
        timezone=f.string("timezone", "Asia/Shanghai"),
        max_range_km=f.number("max_range_km", 30.0, lo=0, lo_open=True, hi=500),
    )
    f.done()
    return info


def _vehicle(f: Fields) -> Vehicle:
    d = Vehicle()
    v = Vehicle(
        cruise_speed_mps=f.number("cruise_speed_mps", d.cruise_speed_mps, lo=1, hi=30),
        endurance_s=f.number("endurance_s", d.endurance_s, lo=60, hi=36000),
        reserve_fraction=f.number("reserve_fraction", d.reserve_fraction, lo=0.05, hi=0.8),
        max_altitude_m=f.number("max_altitude_m", d.max_altitude_m, lo=5, hi=1000),
        climb_speed_mps=f.number("climb_speed_mps", d.climb_speed_mps, lo=0.1, hi=20),
        descent_speed_mps=f.number("descent_speed_mps", d.descent_speed_mps, lo=0.1, hi=20),
        land_speed_mps=f.number("land_speed_mps", d.land_speed_mps, lo=0.1, hi=5),
        accel_mps2=f.number("accel_mps2", d.accel_mps2, lo=0.1, hi=20),
        turnaround_s=f.number("turnaround_s", d.turnaround_s, lo=0, hi=86400),
        max_mission_items=f.integer("max_mission_items", d.max_mission_items, lo=10, hi=65535),
        planning_wind_mps=f.number("planning_wind_mps", d.planning_wind_mps, lo=0, hi=25),
    )
    f.done()
    if v.planning_wind_mps >= v.cruise_speed_mps:
        raise f.error("planning_wind_mps", f"{v.planning_wind_mps:g} must be below cruise_speed_mps {v.cruise_speed_mps:g}")
    return v


def _camera(f: Fields) -> Camera:
    d = Camera()
    c = Camera(
        hfov_deg=f.number("hfov_deg", d.hfov_deg, lo=1, hi=170),
        width_px=f.integer("width_px", d.width_px, lo=16, hi=20000),
        height_px=f.integer("height_px", d.height_px, lo=16, hi=20000),
    )
    f.done()
    return c


def _patrol(f: Fields, camera: Camera, vehicle: Vehicle) -> Patrol:
    if f.has("altitude_m") and f.has("gsd_cm"):
        raise f.error("gsd_cm", f"give either altitude_m or gsd_cm, not both (altitude_m {show(f.raw['altitude_m'])}, gsd_cm {show(f.raw['gsd_cm'])})")
    if f.has("gsd_cm"):
        gsd = f.number("gsd_cm", lo=0, lo_open=True, hi=100)
        altitude = round(camera.altitude_for_gsd(gsd / 100.0), 1)
        key, shown = "gsd_cm", f"{gsd:g} cm needs {altitude:.1f} m, which"
    else:
        altitude = f.number("altitude_m", lo=0, lo_open=True)
        key, shown = "altitude_m", f"{altitude:g}"
    if altitude > vehicle.max_altitude_m:
        raise f.error(key, f"{shown} exceeds vehicle.max_altitude_m {vehicle.max_altitude_m:g}")
    if altitude < 10:
        raise f.error(key, f"{shown} is below 10 m: too low to patrol over water safely")
    f.seen.update({"altitude_m", "gsd_cm"})
    patterns = f.listing("patterns", list(PATTERNS))
    for i, p in enumerate(patterns):
        if p not in PATTERNS:
            raise f.error(f"patterns[{i}]", f"{show(p)} is not one of {', '.join(PATTERNS)}")
    p = Patrol(
        altitude_m=altitude,
        side_overlap=f.number("side_overlap", 0.2, lo=0, hi=0.9, hi_open=True),
        shore_margin_m=f.number("shore_margin_m", 10.0, lo=0, hi=500),
        nofly_margin_m=f.number("nofly_margin_m", 25.0, lo=0, hi=1000),
        orbit_turns=f.integer("orbit_turns", 1, lo=1, hi=20),
        patterns=tuple(dict.fromkeys(patterns)),
        drone_separation_m=f.number("drone_separation_m", 5.0, lo=0, hi=50),
    )
    f.done()
    return p


def _point_list(f: Fields, key: str, check: Validator) -> tuple:
    raw = f.listing(key)
    pts = []
    for j, p in enumerate(raw):
        pf = Fields(f.source, f"{f.at(key)}[{j}]", p)
        pts.append(check.point(latlon(pf), pf.path))
        pf.done()
    return tuple(pts)


def _area(f: Fields, base_dir: Path, check: Validator) -> Area:
    name = f.string("name")
    kind = f.choice("kind", ("lake", "river", "pond", "reservoir", "canal"), "lake")
    sources = [k for k in ("geojson", "kml", "boundary") if f.has(k)]
    if len(sources) != 1:
        raise f.error(None, f"area {name!r} needs exactly one of geojson, kml or boundary, got {sources or 'none'}")
    if sources[0] == "boundary":
        exterior = _point_list(f, "boundary", check)
        holes = tuple(_island(f, j, check) for j in range(len(f.listing("islands", []))))
        polys = [(PolygonLL(exterior, holes), f.at("boundary"))]
    else:
        if f.has("islands"):
            raise f.error("islands", "islands go inside the GeoJSON/KML polygon as holes, not beside a file")
        rel = f.string(sources[0])
        file = (base_dir / rel).resolve()
        reader = read_geojson if sources[0] == "geojson" else read_kml
        polys = reader(file, f.at(sources[0]))
        polys = [(PolygonLL(tuple(check.point(p, w) for p in poly.exterior),
                            tuple(tuple(check.point(p, w) for p in h) for h in poly.holes)), w) for poly, w in polys]
    for poly, where in polys:
        check.polygon(poly, where, f"{f.path} ({name})")
    f.done()
    return Area(name=name, polygons=tuple(p for p, _ in polys), kind=kind)


def _island(f: Fields, j: int, check: Validator):
    raw = f.listing("islands")[j]
    where = f"{f.at('islands')}[{j}]"
    if not isinstance(raw, list):
        raise ConfigError(f"{f.source}: {where}: expected a list of {{lat, lon}} points, got {show(raw)}")
    pts = []
    for k, p in enumerate(raw):
        pf = Fields(f.source, f"{where}[{k}]", p)
        pts.append(check.point(latlon(pf), pf.path))
        pf.done()
    return tuple(pts)


def _no_fly(f: Fields, check: Validator) -> NoFlyZone:
    name = f.string("name")
    if f.has("circle") == f.has("polygon"):
        raise f.error(None, f"no-fly zone {name!r} needs exactly one of circle or polygon")
    if f.has("circle"):
        cf = Fields(f.source, f.at("circle"), f.get("circle"))
        center = check.point(latlon(cf), cf.path)
        radius = cf.number("radius_m", lo=0, lo_open=True, hi=50000)
        cf.done()
        zone = NoFlyZone(name=name, circle=(center, radius))
    else:
        ring = _point_list(f, "polygon", check)
        check.polygon(PolygonLL(ring), f.at("polygon"), f"{f.path} ({name})")
        zone = NoFlyZone(name=name, polygon=ring)
    f.done()
    return zone


def _hotspot(f: Fields, check: Validator) -> Hotspot:
    name = f.string("name")
    center = check.point(latlon(f), f.path)
    h = Hotspot(
        name=name,
        kind=f.choice("kind", HOTSPOT_KINDS, "other"),
        center=center,
        radius_m=f.number("radius_m", 100.0, lo=10, hi=2550),
        priority=f.choice("priority", PRIORITIES, "medium"),
        revisit_min=f.number("revisit_min", None, lo=1, hi=7 * 24 * 60),
        orbit_turns=f.integer("orbit_turns", None, lo=1, hi=20),
    )
    f.done()
    return h
