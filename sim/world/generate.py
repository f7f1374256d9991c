"""Random sites and random worlds, so that training data never comes from three lakes only.

A random site is a lake (a wobbly ellipse with bays and peninsulas, sometimes a river instead)
with islands, a dock on its shore and dumping hotspots inland; a random world plants anomalies and
distractors where they occur: nets along shores, across bays and in open water, boats near nets,
swimmers near the shore, piles and tipping trucks on the bank, debris and foam on the water, reeds
and lotus in the shallows, jetties with moored boats. Both are built as the documents a person
would write (site YAML, world YAML) and parsed by the real loaders, so whatever the generator makes
is valid by the same rules as a hand-written file, and can be saved and flown.
"""
from __future__ import annotations

import math

import numpy as np
from shapely.geometry import LineString, Point, Polygon
from shapely.ops import substring

from missions.errors import ConfigError
from missions.site import Site, parse_site

from .frame import TangentFrame
from .geometry import heading_of, site_frame, water_geometry
from .kinds import KINDS
from .loader import parse_world
from .schema import LAND_STYLES, WATER_COLORS, World


def _ll(frame: TangentFrame, x: float, y: float) -> dict:
    lat, lon = frame.to_latlon(x, y)
    return {"lat": round(float(lat), 7), "lon": round(float(lon), 7)}


def _wobbly(rng: np.random.Generator, n: int, R: float, aspect: float, rot: float, rough: float) -> np.ndarray:
    t = np.linspace(0, 2 * math.pi, n, endpoint=False)
    r = np.ones(n)
    for k in range(2, 8):
        r += rng.uniform(0, rough / k ** 0.8) * np.cos(k * t + rng.uniform(0, 2 * math.pi))
    r = np.clip(r, 0.35, None) * R
    x, y = r * np.cos(t) * aspect, r * np.sin(t)
    c, s = math.cos(rot), math.sin(rot)
    return np.column_stack([c * x - s * y, s * x + c * y])


def random_site_doc(rng: np.random.Generator, name: str = "Random lake") -> dict:
    """A site config document: a lake or a river reach near Suzhou, with islands, a dock, hotspots."""
    lat0, lon0 = float(rng.uniform(30.9, 31.6)), float(rng.uniform(120.3, 121.0))
    frame = TangentFrame(lat0, lon0)
    river = rng.random() < 0.2
    if river:
        length = rng.uniform(1200, 3000)
        xs = np.linspace(-length / 2, length / 2, 40)
        ys = np.cumsum(rng.normal(0, 25, len(xs)))
        ys -= ys.mean()
        spine = LineString(np.column_stack([xs, ys]))
        water = spine.buffer(rng.uniform(40, 120), quad_segs=4).simplify(3.0)
        outline = np.asarray(water.exterior.coords)[:-1]
    else:
        R = rng.uniform(250, 1400)
        outline = _wobbly(rng, 72, R, rng.uniform(1.0, 2.2), rng.uniform(0, math.pi), rng.uniform(0.3, 0.9))
        water = Polygon(outline)
        if not water.is_valid:
            water = water.buffer(0)
            outline = np.asarray(max(getattr(water, "geoms", [water]), key=lambda g: g.area).exterior.coords)[:-1]
            water = Polygon(outline)
    islands = []
    if not river:
        inner = water.buffer(-60)
        for _ in range(int(rng.integers(0, 4))):
            if inner.is_empty:
                break
            x0, y0, x1, y1 = inner.bounds
            for _try in range(20):
                c = rng.uniform([x0, y0], [x1, y1])
                r = rng.uniform(20, min(150, water.area ** 0.5 / 8 + 20))
                isl = Polygon(_wobbly(rng, 18, r, rng.uniform(1, 1.8), rng.uniform(0, math.pi), 0.4) + c)
                if isl.is_valid and inner.contains(isl) and all(isl.distance(o) > 30 for o in islands):
                    islands.append(isl)
                    break
    # the dock: on land, 20-50 m from a random point of the shore
    shore = water.exterior
    s = rng.uniform(0, shore.length)
    p = shore.interpolate(s)
    q = shore.interpolate((s + 1.0) % shore.length)
    d = np.array([q.x - p.x, q.y - p.y])
    d /= max(np.hypot(*d), 1e-9)
    normal = np.array([d[1], -d[0]])
    out = 1 if not water.contains(Point(p.x + normal[0] * 5, p.y + normal[1] * 5)) else -1
    home_xy = np.array([p.x, p.y]) + normal * out * rng.uniform(20, 50)
    home = frame.to_latlon(*home_xy)

    def ring(xy):
        return [_ll(frame, x, y) for x, y in xy]
    hot = []
    for i in range(int(rng.integers(1, 3))):
        t = rng.uniform(0, shore.length)
        a = shore.interpolate(t)
        b = shore.interpolate((t + 1.0) % shore.length)
        dd = np.array([b.x - a.x, b.y - a.y])
        dd /= max(np.hypot(*dd), 1e-9)
        nn = np.array([dd[1], -dd[0]])
        sgn = 1 if not water.contains(Point(a.x + nn[0] * 5, a.y + nn[1] * 5)) else -1
        c = np.array([a.x, a.y]) + nn * sgn * rng.uniform(25, 60)
        hot.append({"name": f"Dumping site {i + 1}", "kind": "dumping", **_ll(frame, *c),
                    "radius_m": int(rng.integers(60, 130)), "priority": "high"})
    return plain({
        "site": {"name": name, "home": {"lat": round(home[0], 7), "lon": round(home[1], 7)},
                 "water_level_m": round(float(rng.uniform(-2.5, 0.0)), 2)},
        "camera": {"hfov_deg": 82, "width_px": 1920, "height_px": 1080},
        "patrol": {"altitude_m": int(rng.integers(60, 101))},
        "areas": [{"name": name, "kind": "river" if river else "lake", "boundary": ring(outline),
                   **({"islands": [ring(np.asarray(i.exterior.coords)[:-1]) for i in islands]} if islands else {})}],
        "hotspots": hot,
    })


def random_site(rng: np.random.Generator, name: str = "Random lake") -> tuple[Site, dict]:
    """(Site, its document); retried until the site config loader accepts it."""
    for _ in range(20):
        doc = random_site_doc(rng, name)
        try:
            return parse_site(doc, f"<{name}>"), doc
        except ConfigError:
            continue
    raise RuntimeError("could not make a valid random site in 20 tries")


class Placer:
    """Where things go on a site: shore lines, water and land points, chords across bays."""

    def __init__(self, site: Site, rng: np.random.Generator):
        self.site, self.rng = site, rng
        self.frame = site_frame(site)
        self.water = water_geometry(site)
        self.shores = [LineString(r.coords) for g in self.water.geoms for r in [g.exterior, *g.interiors]]
        self.lengths = np.array([s.length for s in self.shores])
        self.ll = lambda x, y: _ll(self.frame, x, y)

    def shore_point(self) -> tuple[np.ndarray, np.ndarray, int]:
        """(point, unit normal pointing into the water, which shore)."""
        rng = self.rng
        i = int(rng.choice(len(self.shores), p=self.lengths / self.lengths.sum()))
        sh = self.shores[i]
        s = rng.uniform(0, sh.length)
        a, b = sh.interpolate(s), sh.interpolate((s + 1.0) % sh.length)
        d = np.array([b.x - a.x, b.y - a.y])
        d /= max(np.hypot(*d), 1e-9)
        n = np.array([d[1], -d[0]])
        if not self.water.contains(Point(a.x + n[0] * 3, a.y + n[1] * 3)):
            n = -n
        return np.array([a.x, a.y]), n, i

    def water_point(self, min_shore: float = 5.0, max_shore: float = 1e9) -> np.ndarray | None:
        for _ in range(50):
            p, n, _ = self.shore_point()
            q = p + n * self.rng.uniform(min_shore, min(max_shore, 400))
            if self.water.contains(Point(*q)) and self.water.boundary.distance(Point(*q)) >= min_shore * 0.8:
                return q
        return None

    def land_point(self, min_shore: float = 5.0, max_shore: float = 60.0) -> np.ndarray | None:
        for _ in range(50):
            p, n, _ = self.shore_point()
            q = p - n * self.rng.uniform(min_shore, max_shore)
            if not self.water.buffer(min_shore * 0.8).contains(Point(*q)):
                return q
        return None

    def along_shore(self, offset: float, length: float) -> np.ndarray | None:
        """A line following the shore `offset` metres out on the water, `length` long."""
        inner = self.water.buffer(-offset)
        rings = [LineString(r.coords) for g in getattr(inner, "geoms", [inner]) if not g.is_empty
                 for r in [g.exterior, *g.interiors]]
        rings = [r for r in rings if r.length > length * 1.2]
        if not rings:
            return None
        r = rings[int(self.rng.integers(len(rings)))]
        s0 = self.rng.uniform(0, r.length - length)
        line = substring(r, s0, s0 + length)
        xy = np.asarray(line.simplify(1.0).coords)
        return xy if len(xy) >= 2 else None

    def across_bay(self, min_len: float = 30.0, max_len: float = 200.0) -> np.ndarray | None:
        """A straight line between two shore points close across the water but far apart along the shore."""
        for _ in range(200):
            i = int(self.rng.choice(len(self.shores), p=self.lengths / self.lengths.sum()))
            sh = self.shores[i]
            s = self.rng.uniform(0, sh.length)
            a = sh.interpolate(s)
            for _t in range(10):
                s2 = (s + self.rng.uniform(3 * min_len, min(sh.length / 2, 8 * max_len))) % sh.length
                b = sh.interpolate(s2)
                d = a.distance(b)
                if min_len + 10 <= d <= max_len + 10:
                    ab = np.array([[a.x, a.y], [b.x, b.y]])
                    u = (ab[1] - ab[0]) / d
                    ab = np.array([ab[0] + u * 5, ab[1] - u * 5])    # tied 5 m off each bank
                    if self.water.buffer(-0.5).contains(LineString(ab)):
                        return ab
        return None

    def open_water_line(self, length: float) -> np.ndarray | None:
        for _ in range(50):
            c = self.water_point(min_shore=30)
            if c is None:
                return None
            h = self.rng.uniform(0, 2 * math.pi)
            u = np.array([math.cos(h), math.sin(h)])
            k = int(self.rng.integers(2, 4))
            pts = [c - u * length / 2]
            for j in range(1, k + 1):
                jitter = np.array([-u[1], u[0]]) * self.rng.normal(0, length * 0.05)
                pts.append(c - u * length / 2 + u * length * j / k + (jitter if j < k else 0))
            xy = np.array(pts)
            if self.water.buffer(-1).contains(LineString(xy)):
                return xy
        return None


def plain(v):
    """Numpy scalars and tuples to plain Python, so the documents dump as clean YAML."""
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    if isinstance(v, np.generic):
        return v.item()
    return v


def _pick(rng, options):
    return options[int(rng.integers(len(options)))]


def random_world_doc(site: Site, rng: np.random.Generator, name: str = "random world") -> dict:
    """A world document with anomalies and distractors placed where they occur."""
    P = Placer(site, rng)
    ll = P.ll
    objs: list[dict] = []

    def heading_along(n: np.ndarray) -> float:
        return round(heading_of(-n[1], n[0]) + rng.choice([0, 180]), 1) % 360

    # nets: along a shore, across a bay, in open water
    for _ in range(int(rng.choice([0, 1, 1, 2, 2, 3, 4]))):
        kind = rng.choice(["shore", "bay", "open"], p=[0.45, 0.3, 0.25])
        length = float(rng.uniform(25, 200))
        xy = P.along_shore(float(rng.uniform(6, 40)), length) if kind == "shore" else \
            P.across_bay() if kind == "bay" else P.open_water_line(length)
        if xy is None:
            continue
        objs.append({"type": "fishing_net", "color": _pick(rng, KINDS["fishing_net"].colors),
                     "float_m": round(float(rng.uniform(0.15, 0.45)), 2), "spacing_m": round(float(rng.uniform(0.6, 2.5)), 2),
                     "markers": bool(rng.random() < 0.8), "points": [ll(*p) for p in xy]})
        if rng.random() < 0.5:  # the fishers' boat near their net
            c = xy[len(xy) // 2] + rng.normal(0, 8, 2)
            if P.water.buffer(-3).contains(Point(*c)):
                objs.append({"type": "fishing_boat", **ll(*c), "heading_deg": round(float(rng.uniform(0, 360)), 1),
                             "length_m": round(float(rng.uniform(3.5, 7.5)), 2), "people": int(rng.integers(1, 4)),
                             "rods": 0})
    for _ in range(int(rng.choice([0, 0, 1, 1, 2, 3]))):   # anglers in boats
        c = P.water_point(min_shore=10, max_shore=300)
        if c is not None:
            people = int(rng.integers(1, 4))
            objs.append({"type": "fishing_boat", **ll(*c), "heading_deg": round(float(rng.uniform(0, 360)), 1),
                         "length_m": round(float(rng.uniform(3.0, 8.0)), 2), "people": people,
                         "rods": int(rng.integers(1, people + 2)), "color": _pick(rng, KINDS["fishing_boat"].colors)})
    for _ in range(int(rng.choice([0, 0, 1, 2, 2, 3]))):   # swimmers, sometimes in company
        c = P.water_point(min_shore=8, max_shore=80)
        if c is None:
            continue
        for _k in range(int(rng.choice([1, 1, 1, 2, 3]))):
            q = c + rng.normal(0, 4, 2)
            if P.water.buffer(-2).contains(Point(*q)):
                objs.append({"type": "swimmer", **ll(*q), "heading_deg": round(float(rng.uniform(0, 360)), 1)})
    piles = []
    for _ in range(int(rng.choice([0, 1, 1, 2, 3]))):
        c = P.land_point(6, 60)
        if c is not None:
            L = float(rng.uniform(2.5, 20))
            objs.append({"type": "waste_pile", **ll(*c), "length_m": round(L, 2), "width_m": round(L * rng.uniform(0.4, 0.9), 2),
                         "heading_deg": round(float(rng.uniform(0, 360)), 1), "color": _pick(rng, KINDS["waste_pile"].colors)})
            piles.append((c, L))
    for c, L in piles:                                         # the truck that brought it
        if rng.random() < 0.5:
            h = rng.uniform(0, 2 * math.pi)
            q = c + np.array([math.cos(h), math.sin(h)]) * (L / 2 + rng.uniform(4, 9))
            if not P.water.buffer(4).contains(Point(*q)):
                objs.append({"type": "muck_truck", **ll(*q), "heading_deg": round(float(rng.uniform(0, 360)), 1),
                             "tipping": bool(rng.random() < 0.6), "color": _pick(rng, KINDS["muck_truck"].colors)})
    for _ in range(int(rng.choice([0, 0, 1]))):            # a truck on the bank with no pile yet
        c = P.land_point(8, 60)
        if c is not None:
            objs.append({"type": "muck_truck", **ll(*c), "heading_deg": round(float(rng.uniform(0, 360)), 1),
                         "tipping": bool(rng.random() < 0.3)})
    for _ in range(int(rng.choice([0, 1, 1, 2, 3]))):
        c = P.water_point(min_shore=3, max_shore=120)
        if c is not None:
            L = float(rng.uniform(1.0, 12))
            objs.append({"type": "floating_debris", **ll(*c), "length_m": round(L, 2), "width_m": round(L * rng.uniform(0.3, 0.8), 2),
                         "heading_deg": round(float(rng.uniform(0, 360)), 1), "color": _pick(rng, KINDS["floating_debris"].colors)})
    # distractors
    for _ in range(int(rng.integers(0, 7))):
        c = P.water_point(min_shore=15)
        if c is not None:
            objs.append({"type": "buoy", **ll(*c), "length_m": round(float(rng.uniform(0.4, 1.8)), 2),
                         "color": _pick(rng, KINDS["buoy"].colors)})
    for _ in range(int(rng.integers(0, 4))):                   # jetties, boats moored at them
        p, n, _ = P.shore_point()
        L = float(rng.uniform(10, 40))
        a, b = p - n * 4, p + n * L
        if P.water.contains(Point(*b)) and P.water.buffer(-1).contains(LineString([p + n * 1.5, b])):
            objs.append({"type": "jetty", "points": [ll(*a), ll(*b)], "width_m": round(float(rng.uniform(1.5, 4)), 2),
                         "color": _pick(rng, KINDS["jetty"].colors)})
            side = np.array([n[1], -n[0]]) * rng.choice([-1, 1])
            for k in range(int(rng.integers(0, 3))):
                q = p + n * (L * (0.4 + 0.25 * k)) + side * 3.5
                if P.water.buffer(-1).contains(Point(*q)):
                    objs.append({"type": "moored_boat", **ll(*q), "heading_deg": round(heading_of(*n) % 360, 1),
                                 "length_m": round(float(rng.uniform(3, 8)), 2)})
    for _ in range(int(rng.integers(0, 3))):
        c = P.water_point(min_shore=4, max_shore=30)
        if c is not None:
            objs.append({"type": "moored_boat", **ll(*c), "heading_deg": round(float(rng.uniform(0, 360)), 1),
                         "length_m": round(float(rng.uniform(3, 9)), 2)})
    for _ in range(int(rng.integers(0, 12))):
        flying = bool(rng.random() < 0.35)
        c = P.water_point(min_shore=2) if rng.random() < 0.8 else P.land_point(2, 40)
        if c is not None:
            objs.append({"type": "bird", **ll(*c), "heading_deg": round(float(rng.uniform(0, 360)), 1),
                         "color": _pick(rng, KINDS["bird"].colors), "flying": flying,
                         **({"altitude_m": round(float(rng.uniform(3, 30)), 1)} if flying else {})})
    for _ in range(int(rng.integers(0, 5))):
        c = P.water_point(min_shore=5)
        if c is not None:
            L = float(rng.uniform(5, 60))
            objs.append({"type": "foam", **ll(*c), "length_m": round(L, 1), "width_m": round(float(rng.uniform(0.5, 4)), 1),
                         "heading_deg": round(float(rng.uniform(0, 360)), 1)})
    for _ in range(int(rng.integers(0, 9))):
        p, n, _ = P.shore_point()
        L = float(rng.uniform(6, 60))
        c = p + n * rng.uniform(1, 6)
        if P.water.contains(Point(*c)):
            objs.append({"type": "reeds", **ll(*c), "length_m": round(L, 1), "width_m": round(float(rng.uniform(2, min(15, L))), 1),
                         "heading_deg": heading_along(n), "color": _pick(rng, KINDS["reeds"].colors)})
    for _ in range(int(rng.integers(0, 5))):
        c = P.water_point(min_shore=3, max_shore=40)
        if c is not None:
            L = float(rng.uniform(3, 40))
            objs.append({"type": "lotus", **ll(*c), "length_m": round(L, 1), "width_m": round(L * rng.uniform(0.4, 1.0), 1),
                         "heading_deg": round(float(rng.uniform(0, 360)), 1)})
    env = {"water": _pick(rng, WATER_COLORS), "sun_elevation_deg": round(float(rng.uniform(15, 80)), 1),
           "sun_azimuth_deg": round(float(rng.uniform(80, 280)), 1), "wind_mps": round(float(rng.gamma(2, 1.5)), 1),
           "wind_from_deg": round(float(rng.uniform(0, 360)), 1), "haze": round(float(np.clip(rng.gamma(1.5, 0.1), 0, 0.8)), 2)}
    return plain({"name": name, "seed": int(rng.integers(0, 2**31 - 1)), "environment": env,
                  "land": {"style": _pick(rng, LAND_STYLES), "roads": bool(rng.random() < 0.9)}, "objects": objs})


def random_world(site: Site, rng: np.random.Generator, name: str = "random world") -> tuple[World, dict]:
    """(World, its document). An object the loader refuses (a rare corner case of placement) is left out."""
    doc = random_world_doc(site, rng, name)
    kept = []
    for o in doc["objects"]:
        try:
            parse_world({"objects": [o]}, site, "<generated>")
            kept.append(o)
        except ConfigError:
            continue
    doc["objects"] = kept
    return parse_world(doc, site, f"<{name}>"), doc
