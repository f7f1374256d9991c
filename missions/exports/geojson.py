"""plan.geojson: one LineString per sortie, one per leg (coverage, shoreline, hotspot, transit), and the site
(`site_features`, also the dashboard's map)."""
from __future__ import annotations

import json
from pathlib import Path

from ..plan import PatrolPlan
from ..site.schema import Site


def _ring(ring) -> list:
    pts = [[lon, lat] for lat, lon in ring]
    if pts and pts[0] != pts[-1]:
        pts.append(pts[0])
    return pts


def _line(coords) -> dict:
    return {"type": "LineString", "coordinates": [[lon, lat] for lat, lon in coords]}


def plan_geojson(plan: PatrolPlan, site: Site) -> dict:
    feats = []
    for s in plan.sorties:
        track = []
        for leg in s.legs:
            track.extend(leg.coords if not track else leg.coords[1:])
        feats.append({"type": "Feature", "geometry": _line(track),
                      "properties": {"kind": "sortie", "sortie": s.index, "drone": s.drone, "length_m": s.length_m,
                                     "flight_time_s": s.flight_time_s, "battery_fraction": s.battery_fraction}})
        for leg in s.legs:
            feats.append({"type": "Feature", "geometry": _line(leg.coords),
                          "properties": {"kind": "leg", "sortie": s.index, "drone": s.drone, "pattern": leg.pattern,
                                         "area": leg.area, "length_m": leg.length_m}})
    feats.extend(site_features(site))
    return {"type": "FeatureCollection", "features": feats}


def site_features(site: Site) -> list[dict]:
    """The site as GeoJSON features: areas (islands as holes), no-fly zones, hotspots and home."""
    feats = []
    for a in site.areas:
        polys = [[_ring(p.exterior), *(_ring(h) for h in p.holes)] for p in a.polygons]
        geom = {"type": "Polygon", "coordinates": polys[0]} if len(polys) == 1 else {"type": "MultiPolygon", "coordinates": polys}
        feats.append({"type": "Feature", "geometry": geom, "properties": {"kind": "area", "name": a.name}})
    for z in site.no_fly:
        if z.polygon is not None:
            geom = {"type": "Polygon", "coordinates": [_ring(z.polygon)]}
            props = {"kind": "no_fly", "name": z.name}
        else:
            (lat, lon), r = z.circle
            geom = {"type": "Point", "coordinates": [lon, lat]}
            props = {"kind": "no_fly", "name": z.name, "radius_m": r}
        feats.append({"type": "Feature", "geometry": geom, "properties": props})
    for h in site.hotspots:
        feats.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [h.center[1], h.center[0]]},
                      "properties": {"kind": "hotspot", "name": h.name, "hotspot_kind": h.kind, "priority": h.priority,
                                     "radius_m": h.radius_m}})
    feats.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [site.info.home[1], site.info.home[0]]},
                  "properties": {"kind": "home", "name": site.name}})
    return feats


def write_geojson(plan: PatrolPlan, site: Site, path: Path) -> None:
    path.write_text(json.dumps(plan_geojson(plan, site)), encoding="utf-8")
