"""The land around the water, made up from the world's seed: parcels, trees, buildings, fields, roads, cars.

Land is not ground truth, only a believable background with its own hard negatives (soil mounds
next to construction sites, cars on roads, rooftops). It is generated lazily in square parcels of
a grid turned to a random angle, each parcel from its own seed, so a frame only pays for what it
sees and a world looks the same from every pass.
"""
from __future__ import annotations

import math
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import LineString, MultiLineString, Polygon

from sim.world.schema import Land

from .parts import Item, Part, Shadow, item_of, lines, poly, polys, rgb, shade
from .shapes import box as box_parts
from .shapes import Local, blob, rect
from .tiled import TiledLayer, lines_of

CELL_M = 50.0
ZONES = ("field", "bare", "grass", "park", "woods", "urban")
STYLE_BINS = {   # cumulative shares of ZONES, in order, by land style
    "urban": (0.0, 0.08, 0.18, 0.42, 0.50, 1.0),
    "park": (0.05, 0.10, 0.30, 0.62, 0.88, 1.0),
    "rural": (0.45, 0.57, 0.72, 0.78, 0.93, 1.0),
    "mixed": (0.18, 0.28, 0.40, 0.60, 0.72, 1.0),
}
GROUND = {
    "field": [rgb(112, 140, 62), rgb(138, 150, 72), rgb(168, 158, 92), rgb(122, 104, 74), rgb(92, 122, 56), rgb(150, 166, 90)],
    "bare": [rgb(152, 130, 98), rgb(170, 150, 112), rgb(132, 112, 88), rgb(160, 136, 104)],
    "grass": [rgb(104, 132, 66), rgb(118, 140, 74), rgb(96, 122, 62)],
    "park": [rgb(96, 130, 64), rgb(108, 138, 70), rgb(88, 120, 60)],
    "woods": [rgb(58, 84, 46), rgb(64, 90, 50)],
    "urban": [rgb(150, 148, 142), rgb(136, 136, 132), rgb(162, 158, 150)],
}
TREE = [rgb(46, 76, 40), rgb(58, 88, 46), rgb(70, 100, 52), rgb(52, 82, 50), rgb(80, 104, 56), rgb(40, 64, 38)]
ROOF = [rgb(122, 122, 120), rgb(92, 96, 102), rgb(70, 112, 160), rgb(202, 202, 198), rgb(160, 82, 62), rgb(104, 112, 104),
        rgb(176, 170, 160), rgb(60, 62, 66)]
CAR = [rgb(236, 236, 234), rgb(30, 30, 32), rgb(150, 152, 156), rgb(180, 40, 36), rgb(40, 70, 150), rgb(200, 200, 200),
       rgb(110, 110, 112), rgb(210, 170, 60)]
ASPHALT = rgb(78, 80, 82)
PAVING = rgb(184, 178, 166)


def _hash(i: int, j: int, s: int) -> float:
    x = (i * 73856093) ^ (j * 19349663) ^ (s * 83492791)
    x &= 0xFFFFFFFF
    x = ((x ^ (x >> 13)) * 1274126177) & 0xFFFFFFFF
    x = ((x ^ (x >> 16)) * 2246822519) & 0xFFFFFFFF
    return (x ^ (x >> 15)) / 4294967296.0


def value_noise(u: float, v: float, seed: int) -> float:
    """Smooth noise in [0, 1) with unit lattice spacing."""
    i, j = math.floor(u), math.floor(v)
    fu, fv = u - i, v - j
    su, sv = fu * fu * (3 - 2 * fu), fv * fv * (3 - 2 * fv)
    a, b = _hash(i, j, seed), _hash(i + 1, j, seed)
    c, d = _hash(i, j + 1, seed), _hash(i + 1, j + 1, seed)
    return (a * (1 - su) + b * su) * (1 - sv) + (c * (1 - su) + d * su) * sv


@dataclass
class Parcel:
    outline: np.ndarray        # 4 x 2 world corners
    zone: str
    color: tuple
    items: list[Item]


class LandGenerator:
    def __init__(self, land: Land, seed: int, water, water_z: float, land_z: float = 0.0, sun_azimuth_deg: float = 160.0,
                 keep_out=None, dumping=None):
        """keep_out: where planted objects stand on land (no tree, roof or car may cover them);
        dumping: around waste piles and trucks, where parcels are bare ground."""
        self.style = land.style
        self.seed = seed
        rng = np.random.default_rng(seed + 101)
        self.angle = float(rng.uniform(0, 90))
        a = math.radians(self.angle)
        self.rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])  # grid -> world
        self.water = water
        keep_out = keep_out if keep_out is not None and not keep_out.is_empty else None
        self.keep_out = keep_out
        self.near_water = water.buffer(2.5) if keep_out is None else water.buffer(2.5).union(keep_out)
        # crowns stay off the water (the water layer is drawn over land) and off planted objects
        self.tree_clear = water.buffer(6.0) if keep_out is None else water.buffer(6.0).union(keep_out.buffer(3.0))
        self.dumping = dumping if dumping is not None and not dumping.is_empty else None
        if self.dumping is not None:
            shapely.prepare(self.dumping)
        shapely.prepare(self.tree_clear)
        shapely.prepare(self.near_water)
        self.shore_band = water.buffer(45.0)
        shapely.prepare(self.shore_band)
        self.water_z, self.land_z = water_z, land_z
        self.sun = np.array([math.sin(math.radians(sun_azimuth_deg)), math.cos(math.radians(sun_azimuth_deg))])
        self.cache: OrderedDict[tuple[int, int], Parcel] = OrderedDict()
        self.cache_size = 4000
        self._lock = threading.Lock()
        self._roads(land, rng)

    # --- grid ---------------------------------------------------------------------------------
    def to_grid(self, xy: np.ndarray) -> np.ndarray:
        return np.asarray(xy) @ self.rot

    def to_world(self, g: np.ndarray) -> np.ndarray:
        return np.asarray(g) @ self.rot.T

    def cells(self, region_xy: np.ndarray, limit: int = 400) -> list[tuple[int, int]]:
        g = self.to_grid(region_xy)
        i0, j0 = np.floor(g.min(axis=0) / CELL_M).astype(int)
        i1, j1 = np.floor(g.max(axis=0) / CELL_M).astype(int)
        region = Polygon(g / CELL_M)
        out = []
        for i in range(i0, i1 + 1):
            for j in range(j0, j1 + 1):
                if region.intersects(Polygon([(i, j), (i + 1, j), (i + 1, j + 1), (i, j + 1)])):
                    out.append((i, j))
        if len(out) > limit:  # a far oblique view: keep the nearest parcels
            c = np.asarray(region_xy).mean(axis=0) @ self.rot / CELL_M
            out.sort(key=lambda ij: (ij[0] + 0.5 - c[0]) ** 2 + (ij[1] + 0.5 - c[1]) ** 2)
            out = out[:limit]
        return out

    def zone(self, i: int, j: int) -> str:
        c = self.to_world(np.array([(i + 0.5) * CELL_M, (j + 0.5) * CELL_M]))
        n = 0.65 * value_noise(i / 5.0, j / 5.0, self.seed) + 0.35 * value_noise(i / 1.7, j / 1.7, self.seed + 7)
        n = min(max((n - 0.2) / 0.6, 0.0), 0.999)
        bins = STYLE_BINS[self.style]
        z = next(ZONES[k] for k in range(len(ZONES)) if n < bins[k] or k == len(ZONES) - 1)
        if self.dumping is not None and self.dumping.intersects(shapely.Point(*c).buffer(CELL_M * 0.71)):
            return "bare"       # dumping happens on bare ground: construction sites, fallow fields
        if self.shore_band.contains(shapely.Point(*c)) and z in ("urban", "bare", "field"):
            z = "park" if self.style in ("urban", "park", "mixed") else "grass"
        return z

    def parcel(self, i: int, j: int) -> Parcel:
        key = (i, j)
        with self._lock:  # scenes of one site share a generator, renderers may run in threads
            p = self.cache.get(key)
            if p is not None:
                self.cache.move_to_end(key)
                return p
        p = self._make_parcel(i, j)
        with self._lock:
            self.cache[key] = p
            if len(self.cache) > self.cache_size:
                self.cache.popitem(last=False)
        return p

    # --- parcels ------------------------------------------------------------------------------
    def _make_parcel(self, i: int, j: int) -> Parcel:
        rng = np.random.default_rng([self.seed, i & 0xFFFFFFFF, j & 0xFFFFFFFF])
        zone = self.zone(i, j)
        g0 = np.array([i * CELL_M, j * CELL_M])
        outline = self.to_world(g0 + np.array([[0, 0], [CELL_M, 0], [CELL_M, CELL_M], [0, CELL_M]]))
        pal = GROUND[zone]
        color = shade(pal[int(rng.integers(len(pal)))], rng.uniform(0.92, 1.06))
        items: list[Item] = []
        make = getattr(self, f"_{zone}")
        make(rng, g0, items)
        return Parcel(outline, zone, color, [it for it in items if it is not None])

    def _dry(self, xy: np.ndarray) -> np.ndarray:
        """Mask of points clear of the water (with a small margin)."""
        xy = np.asarray(xy).reshape(-1, 2)
        return ~shapely.contains_xy(self.near_water, xy[:, 0], xy[:, 1])

    def _trees(self, rng, centres_g: np.ndarray, rmin: float, rmax: float) -> Item | None:
        if len(centres_g) == 0:
            return None
        xy = self.to_world(centres_g)
        xy = xy[~shapely.contains_xy(self.tree_clear, xy[:, 0], xy[:, 1])]
        if len(xy) == 0:
            return None
        parts, shadows = [], []
        n = len(xy)
        radius = rng.uniform(rmin, rmax, n)
        height = self.land_z + rng.uniform(4.0, 11.0, n)
        ang = np.linspace(0, 2 * math.pi, 14, endpoint=False)
        k = rng.integers(3, 6, n)[:, None]
        lobes = 1.0 - 0.22 * np.abs(np.sin(ang[None, :] * k / 2 + rng.uniform(0, 6.3, (n, 1)))) - rng.uniform(0, 0.1, (n, 14))
        ring = np.stack([radius[:, None] * lobes * np.cos(ang), radius[:, None] * lobes * np.sin(ang)], axis=2)  # n x 14 x 2
        # crowns in a few shades, drawn layer by layer (all dark rims, then the crowns, then the lit tops),
        # one fill per shade: neighbouring crowns merge into a canopy, as they do from above
        tone = rng.integers(len(TREE), size=n) * 3 + rng.integers(3, size=n)
        layers: dict[tuple[int, int], list[np.ndarray]] = {}
        for j in range(n):
            c, h, r = xy[j], height[j], radius[j]
            for level, (scale, lift, off) in enumerate(((1.0, -0.5, 0.0), (0.72, -0.2, 0.18), (0.33, 0.0, 0.35))):
                pts = c + self.sun * r * off + ring[j] * scale
                layers.setdefault((level, int(tone[j])), []).append(np.column_stack([pts, np.full(14, h + lift)]))
            shadows.append(Shadow(np.array([[c[0], c[1], h - 0.5]]), self.land_z, grounded=False, radius=r * 0.9))
        for (level, t), rings in sorted(layers.items()):
            col = shade(shade(TREE[t // 3], (0.9, 1.0, 1.08)[t % 3]), (0.72, 1.0, 1.22)[level])
            parts.append(polys(rings, col))
        return item_of(parts, shadows)

    def _grass(self, rng, g0, items):
        n = rng.poisson(4)
        items.append(self._trees(rng, g0 + rng.uniform(0, CELL_M, (n, 2)), 1.5, 3.5))

    def _park(self, rng, g0, items):
        centres = []
        for _ in range(rng.integers(1, 4)):
            c = rng.uniform(5, CELL_M - 5, 2)
            k = rng.poisson(6)
            centres.append(np.clip(c + rng.normal(0, 6, (k, 2)), 0, CELL_M))
        centres.append(rng.uniform(0, CELL_M, (rng.poisson(3), 2)))
        items.append(self._trees(rng, g0 + np.vstack(centres), 2.0, 4.5))
        if rng.random() < 0.35:  # a footpath across the parcel
            a, b = rng.uniform(0, CELL_M, 2)
            path = self.to_world(g0 + np.array([[0, a], [CELL_M, b]]))
            if self._dry(path).all():
                items.append(item_of([lines(path[None], self.land_z + 0.01, PAVING, rng.uniform(2, 4))], flat=True))

    def _woods(self, rng, g0, items):
        n = rng.poisson(38)
        items.append(self._trees(rng, g0 + rng.uniform(0, CELL_M, (n, 2)), 2.5, 4.8))

    def _field(self, rng, g0, items):
        k = int(rng.integers(1, 4))
        cuts = np.sort(rng.uniform(0.15, 0.85, k - 1)) * CELL_M
        edges = np.concatenate([[0.0], cuts, [CELL_M]])
        along = rng.random() < 0.5
        parts = []
        for a0, a1 in zip(edges[:-1], edges[1:]):
            col = shade(GROUND["field"][int(rng.integers(len(GROUND["field"])))], rng.uniform(0.9, 1.08))
            strip = np.array([[a0, 0], [a1, 0], [a1, CELL_M], [a0, CELL_M]]) if along else \
                np.array([[0, a0], [CELL_M, a0], [CELL_M, a1], [0, a1]])
            parts.append(poly(self.to_world(g0 + strip), self.land_z, col))
            sp = rng.uniform(0.8, 2.0)
            t = np.arange(a0 + sp / 2, a1, sp)
            if along:
                segs = np.stack([np.column_stack([t, np.zeros_like(t)]), np.column_stack([t, np.full_like(t, CELL_M)])], 1)
            else:
                segs = np.stack([np.column_stack([np.zeros_like(t), t]), np.column_stack([np.full_like(t, CELL_M), t])], 1)
            w = self.to_world((g0 + segs.reshape(-1, 2))).reshape(-1, 2, 2)
            parts.append(lines(w, self.land_z + 0.01, shade(col, 0.78), sp * 0.35, alpha=0.6))
        edge = self.to_world(g0 + np.array([[[0, 0], [CELL_M, 0]], [[0, 0], [0, CELL_M]]]).reshape(-1, 2)).reshape(-1, 2, 2)
        parts.append(lines(edge, self.land_z + 0.02, rgb(118, 112, 84), 0.8, alpha=0.8))
        items.append(item_of(parts, flat=True))
        if rng.random() < 0.25:
            line = np.column_stack([np.linspace(2, CELL_M - 2, 8), np.full(8, rng.uniform(1, 3))])
            items.append(self._trees(rng, g0 + line, 1.8, 3.0))

    def _bare(self, rng, g0, items):
        parts = []
        for _ in range(rng.integers(1, 4)):  # tyre tracks
            p = rng.uniform(0, CELL_M, (3, 2))
            t = np.linspace(0, 1, 10)[:, None]
            curve = (1 - t) ** 2 * p[0] + 2 * (1 - t) * t * p[1] + t ** 2 * p[2]
            w = self.to_world(g0 + curve)
            segs = np.stack([w[:-1], w[1:]], 1)
            parts.append(lines(segs, self.land_z + 0.01, rgb(118, 100, 78), rng.uniform(0.5, 1.2), alpha=0.5))
        if parts:
            items.append(item_of(parts, flat=True))
        for _ in range(rng.poisson(1.2)):  # soil mounds and gravel heaps: what a waste pile is not
            c = g0 + rng.uniform(6, CELL_M - 6, 2)
            w = self.to_world(c)
            if not self._dry(w).all():
                continue
            L = Local(w[0], w[1], rng.uniform(0, 360))
            r = rng.uniform(1.5, 5)
            col = rgb(*[int(v) for v in rng.choice([[140, 112, 82], [160, 150, 130], [120, 96, 70], [176, 160, 120]])])
            out = blob(rng, r, r * rng.uniform(0.5, 1), 16, 0.15)
            h = r * 0.35
            it = item_of([poly(L.xy(out), self.land_z, shade(col, 0.9)), poly(L.xy(out * 0.65), self.land_z + h * 0.6, col),
                          poly(L.xy(out * 0.3), self.land_z + h, shade(col, 1.1))],
                         [Shadow(np.column_stack([L.xy(out * 0.5), np.full(len(out), self.land_z + h)]), self.land_z)])
            items.append(it)

    def _urban(self, rng, g0, items):
        lots = [(0, CELL_M, 0, CELL_M)]
        if rng.random() < 0.6:
            m = rng.uniform(0.35, 0.65) * CELL_M
            lots = [(0, m, 0, CELL_M), (m, CELL_M, 0, CELL_M)]
            if rng.random() < 0.5:
                n = rng.uniform(0.35, 0.65) * CELL_M
                lots = [(a0, a1, b0, b1) for a0, a1 in ((0, m), (m, CELL_M)) for b0, b1 in ((0, n), (n, CELL_M))]
        low = self.style == "rural"
        for a0, a1, b0, b1 in lots:
            if rng.random() < 0.15:
                continue
            inset = rng.uniform(3, 7, 4)
            fa0, fa1, fb0, fb1 = a0 + inset[0], a1 - inset[1], b0 + inset[2], b1 - inset[3]
            if fa1 - fa0 < 5 or fb1 - fb0 < 5:
                continue
            corners = self.to_world(g0 + np.array([[fa0, fb0], [fa1, fb0], [fa1, fb1], [fa0, fb1]]))
            if not self._dry(corners).all():
                continue
            h = self.land_z + (rng.uniform(3.5, 9) if low else rng.choice([rng.uniform(4, 12), rng.uniform(12, 28)], p=[0.7, 0.3]))
            roof = shade(ROOF[int(rng.integers(len(ROOF)))], rng.uniform(0.9, 1.08))
            parts = _prism(corners, self.land_z, h, roof)
            for _ in range(rng.integers(0, 4)):  # rooftop plant
                ca, cb = rng.uniform(fa0 + 1.5, fa1 - 1.5), rng.uniform(fb0 + 1.5, fb1 - 1.5)
                s = rng.uniform(0.6, 1.6)
                parts += _prism(self.to_world(g0 + np.array([[ca - s, cb - s], [ca + s, cb - s], [ca + s, cb + s], [ca - s, cb + s]])),
                                h, h + rng.uniform(0.5, 1.5), shade(roof, 1.15))
            items.append(item_of(parts, [Shadow(np.column_stack([corners, np.full(4, h)]), self.land_z)]))
        for _ in range(rng.poisson(2.0)):  # parked cars in the yards
            c = self.to_world(g0 + rng.uniform(2, CELL_M - 2, 2))
            if self._dry(c).all():
                items.append(car(rng, c[0], c[1], self.angle + rng.choice([0, 90]), self.land_z))
        if rng.random() < 0.5:
            items.append(self._trees(rng, g0 + rng.uniform(0, CELL_M, (rng.poisson(4), 2)), 1.5, 3.0))

    # --- roads --------------------------------------------------------------------------------
    def _roads(self, land: Land, rng: np.random.Generator) -> None:
        self.road_layer = TiledLayer(None)
        self.promenade_layer = TiledLayer(None)
        self.markings = np.zeros((0, 2, 2))
        self.cars: list[Item] = []
        self.car_xy = np.zeros((0, 2))
        main = max(self.water.geoms, key=lambda g: g.area) if hasattr(self.water, "geoms") else self.water
        if self.style in ("urban", "park", "mixed"):
            prom = self.water.buffer(9.0).difference(self.water.buffer(3.0))
            self.promenade_layer = TiledLayer(prom)
        if not land.roads:
            return
        region = self.water.buffer(650.0)
        spacing = {"urban": 4, "park": 6, "mixed": 5, "rural": 7}[self.style] * CELL_M
        shore_off = float(rng.uniform(45, 80))
        centre_lines = [LineString(np.asarray(Polygon(main.exterior).buffer(shore_off).exterior.coords)).simplify(2.0)]
        widths = [float(rng.uniform(9, 16))]
        x0, y0, x1, y1 = region.bounds
        corners = self.to_grid(np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]]))
        g_lo, g_hi = corners.min(axis=0), corners.max(axis=0)
        keep_out = self.water.buffer(shore_off - 8)
        for axis in (0, 1):
            start = math.ceil(g_lo[axis] / spacing) * spacing
            for t in np.arange(start, g_hi[axis], spacing):
                if axis == 0:
                    seg = np.array([[t, g_lo[1]], [t, g_hi[1]]])
                else:
                    seg = np.array([[g_lo[0], t], [g_hi[0], t]])
                ln = LineString(self.to_world(seg)).intersection(region).difference(keep_out)
                for part in lines_of(ln):
                    if LineString(part).length > 60:
                        centre_lines.append(LineString(part))
                        widths.append(float(rng.uniform(6, 12)))
        roads = shapely.union_all([ln.buffer(w / 2, cap_style="flat") for ln, w in zip(centre_lines, widths)])
        roads = roads.difference(self.water.buffer(4.0))
        self.road_layer = TiledLayer(roads)
        dashes, cars, car_xy = [], [], []
        for ln, w in zip(centre_lines, widths):
            length = ln.length
            for s in np.arange(0, length - 3, 9.0):
                a, b = ln.interpolate(s), ln.interpolate(s + 3.0)
                dashes.append([[a.x, a.y], [b.x, b.y]])
            for s in np.arange(rng.uniform(0, 40), length, rng.uniform(25, 70) if self.style != "rural" else 140):
                p, q = ln.interpolate(s), ln.interpolate(min(s + 1.0, length))
                d = np.array([q.x - p.x, q.y - p.y])
                if np.hypot(*d) < 1e-6:
                    continue
                d /= np.hypot(*d)
                side = rng.choice([-1, 1])
                c = np.array([p.x, p.y]) + side * np.array([d[1], -d[0]]) * w / 4
                if not roads.contains(shapely.Point(*c)) or (self.keep_out is not None and
                                                             self.keep_out.distance(shapely.Point(*c)) < 4):
                    continue
                heading = math.degrees(math.atan2(d[0], d[1])) + (180 if side < 0 else 0)
                cars.append(car(rng, c[0], c[1], heading, self.land_z, compass=True))
                car_xy.append(c)
        keep = [i for i, dsh in enumerate(dashes) if roads.contains(shapely.Point(*np.mean(dsh, axis=0)))]
        self.markings = np.array([dashes[i] for i in keep]) if keep else np.zeros((0, 2, 2))
        self.cars = cars
        self.car_xy = np.array(car_xy) if car_xy else np.zeros((0, 2))
        self.road_centres = MultiLineString(centre_lines)


def _prism(corners: np.ndarray, z0: float, z1: float, top) -> list[Part]:
    parts = []
    n = len(corners)
    for k in range(n):
        p, q = corners[k], corners[(k + 1) % n]
        parts.append(Part(0, np.array([[*p, z0], [*q, z0], [*q, z1], [*p, z1]]), shade(top, 0.62 + 0.12 * (k % 2)), wall=True))
    parts.append(poly(corners, z1, top))
    return parts


def car(rng, x: float, y: float, heading: float, z0: float, compass: bool = False) -> Item:
    """A car of 4.5 x 1.8 m; `heading` clockwise from north when compass, else grid-relative degrees."""
    hdg = heading if compass else 90.0 - heading
    L = Local(x, y, hdg)
    body = CAR[int(rng.integers(len(CAR)))]
    parts = box_parts(L, rect(-2.25, 2.25, -0.9, 0.9), z0 + 0.3, z0 + 1.45, body, shade(body, 0.7))
    parts.append(poly(L.xy(rect(0.4, 1.3, -0.78, 0.78)), z0 + 1.46, rgb(40, 48, 58)))
    parts.append(poly(L.xy(rect(-1.6, -1.0, -0.78, 0.78)), z0 + 1.46, rgb(50, 58, 66)))
    return item_of(parts, [Shadow(np.column_stack([L.xy(rect(-2.25, 2.25, -0.9, 0.9)), np.full(4, z0 + 1.45)]), z0)])
