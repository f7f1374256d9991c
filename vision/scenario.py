"""Random scenarios for training data: a site's lake with anomalies and distractors planted in clusters.

Clusters (a few tens of metres across, on open water or straddling the shore) put many objects in
one camera footprint, so each rendered frame yields several labelled crops: rendering is the
expensive part of the dataset, and the CPU budget is small. Everything follows from the seed.
Only dataset generation uses this module (it builds `sim` worlds); the detector never imports sim.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from shapely.geometry import LineString, Point

from missions.site import Site
from sim.world.geometry import site_frame, water_geometry
from sim.world.loader import parse_world

WATER_KINDS = ("fishing_net", "fishing_boat", "swimmer", "floating_debris")
LAND_KINDS = ("waste_pile", "muck_truck")
WATER_DISTRACTORS = ("buoy", "moored_boat", "bird", "foam", "lotus")
SHORE_DISTRACTORS = ("reeds", "jetty")


@dataclass(frozen=True)
class Cluster:
    x: float
    y: float
    shore: bool          # straddles the shore (land classes and shore distractors) or open water


def _on_water(water, x: float, y: float, margin: float = 2.0) -> bool:
    return bool(water.contains(Point(x, y)) and water.boundary.distance(Point(x, y)) > margin)


def _on_land(water, x: float, y: float, margin: float = 3.0) -> bool:
    return bool(not water.contains(Point(x, y)) and water.distance(Point(x, y)) > margin)


def pick_clusters(site: Site, rng: np.random.Generator, n: int) -> list[Cluster]:
    water = water_geometry(site)
    shore = water.boundary
    x0, y0, x1, y1 = water.bounds
    out: list[Cluster] = []
    tries = 0
    while len(out) < n and tries < 5000:
        tries += 1
        if rng.random() < 0.5:   # a point on the shore line
            p = shore.interpolate(rng.uniform(0, shore.length))
            out.append(Cluster(p.x, p.y, True))
        else:
            x, y = rng.uniform(x0, x1), rng.uniform(y0, y1)
            if _on_water(water, x, y, 40.0):
                out.append(Cluster(x, y, False))
    return out


def _latlon(frame, x: float, y: float) -> dict:
    lat, lon = frame.to_latlon(x, y)
    return {"lat": float(lat), "lon": float(lon)}


def _net(water, frame, rng, cx, cy, spread) -> dict | None:
    for _ in range(30):
        length = float(rng.choice([rng.uniform(20, 60), rng.uniform(60, 200)], p=[0.6, 0.4]))
        h = rng.uniform(0, 2 * math.pi)
        mx, my = cx + rng.uniform(-spread, spread), cy + rng.uniform(-spread, spread)
        a = np.array([mx - math.sin(h) * length / 2, my - math.cos(h) * length / 2])
        b = np.array([mx + math.sin(h) * length / 2, my + math.cos(h) * length / 2])
        pts = [a, b]
        if rng.random() < 0.35:   # a bend in the middle
            m = (a + b) / 2 + rng.normal(0, length * 0.12, 2)
            pts = [a, m, b]
        if all(_on_water(water, *p, 1.5) for p in pts) and LineString(pts).difference(water.buffer(0.5)).length < 0.1:
            return {"type": "fishing_net", "points": [_latlon(frame, *p) for p in pts],
                    "color": str(rng.choice(["white", "orange", "dark"], p=[0.45, 0.35, 0.2])),
                    "float_m": round(float(rng.uniform(0.2, 0.45)), 3), "spacing_m": round(float(rng.uniform(0.8, 2.5)), 2)}
    return None


def _spot(water, rng, cx, cy, spread, surface: str) -> tuple[float, float] | None:
    for _ in range(40):
        x, y = cx + rng.uniform(-spread, spread), cy + rng.uniform(-spread, spread)
        if surface == "water" and _on_water(water, x, y):
            return x, y
        if surface == "land" and _on_land(water, x, y):
            return x, y
        if surface == "shore" and water.boundary.distance(Point(x, y)) < 8:
            return x, y
    return None


def scenario_doc(site: Site, seed: int, clusters: int = 4, spread_m: float = 35.0) -> tuple[dict, list[Cluster]]:
    """A world document (as `sim.world.loader.parse_world` reads) and the cluster centres to point cameras at."""
    rng = np.random.default_rng(seed)
    water = water_geometry(site)
    frame = site_frame(site)
    cl = pick_clusters(site, rng, clusters)
    objects: list[dict] = []
    for c in cl:
        n_water = int(rng.integers(3, 8))
        for _ in range(n_water):
            kind = str(rng.choice(WATER_KINDS, p=[0.3, 0.25, 0.25, 0.2]))
            if kind == "fishing_net":
                net = _net(water, frame, rng, c.x, c.y, spread_m)
                if net:
                    objects.append(net)
                continue
            p = _spot(water, rng, c.x, c.y, spread_m, "water")
            if p is None:
                continue
            o = {"type": kind, **_latlon(frame, *p)}
            if kind == "fishing_boat":
                o["people"] = int(rng.integers(0, 4))
                o["length_m"] = round(float(rng.uniform(3, 9)), 2)
            if kind == "floating_debris":
                o["length_m"] = round(float(rng.uniform(1.0, 12)), 2)
            objects.append(o)
        if c.shore:
            for _ in range(int(rng.integers(1, 5))):
                kind = str(rng.choice(LAND_KINDS))
                p = _spot(water, rng, c.x, c.y, spread_m, "land")
                if p is None:
                    continue
                o = {"type": kind, **_latlon(frame, *p)}
                if kind == "waste_pile":
                    o["length_m"] = round(float(rng.uniform(2.5, 18)), 2)
                else:
                    o["tipping"] = bool(rng.random() < 0.5)
                objects.append(o)
            for _ in range(int(rng.integers(0, 3))):
                kind = str(rng.choice(SHORE_DISTRACTORS))
                p = _spot(water, rng, c.x, c.y, spread_m, "shore")
                if p is None:
                    continue
                if kind == "jetty":
                    nx, ny = _outward(water, *p)
                    L = float(rng.uniform(8, 30))
                    a, b = (p[0] - nx * 6, p[1] - ny * 6), (p[0] + nx * L, p[1] + ny * L)
                    objects.append({"type": "jetty", "points": [_latlon(frame, *a), _latlon(frame, *b)]})
                else:
                    objects.append({"type": "reeds", **_latlon(frame, *p), "length_m": round(float(rng.uniform(5, 40)), 1)})
        for _ in range(int(rng.integers(1, 5))):
            kind = str(rng.choice(WATER_DISTRACTORS, p=[0.3, 0.25, 0.15, 0.15, 0.15]))
            p = _spot(water, rng, c.x, c.y, spread_m, "water")
            if p is None:
                continue
            o = {"type": kind, **_latlon(frame, *p)}
            if kind == "bird" and rng.random() < 0.4:
                o.update(flying=True, altitude_m=round(float(rng.uniform(2, 25)), 1))
            objects.append(o)
    for i, o in enumerate(objects):
        o["id"] = f"{o['type']}-{i}"
    doc = {"name": f"scenario {seed}", "seed": int(seed),
           "environment": {"water": str(rng.choice(["clear", "blue", "green", "algae", "silt"]))},
           "land": {"style": str(rng.choice(["urban", "park", "rural", "mixed"])), "roads": bool(rng.random() < 0.7)},
           "objects": objects}
    return doc, cl


def _outward(water, x: float, y: float) -> tuple[float, float]:
    """Unit vector from a shore point towards the water."""
    best, bd = (1.0, 0.0), -1.0
    for a in np.linspace(0, 2 * math.pi, 16, endpoint=False):
        d = (math.sin(a), math.cos(a))
        p = Point(x + d[0] * 15, y + d[1] * 15)
        depth = water.boundary.distance(p) if water.contains(p) else -1.0
        if depth > bd:
            best, bd = d, depth
    return best


def scenario(site: Site, seed: int, clusters: int = 4):
    """(sim World, clusters); objects the loader rejects (a jetty that misses the water) are dropped."""
    from missions.errors import ConfigError
    doc, cl = scenario_doc(site, seed, clusters)
    while True:
        try:
            return parse_world(doc, site, src=f"scenario-{seed}"), cl
        except ConfigError as exc:
            msg = str(exc)
            import re
            m = re.search(r"objects\[(\d+)\]", msg)
            if not m:
                raise
            del doc["objects"][int(m.group(1))]
