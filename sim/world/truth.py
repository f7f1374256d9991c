"""Ground truth of a world as GeoJSON: what the patrol should find (and what it should not report).

One Feature per planted object. Geometry: a Point at the object's centre, or a LineString along a
net or jetty ([lon, lat] as GeoJSON has it). Properties: id, type, class (the detector class, null
for a distractor), anomaly, heading_deg, length_m, width_m, height_m, surface (water or land),
base_alt_home_m (height of that surface relative to home), footprint (the labelled rectangle as a
[lon, lat] ring), and the object's own details (colour, people, tipping...).
"""
from __future__ import annotations

import json
from pathlib import Path

from missions.site import Site

from .geometry import site_frame
from .placed import place
from .schema import World

DETAILS = ("color", "people", "rods", "canopy", "tipping", "flying", "altitude_m", "spacing_m", "markers")


def feature(site: Site, obj) -> dict:
    p = place(site, obj)
    frame = site_frame(site)
    ring = frame.latlon_array(p.footprint)
    props = {
        "id": obj.id, "type": obj.kind, "class": obj.cls, "anomaly": obj.cls is not None,
        "heading_deg": round(obj.heading_deg, 3), "length_m": round(obj.length_m, 3), "width_m": round(obj.width_m, 3),
        "height_m": round(obj.height_m, 3),
        "surface": p.surface,
        "base_alt_home_m": round(p.base_z, 3),
        "footprint": [[round(lon, 8), round(lat, 8)] for lat, lon in list(ring) + [ring[0]]],
    }
    for k in DETAILS:
        v = getattr(obj, k)
        if k in ("people", "rods") and obj.kind != "fishing_boat":
            continue
        if k in ("spacing_m", "markers") and obj.kind != "fishing_net":
            continue
        if k == "tipping" and obj.kind != "muck_truck":
            continue
        if k in ("flying", "altitude_m") and obj.kind != "bird":
            continue
        if k == "canopy" and obj.kind not in ("fishing_boat", "moored_boat"):
            continue
        props[k] = v
    if obj.line:
        geom = {"type": "LineString", "coordinates": [[round(lon, 8), round(lat, 8)] for lat, lon in obj.line]}
    else:
        geom = {"type": "Point", "coordinates": [round(obj.lon, 8), round(obj.lat, 8)]}
    return {"type": "Feature", "geometry": geom, "properties": props}


def truth_geojson(site: Site, world: World) -> dict:
    return {"type": "FeatureCollection",
            "properties": {"site": site.name, "world": world.name, "seed": world.seed,
                           "water_level_m": site.info.water_level_m,
                           "anomalies": len(world.anomalies()), "objects": len(world.objects)},
            "features": [feature(site, o) for o in world.objects]}


def write_truth(site: Site, world: World, path: str | Path) -> Path:
    path = Path(path)
    path.write_text(json.dumps(truth_geojson(site, world), indent=1, ensure_ascii=False), encoding="utf-8")
    return path
