"""How each planted object looks from above: a true-size drawing in world coordinates.

Every part that is not flagged `extra` stays inside the object's labelled box (its footprint
rectangle from the surface up to `WorldObject.height_m`); tests hold the drawings to that. Details
(where people sit, the chunks of a pile) follow from the object's `variant`, so a world renders the
same every time.
"""
from __future__ import annotations

import math

import numpy as np

from sim.world.geometry import resample, unit
from sim.world.schema import WorldObject

from .parts import Item, Part, Shadow, disc, item_of, lines, lines3, mix, poly, rgb, shade

HULL = {"white": rgb(228, 228, 222), "blue": rgb(44, 92, 160), "green": rgb(52, 118, 82), "wood": rgb(138, 98, 60),
        "grey": rgb(128, 134, 134), "red": rgb(168, 52, 42)}
TRUCK = {"green": rgb(62, 138, 80), "blue": rgb(42, 88, 168), "yellow": rgb(222, 182, 44), "white": rgb(226, 226, 220),
         "red": rgb(178, 52, 40), "orange": rgb(222, 122, 32)}
FLOAT = {"white": [rgb(238, 238, 232), rgb(225, 228, 222)], "orange": [rgb(240, 118, 30), rgb(226, 96, 26)],
         "dark": [rgb(42, 46, 42), rgb(30, 52, 40), rgb(55, 50, 45)]}
CAP = {"red": rgb(210, 40, 40), "yellow": rgb(235, 210, 40), "white": rgb(240, 240, 235), "orange": rgb(240, 120, 30),
       "black": rgb(30, 30, 32), "blue": rgb(40, 80, 190)}
BUOY = {"orange": rgb(240, 112, 28), "red": rgb(205, 40, 35), "yellow": rgb(238, 205, 40), "white": rgb(240, 240, 235),
        "green": rgb(40, 140, 70)}
SKIN = [rgb(214, 170, 135), rgb(190, 140, 105), rgb(160, 115, 85)]
SHIRTS = [rgb(40, 70, 150), rgb(230, 230, 225), rgb(200, 50, 40), rgb(110, 110, 110), rgb(40, 40, 45), rgb(240, 120, 30),
          rgb(60, 110, 60)]
TARPS = [rgb(40, 92, 160), rgb(52, 110, 70), rgb(150, 150, 145), rgb(210, 120, 40)]
PILE = {
    "construction": [rgb(152, 150, 144), rgb(122, 120, 116), rgb(150, 76, 56), rgb(172, 98, 72), rgb(176, 162, 136),
                     rgb(200, 196, 186), rgb(96, 92, 88)],
    "household": [rgb(222, 222, 216), rgb(36, 36, 38), rgb(52, 92, 170), rgb(62, 130, 72), rgb(220, 196, 60),
                  rgb(190, 60, 50), rgb(160, 130, 92), rgb(190, 190, 200)],
    "soil": [rgb(120, 96, 70), rgb(102, 82, 62), rgb(142, 116, 86), rgb(150, 148, 140)],
}
PILE["mixed"] = PILE["construction"][:5] + PILE["household"][:5]
DEBRIS = {
    "plastic": [rgb(232, 232, 228), rgb(200, 215, 225), rgb(60, 110, 180), rgb(40, 40, 40), rgb(90, 160, 90)],
    "styrofoam": [rgb(245, 245, 242), rgb(236, 236, 230), rgb(220, 222, 215)],
    "branches": [rgb(96, 72, 48), rgb(120, 92, 60), rgb(70, 60, 45), rgb(130, 120, 70)],
}
DEBRIS["mixed"] = DEBRIS["plastic"] + DEBRIS["styrofoam"][:1] + DEBRIS["branches"][:2]


MARKER_SCALE, MARKER_MIN_M = 1.8, 0.25   # a net's end marker buoys, relative to its floats


class Local:
    """Object-local coordinates: a along the heading (forward), b to the right, in metres."""

    def __init__(self, x: float, y: float, heading_deg: float):
        self.c = np.array([x, y])
        self.f = unit(heading_deg)
        self.r = np.array([self.f[1], -self.f[0]])

    def xy(self, ab) -> np.ndarray:
        ab = np.asarray(ab, dtype=float).reshape(-1, 2)
        return self.c + ab[:, :1] * self.f + ab[:, 1:2] * self.r

    def pt(self, a: float, b: float) -> tuple[float, float]:
        p = self.c + a * self.f + b * self.r
        return float(p[0]), float(p[1])


def rect(a0, a1, b0, b1) -> np.ndarray:
    """Counter-clockwise (in x east / y north) corners of a local rectangle."""
    return np.array([[a0, b1], [a1, b1], [a1, b0], [a0, b0]], dtype=float)


def ellipse(ra: float, rb: float, n: int = 16, ca: float = 0.0, cb: float = 0.0) -> np.ndarray:
    t = np.linspace(0, 2 * math.pi, n, endpoint=False)
    return np.column_stack([ca + ra * np.cos(t), cb - rb * np.sin(t)])


def blob(rng: np.random.Generator, ra: float, rb: float, n: int = 20, rough: float = 0.18,
         ca: float = 0.0, cb: float = 0.0, power: float = 2.0) -> np.ndarray:
    """An irregular ellipse (a squarer superellipse for power > 2) that stays within radii (ra, rb):
    lobes from a few harmonics, plus jitter."""
    t = np.linspace(0, 2 * math.pi, n, endpoint=False)
    sq = (np.abs(np.cos(t)) ** power + np.abs(np.sin(t)) ** power) ** (-1.0 / power)
    k = np.arange(1, 8)
    ph = rng.uniform(0, 2 * math.pi, len(k))
    amp = rng.uniform(0, 1, len(k)) / k ** 0.8
    wob = (np.cos(np.outer(t, k) + ph) * amp).sum(axis=1) + rng.uniform(0, 0.25, n)
    wob = (1.0 - rough * (wob - wob.min()) / max(np.ptp(wob), 1e-9)) * sq
    return np.column_stack([ca + ra * wob * np.cos(t), cb - rb * wob * np.sin(t)])


def walls(L: Local, outline_ab: np.ndarray, z0: float, z1: float, color, side_shade=0.72) -> list[Part]:
    """The side faces of an extruded outline; the renderer paints them far to near, then the top over them."""
    out = []
    xy = L.xy(outline_ab)
    n = len(xy)
    for i in range(n):
        p, q = xy[i], xy[(i + 1) % n]
        quad = np.array([[*p, z0], [*q, z0], [*q, z1], [*p, z1]])
        f = side_shade * (0.9 + 0.1 * ((i % 2) * 2 - 1))
        out.append(Part(0, quad, shade(color, f), wall=True))
    return out


def box(L: Local, outline_ab: np.ndarray, z0: float, z1: float, top, sides=None) -> list[Part]:
    return walls(L, outline_ab, z0, z1, sides or top) + [poly(L.xy(outline_ab), z1, top)]


# --- the objects -------------------------------------------------------------------------------

def fishing_net(o: WorldObject, frame, z0: float) -> Item:
    rng = np.random.default_rng(o.variant)
    xy = frame.xy_array(o.line)
    pts = resample(xy, o.spacing_m)
    pts = pts + np.clip(rng.normal(0, 0.01, pts.shape), -0.02, 0.02)
    palette = FLOAT[o.color]
    base = palette[int(rng.integers(len(palette)))]
    parts: list[Part] = []
    rope = mix(base, rgb(60, 60, 60), 0.5)
    segs = np.stack([pts[:-1], pts[1:]], axis=1)
    parts.append(lines(segs, z0 + 0.02, rope, 0.012, alpha=0.35))
    r = o.width_m / 2.0
    for i, (x, y) in enumerate(pts):
        c = shade(base, rng.uniform(0.9, 1.08))
        parts.append(disc(x, y, z0 + 0.05, r * rng.uniform(0.9, 1.0), c))
    if o.markers:
        for end in (0, -1):
            x, y = pts[end]
            parts.append(disc(x, y, z0 + 0.05, max(MARKER_MIN_M, r * MARKER_SCALE), BUOY["orange"] if o.color != "orange" else BUOY["red"]))
            pole = np.array([[x, y, z0 + 0.1], [x + 0.05, y + 0.05, z0 + 2.0]])
            parts.append(lines3(pole, rgb(150, 130, 80), 0.04, extra=True))
            flag = np.array([[x + 0.05, y + 0.05, z0 + 2.0], [x + 0.5, y + 0.15, z0 + 1.9], [x + 0.05, y + 0.05, z0 + 1.7]])
            parts.append(Part(0, flag, rgb(210, 40, 40), extra=True))
    return item_of(parts, flat=True, object_id=o.id)


def _hull_outline(length: float, width: float, n_side: int = 6) -> np.ndarray:
    """A small boat seen from above: square-ish stern, widest a little aft, a pointed bow."""
    hl, hw = length / 2.0, width / 2.0
    a = np.linspace(-hl, hl, n_side + 2)[1:-1]
    t = (a + hl) / length
    b = hw * np.where(t < 0.55, 0.86 + 0.14 * np.sin(t / 0.55 * math.pi / 2), np.cos((t - 0.55) / 0.45 * math.pi / 2) ** 0.8)
    return np.vstack([[-hl, -0.84 * hw], np.column_stack([a, -b]), [hl, 0.0], np.column_stack([a, b])[::-1],
                      [-hl, 0.84 * hw]])


def _boat(o: WorldObject, frame, z0: float, people: int, rods: int, canopy: bool) -> Item:
    rng = np.random.default_rng(o.variant)
    x, y = frame.to_xy(o.lat, o.lon)
    L = Local(x, y, o.heading_deg)
    hl, hw = o.length_m / 2.0, o.width_m / 2.0
    color = HULL[o.color]
    outline = _hull_outline(o.length_m, o.width_m)
    gunwale = 0.6
    parts: list[Part] = [poly(L.xy(outline), z0, shade(color, 0.55))]
    parts += walls(L, outline, z0, z0 + gunwale, color, 0.7)
    parts.append(poly(L.xy(outline), z0 + gunwale, color))
    inner = outline * np.array([0.86, 0.72])
    interior = rgb(150, 120, 85) if o.color != "wood" else rgb(110, 80, 50)
    interior = mix(interior, color, 0.25) if rng.random() < 0.5 else shade(color, 0.7)
    parts.append(poly(L.xy(inner), z0 + 0.35, interior))
    for a in rng.uniform(-0.3, 0.25, 2) * o.length_m:
        bw = hw * 0.68
        parts.append(poly(L.xy(rect(a - 0.12, a + 0.12, -bw, bw)), z0 + 0.45, rgb(120, 92, 60)))
    # outboard motor on the stern
    parts.append(poly(L.xy(rect(-hl + 0.05, -hl + 0.45, -0.16, 0.16)), z0 + 0.9, rgb(40, 42, 45)))
    shadow = [Shadow(np.column_stack([L.xy(outline), np.full(len(outline), z0 + gunwale)]), z0)]
    seats = np.linspace(-0.3, 0.3, max(people, 1)) * o.length_m + rng.uniform(-0.2, 0.2, max(people, 1))
    for i in range(people):
        a = float(seats[i])
        b = float(rng.uniform(-0.15, 0.15) * hw)
        standing = rng.random() < 0.3
        top = z0 + (1.7 if standing else 1.2)
        shirt = SHIRTS[int(rng.integers(len(SHIRTS)))]
        sh = min(0.23, hw * 0.8)
        parts.append(poly(L.xy(ellipse(0.13, sh, 10, a, b)), top - 0.25, shirt))
        hat = rng.random()
        head = rgb(205, 182, 128) if hat < 0.4 else (rgb(32, 28, 24) if hat < 0.8 else SHIRTS[int(rng.integers(len(SHIRTS)))])
        hr = 0.2 if hat < 0.4 else 0.11
        hx, hy = L.pt(a, b)
        parts.append(disc(hx, hy, top, min(hr, hw * 0.9), head))
        shadow.append(Shadow(np.array([[hx, hy, top], [hx + 0.1, hy, top], [hx, hy + 0.1, top]]), z0))
        if i < rods:
            side = 1 if (i % 2 == 0) else -1
            ang = math.radians(rng.uniform(50, 130)) * side
            rl = rng.uniform(2.5, 4.0)
            tip = (a + rl * math.cos(ang), b + rl * math.sin(ang))
            p0 = (*L.pt(a, b), top - 0.2)
            p1 = (*L.pt(*tip), top + 0.8)
            parts.append(lines3(np.array([p0, p1]), rgb(45, 45, 45), 0.03, alpha=0.85, extra=True))
    if canopy:
        tarp = TARPS[int(rng.integers(len(TARPS)))]
        ca = rng.uniform(-0.15, 0.05) * o.length_m
        cl = min(0.45 * o.length_m, 2.2)
        cw = hw * 0.9
        parts += box(L, rect(ca - cl / 2, ca + cl / 2, -cw, cw), z0 + 1.3, z0 + 1.7, tarp, shade(tarp, 0.75))
        shadow.append(Shadow(np.column_stack([L.xy(rect(ca - cl / 2, ca + cl / 2, -cw, cw)), np.full(4, z0 + 1.7)]), z0))
    return item_of(parts, shadow, object_id=o.id)


def fishing_boat(o: WorldObject, frame, z0: float) -> Item:
    return _boat(o, frame, z0, o.people, o.rods, o.canopy)


def moored_boat(o: WorldObject, frame, z0: float) -> Item:
    it = _boat(o, frame, z0, 0, 0, False)
    if o.canopy:  # a tarp over most of the boat
        rng = np.random.default_rng(o.variant + 1)
        x, y = frame.to_xy(o.lat, o.lon)
        L = Local(x, y, o.heading_deg)
        tarp = TARPS[int(rng.integers(len(TARPS)))]
        cover = _hull_outline(o.length_m, o.width_m) * np.array([0.8, 0.85])
        it.parts.append(poly(L.xy(cover), z0 + 0.9, tarp))
    return it


def swimmer(o: WorldObject, frame, z0: float) -> Item:
    rng = np.random.default_rng(o.variant)
    x, y = frame.to_xy(o.lat, o.lon)
    L = Local(x, y, o.heading_deg)
    hl, hw = o.length_m / 2.0, o.width_m / 2.0
    skin = SKIN[int(rng.integers(len(SKIN)))]
    suit = SHIRTS[int(rng.integers(len(SHIRTS)))]
    foam_c = rgb(236, 240, 240)
    parts: list[Part] = [poly(L.xy(ellipse(hl * 0.95, hw * 0.9, 16)), z0, rgb(200, 210, 210), alpha=0.12)]
    # the body just under the surface, legs trailing, seen through the water
    body = mix(mix(skin, suit, 0.35), rgb(255, 255, 255), 0.15)
    parts.append(poly(L.xy(ellipse(hl * 0.42, hw * 0.42, 14, 0.12 * hl)), z0, body, alpha=0.7))
    legs = np.array([[[-0.25 * hl, 0.12 * hw], [-0.85 * hl, rng.uniform(0.2, 0.5) * hw]],
                     [[-0.25 * hl, -0.12 * hw], [-0.85 * hl, -rng.uniform(0.2, 0.5) * hw]]])
    parts.append(lines(L.xy(legs.reshape(-1, 2)).reshape(-1, 2, 2), z0, mix(skin, rgb(90, 110, 100), 0.35), 0.13, alpha=0.6))
    for _ in range(int(rng.integers(6, 12))):  # splash of the kicking feet
        a, b = rng.uniform(-hl * 0.97, -hl * 0.6), rng.uniform(-hw * 0.7, hw * 0.7)
        r = rng.uniform(0.05, 0.13)
        a = min(max(a, -hl + r), hl - r)
        px, py = L.pt(a, min(max(b, -hw + r), hw - r))
        parts.append(disc(px, py, z0 + 0.02, r, foam_c, alpha=rng.uniform(0.5, 0.9)))
    side = 1 if rng.random() < 0.5 else -1
    arm = np.array([[*L.pt(0.38 * hl, side * 0.45 * hw), z0 + 0.08], [*L.pt(0.9 * hl, side * 0.6 * hw), z0 + 0.25]])
    parts.append(lines3(arm, skin, 0.09))
    back = np.array([[*L.pt(0.38 * hl, -side * 0.45 * hw), z0], [*L.pt(-0.05 * hl, -side * 0.85 * hw), z0 + 0.05]])
    parts.append(lines3(back, skin, 0.09, alpha=0.75))
    for _ in range(int(rng.integers(4, 8))):  # water thrown up by the stroke
        r = rng.uniform(0.04, 0.1)
        a, b = rng.uniform(0.55, 0.95) * hl, side * rng.uniform(0.2, 0.9) * hw
        px, py = L.pt(min(a, hl - r), min(max(b, -hw + r), hw - r))
        parts.append(disc(px, py, z0 + 0.02, r, foam_c, alpha=rng.uniform(0.45, 0.85)))
    hx, hy = L.pt(0.55 * hl, 0.0)
    parts.append(disc(hx, hy, z0 + 0.15, 0.115, CAP[o.color]))
    return item_of(parts, flat=True, object_id=o.id)


def waste_pile(o: WorldObject, frame, z0: float) -> Item:
    """Dumped rubble: a dusty irregular heap with a few mounds, and many chunks that catch the light."""
    rng = np.random.default_rng(o.variant)
    x, y = frame.to_xy(o.lat, o.lon)
    L = Local(x, y, o.heading_deg)
    ra, rb = o.length_m / 2.0, o.width_m / 2.0
    h = o.height_m
    pal = PILE[o.color]
    dust = {"household": rgb(138, 132, 120), "soil": rgb(128, 104, 78)}.get(o.color, rgb(164, 156, 142))
    outline = blob(rng, ra, rb, 40, 0.3, power=3.0)
    parts: list[Part] = [poly(L.xy(outline), z0, shade(dust, 0.9))]
    shadows = []
    mounds = int(rng.integers(1, 4)) if min(ra, rb) > 1.5 else 1
    for m in range(mounds):
        s_ = rng.uniform(0.35, 0.6) if mounds > 1 else 0.7
        ca, cb = rng.uniform(-0.4, 0.4) * ra * (1 - s_), rng.uniform(-0.4, 0.4) * rb * (1 - s_)
        mound = blob(rng, ra * s_, rb * s_, 20, 0.3, ca, cb)
        mound[:, 0] = np.clip(mound[:, 0], -ra, ra)
        mound[:, 1] = np.clip(mound[:, 1], -rb, rb)
        parts.append(poly(L.xy(mound), z0 + h * 0.6, shade(dust, rng.uniform(0.95, 1.1))))
        lit = mound * 0.55 + np.array([ca, cb]) * 0.45 + np.array([0.15 * ra * s_, -0.15 * rb * s_])
        parts.append(poly(L.xy(lit), z0 + h * 0.9, shade(dust, 1.15)))
        shadows.append(Shadow(np.column_stack([L.xy(mound), np.full(len(mound), z0 + h * 0.7)]), z0))
    n = int(np.clip(ra * rb * 16, 40, 600))
    size = float(np.clip(0.05 * min(ra, rb) + 0.1, 0.1, 0.6))
    t = rng.uniform(0, 2 * math.pi, n)
    rr = rng.uniform(0, 1, n) ** 0.75
    sun = np.array([0.5, -0.5])  # chunks are shaded as if lit from the north-west, shadowed to the south-east
    sz = size * rng.uniform(0.35, 1.4, n)
    for k in range(n):
        s = sz[k]
        if ra - s <= 0 or rb - s <= 0:
            continue
        ca = (ra - s) * rr[k] * math.cos(t[k]) * 0.9
        cb = (rb - s) * rr[k] * math.sin(t[k]) * 0.9
        col = pal[int(rng.integers(len(pal)))] if rng.random() < 0.6 else dust
        light = rng.uniform(0.75, 1.2)
        chunk = blob(rng, s, s * rng.uniform(0.35, 1.0), 5, 0.45, ca, cb)
        chunk[:, 0] = np.clip(chunk[:, 0], -ra, ra)
        chunk[:, 1] = np.clip(chunk[:, 1], -rb, rb)
        z = z0 + h * (1 - rr[k] ** 2) * 0.9
        if s > 0.15:
            dark = np.clip(chunk - sun * s * 0.35, [-ra, -rb], [ra, rb])
            parts.append(poly(L.xy(dark), max(z - 0.02, z0), shade(col, light * 0.55)))
        parts.append(poly(L.xy(chunk), z, shade(col, light)))
    return item_of(parts, shadows, object_id=o.id)


def muck_truck(o: WorldObject, frame, z0: float) -> Item:
    rng = np.random.default_rng(o.variant)
    x, y = frame.to_xy(o.lat, o.lon)
    L = Local(x, y, o.heading_deg)
    hl, hw = o.length_m / 2.0, o.width_m / 2.0
    color = TRUCK[o.color]
    cab_len = 2.2
    parts: list[Part] = []
    parts.append(poly(L.xy(rect(-hl, hl - 0.1, -hw * 0.92, hw * 0.92)), z0 + 0.9, rgb(34, 34, 36)))
    for a in (-hl + 1.2, -hl + 2.5, hl - 1.4):  # wheels peeking out
        for b in (-hw, hw * 0.8):
            parts.append(poly(L.xy(rect(a - 0.5, a + 0.5, b, b + 0.2 * hw)), z0 + 1.0, rgb(22, 22, 22)))
    cab = rect(hl - cab_len, hl, -hw, hw)
    parts += box(L, cab, z0 + 0.9, z0 + 3.0, color, shade(color, 0.75))
    parts.append(poly(L.xy(rect(hl - 0.55, hl - 0.05, -hw * 0.9, hw * 0.9)), z0 + 3.0, rgb(58, 66, 76)))
    bed_a0, bed_a1 = -hl, hl - cab_len - 0.2
    load = PILE["soil"][int(rng.integers(3))] if rng.random() < 0.7 else PILE["construction"][int(rng.integers(5))]
    bed_color = color if rng.random() < 0.6 else rgb(150, 150, 146)
    shadow_pts = [np.column_stack([L.xy(cab), np.full(4, z0 + 3.0)])]
    if not o.tipping:
        bed = rect(bed_a0, bed_a1, -hw, hw)
        parts += box(L, bed, z0 + 1.2, z0 + 2.9, bed_color, shade(bed_color, 0.7))
        inner = rect(bed_a0 + 0.12, bed_a1 - 0.12, -hw + 0.12, hw - 0.12)
        parts.append(poly(L.xy(inner), z0 + 2.7, load))
        shadow_pts.append(np.column_stack([L.xy(bed), np.full(4, z0 + 2.9)]))
    else:
        ang = math.radians(45.0)
        pivot_a, pivot_z = bed_a0 + 1.0, 1.2

        def tip(a, zr):
            da, dz = a - pivot_a, zr - pivot_z
            return pivot_a + da * math.cos(ang) - dz * math.sin(ang), pivot_z + da * math.sin(ang) + dz * math.cos(ang)
        corners = [(bed_a0, 1.2), (bed_a1, 1.2), (bed_a1, 2.9), (bed_a0, 2.9)]
        tipped = [tip(a, zr) for a, zr in corners]
        shift = max(0.0, -hl - min(a for a, _ in tipped))

        def P(a, zr, b):
            ta, tz = tip(a, zr)
            return [*L.pt(ta + shift, b), z0 + tz]
        floor = np.array([P(bed_a0, 1.2, -hw), P(bed_a1, 1.2, -hw), P(bed_a1, 1.2, hw), P(bed_a0, 1.2, hw)])
        top = np.array([P(bed_a0, 2.9, -hw), P(bed_a1, 2.9, -hw), P(bed_a1, 2.9, hw), P(bed_a0, 2.9, hw)])
        front = np.array([P(bed_a1, 1.2, -hw), P(bed_a1, 2.9, -hw), P(bed_a1, 2.9, hw), P(bed_a1, 1.2, hw)])
        side_l = np.array([P(bed_a0, 1.2, -hw), P(bed_a1, 1.2, -hw), P(bed_a1, 2.9, -hw), P(bed_a0, 2.9, -hw)])
        side_r = side_l.copy()
        side_r[:, :2] = np.array([P(bed_a0, 1.2, hw), P(bed_a1, 1.2, hw), P(bed_a1, 2.9, hw), P(bed_a0, 2.9, hw)])[:, :2]
        parts.append(Part(0, floor, shade(bed_color, 0.5)))
        parts.append(Part(0, front, shade(bed_color, 0.8)))
        parts.append(Part(0, side_l, shade(bed_color, 0.7)))
        parts.append(Part(0, side_r, shade(bed_color, 0.7)))
        inner = np.array([P(bed_a0 + 0.15, 1.35, -hw + 0.15), P(bed_a1 - 0.15, 1.35, -hw + 0.15),
                          P(bed_a1 - 0.15, 1.35, hw - 0.15), P(bed_a0 + 0.15, 1.35, hw - 0.15)])
        parts.append(Part(0, inner, shade(load, 0.8)))
        lip = np.array([P(bed_a1 - 0.1, 2.9, -hw), P(bed_a1, 2.9, -hw), P(bed_a1, 2.9, hw), P(bed_a1 - 0.1, 2.9, hw)])
        parts.append(Part(0, lip, bed_color))
        shadow_pts.append(np.vstack([floor, top]))
        # the load sliding out behind: outside the truck's box, so not part of its label
        spill = blob(rng, 1.6, hw * 1.1, 14, 0.3, -hl - 1.4, 0.0)
        parts.append(poly(L.xy(spill), z0 + 0.05, load, extra=True))
        parts.append(poly(L.xy(spill * 0.6 + [-hl * 0.4 - 0.6, 0]), z0 + 0.4, shade(load, 1.1), extra=True))
    shadows = [Shadow(np.vstack(shadow_pts), z0)]
    return item_of(parts, shadows, object_id=o.id)


def floating_debris(o: WorldObject, frame, z0: float) -> Item:
    """Rubbish gathered by wind and current: a loose, elongated drift of bottles, bags, foam and sticks."""
    rng = np.random.default_rng(o.variant)
    x, y = frame.to_xy(o.lat, o.lon)
    L = Local(x, y, o.heading_deg)
    ra, rb = o.length_m / 2.0, o.width_m / 2.0
    pal = DEBRIS[o.color]
    parts: list[Part] = [poly(L.xy(blob(rng, ra, rb * 0.8, 18, 0.4)), z0, rgb(160, 150, 110), alpha=0.18)]
    # a wavy spine along which most pieces gather
    ph, amp = rng.uniform(0, 6.3), rng.uniform(0.2, 0.5) * rb
    n = int(np.clip(ra * rb * 18, 15, 700))
    for _ in range(n):
        a = rng.uniform(-1, 1) * ra
        spine = amp * math.sin(ph + 2.5 * a / max(ra, 1e-6))
        b = spine + rng.normal(0, 0.35 * rb)
        s = min(rng.uniform(0.06, 0.3) * (1.6 if o.color == "styrofoam" else 1.0), 0.45 * min(ra, rb))
        a, b = float(np.clip(a, -ra + s, ra - s)), float(np.clip(b, -rb + s, rb - s))
        if (a / ra) ** 2 + (b / rb) ** 2 > 1.0:
            continue
        col = shade(pal[int(rng.integers(len(pal)))], rng.uniform(0.85, 1.08))
        if o.color in ("branches", "mixed") and rng.random() < 0.3:
            ang = rng.uniform(0, math.pi)
            ln = min(rng.uniform(0.4, 1.8), 0.9 * min(ra, rb))
            seg = np.array([[a - ln / 2 * math.cos(ang), b - ln / 2 * math.sin(ang)],
                            [a + ln / 2 * math.cos(ang), b + ln / 2 * math.sin(ang)]])
            seg[:, 0] = np.clip(seg[:, 0], -ra, ra)
            seg[:, 1] = np.clip(seg[:, 1], -rb, rb)
            parts.append(lines(L.xy(seg)[None], z0 + 0.05, col, rng.uniform(0.04, 0.1)))
        else:
            piece = blob(rng, s, s * rng.uniform(0.35, 0.9), 6, 0.35, a, b)
            piece[:, 0] = np.clip(piece[:, 0], -ra, ra)
            piece[:, 1] = np.clip(piece[:, 1], -rb, rb)
            parts.append(poly(L.xy(piece), z0 + 0.05, col))
    return item_of(parts, flat=True, object_id=o.id)


def buoy(o: WorldObject, frame, z0: float) -> Item:
    x, y = frame.to_xy(o.lat, o.lon)
    r = o.length_m / 2.0
    c = BUOY[o.color]
    parts = [disc(x, y, z0 + 0.3 * o.height_m, r, shade(c, 0.8)), disc(x, y, z0 + o.height_m * 0.8, r * 0.7, c),
             disc(x - r * 0.2, y + r * 0.2, z0 + o.height_m, r * 0.3, mix(c, rgb(255, 255, 255), 0.45))]
    ring = np.column_stack([x + r * np.cos(np.linspace(0, 6.28, 8)), y + r * np.sin(np.linspace(0, 6.28, 8)),
                            np.full(8, z0 + o.height_m)])
    return item_of(parts, [Shadow(ring, z0)], object_id=o.id)


def bird(o: WorldObject, frame, z0: float) -> Item:
    rng = np.random.default_rng(o.variant)
    x, y = frame.to_xy(o.lat, o.lon)
    L = Local(x, y, o.heading_deg)
    col = {"white": rgb(240, 240, 236), "grey": rgb(150, 150, 155), "dark": rgb(40, 40, 44)}[o.color]
    z = z0 + (o.altitude_m if o.flying else 0.15)
    hl = o.length_m / 2.0
    parts = [poly(L.xy(ellipse(hl * 0.55, 0.09, 10, -0.05)), z, col)]
    hx, hy = L.pt(hl * 0.85, 0.0)
    parts.append(lines3(np.array([[*L.pt(hl * 0.45, 0.0), z], [hx, hy, z]]), col, 0.05))
    parts.append(lines3(np.array([[hx, hy, z], [*L.pt(hl * 0.96, 0.0), z]]), rgb(220, 170, 40), 0.025))
    shadows = []
    if o.flying:
        span = o.width_m / 2.0
        flap = rng.uniform(-0.15, 0.15)
        wing = np.array([[0.12, 0.0], [0.05 + flap, span * 0.55], [-0.12 + flap, span], [-0.15, span * 0.4], [-0.12, 0.0]])
        for s in (1, -1):
            w = wing * np.array([1, s])
            parts.append(poly(L.xy(w if s > 0 else w[::-1]), z, shade(col, 0.95)))
        outline = np.vstack([wing, wing[::-1] * np.array([1, -1])])
        shadows.append(Shadow(np.column_stack([L.xy(outline), np.full(len(outline), z)]), z0, grounded=False))
    else:
        shadows.append(Shadow(np.column_stack([L.xy(ellipse(hl * 0.5, 0.08, 8)), np.full(8, z + 0.2)]), z0))
    return item_of(parts, shadows, flat=not o.flying, object_id=o.id)


def foam(o: WorldObject, frame, z0: float) -> Item:
    """Streaks of foam drawn out along the wind: thin, broken, translucent white lines."""
    rng = np.random.default_rng(o.variant)
    x, y = frame.to_xy(o.lat, o.lon)
    L = Local(x, y, o.heading_deg)
    ra, rb = o.length_m / 2.0, o.width_m / 2.0
    parts: list[Part] = []
    for _ in range(int(np.clip(o.width_m * 3, 3, 40))):
        w = min(rng.uniform(0.06, 0.3), rb)
        b0 = rng.uniform(-rb, rb) * 0.9
        a = np.linspace(-ra + w / 2, ra - w / 2, 24)
        b = np.clip(b0 + np.cumsum(rng.normal(0, 0.04 * rb + 0.02, len(a))), -rb + w / 2, rb - w / 2)
        keep = rng.random(len(a) - 1) > 0.3
        segs = np.stack([np.column_stack([a[:-1], b[:-1]]), np.column_stack([a[1:], b[1:]])], 1)[keep]
        if len(segs):
            segs_w = L.xy(segs.reshape(-1, 2)).reshape(-1, 2, 2)
            parts.append(lines(segs_w, z0, rgb(240, 242, 238), w, alpha=rng.uniform(0.25, 0.6)))
    for _ in range(int(np.clip(o.length_m / 3, 2, 30))):
        a, b = rng.uniform(-ra, ra) * 0.95, rng.uniform(-rb, rb) * 0.9
        r = min(rng.uniform(0.08, 0.3), 0.9 * rb)
        a = float(np.clip(a, -ra + r, ra - r))
        px, py = L.pt(a, float(np.clip(b, -rb + r, rb - r)))
        parts.append(disc(px, py, z0, r, rgb(238, 240, 236), alpha=rng.uniform(0.15, 0.35)))
    return item_of(parts or [disc(x, y, z0, 0.2, rgb(238, 240, 236), alpha=0.3)], flat=True, object_id=o.id)


def reeds(o: WorldObject, frame, z0: float) -> Item:
    """A reed bed: a dense mass of leaning stalks, lit tips over dark gaps, ragged at the edge."""
    rng = np.random.default_rng(o.variant)
    x, y = frame.to_xy(o.lat, o.lon)
    L = Local(x, y, o.heading_deg)
    ra, rb = o.length_m / 2.0, o.width_m / 2.0
    base = {"green": rgb(92, 116, 60), "yellow": rgb(156, 146, 98), "brown": rgb(124, 106, 74)}[o.color]
    outline = blob(rng, ra, rb, 36, 0.4)
    parts: list[Part] = [poly(L.xy(outline), z0 + 0.3, shade(base, 0.55)), poly(L.xy(outline * 0.9), z0 + 1.0, shade(base, 0.8))]
    n = int(np.clip(ra * rb * 22, 80, 6000))
    t = rng.uniform(0, 2 * math.pi, n)
    rr = np.sqrt(rng.uniform(0, 1, n)) * 0.92
    ca, cb = ra * rr * np.cos(t), rb * rr * np.sin(t)
    lean = rng.uniform(0, 2 * math.pi)
    ang = lean + rng.normal(0, 0.45, n)
    ln = rng.uniform(0.2, 0.55, n)
    groups = ((0.55, 0.06, 0.8), (1.05, 0.05, 0.7), (1.35, 0.04, 0.75))
    k = n // len(groups)
    for g, (f, w, a) in enumerate(groups):
        sel = slice(g * k, (g + 1) * k)
        a0, b0 = ca[sel], cb[sel]
        a1 = np.clip(a0 + ln[sel] * np.cos(ang[sel]), -ra + w / 2, ra - w / 2)
        b1 = np.clip(b0 + ln[sel] * np.sin(ang[sel]), -rb + w / 2, rb - w / 2)
        segs = np.stack([L.xy(np.column_stack([a0, b0])), L.xy(np.column_stack([a1, b1]))], axis=1)
        parts.append(lines(segs, z0 + 1.2 + 0.25 * g, shade(base, f), w, alpha=a))
    shadow = [Shadow(np.column_stack([L.xy(outline * 0.8), np.full(len(outline), z0 + 1.5)]), z0)]
    return item_of(parts, shadow, object_id=o.id)


def lotus(o: WorldObject, frame, z0: float) -> Item:
    rng = np.random.default_rng(o.variant)
    x, y = frame.to_xy(o.lat, o.lon)
    L = Local(x, y, o.heading_deg)
    ra, rb = o.length_m / 2.0, o.width_m / 2.0
    n = int(np.clip(ra * rb * math.pi / 0.35, 10, 2500))
    parts: list[Part] = []
    t = rng.uniform(0, 2 * math.pi, n)
    rr = np.sqrt(rng.uniform(0, 1, n))
    r = rng.uniform(0.18, 0.45, n)
    ca = (ra - r) * rr * np.cos(t)
    cb = (rb - r) * rr * np.sin(t)
    xy = L.xy(np.column_stack([ca, cb]))
    greens = [rgb(70, 122, 52), rgb(92, 140, 64), rgb(60, 104, 48), rgb(110, 150, 74), rgb(140, 140, 80)]
    for i in range(n):
        if ra - r[i] <= 0 or rb - r[i] <= 0:
            continue
        g = greens[int(rng.integers(len(greens)))]
        parts.append(disc(xy[i, 0], xy[i, 1], z0 + 0.03, float(r[i]), shade(g, rng.uniform(0.9, 1.1))))
        if rng.random() < 0.03:
            parts.append(disc(xy[i, 0], xy[i, 1], z0 + 0.15, 0.09, rgb(232, 150, 180)))
    if not parts:
        parts.append(disc(x, y, z0 + 0.03, min(ra, rb), greens[0]))
    return item_of(parts, flat=True, object_id=o.id)


def jetty(o: WorldObject, frame, z0: float, land_z: float = 0.0) -> Item:
    xy = frame.xy_array(o.line)
    deck_z = max(z0 + 0.8, land_z + 0.2)
    color = rgb(132, 100, 70) if o.color == "wood" else rgb(186, 184, 176)
    parts: list[Part] = []
    shadows: list[Shadow] = []
    hw = o.width_m / 2.0
    for p, q in zip(xy[:-1], xy[1:]):
        d = q - p
        n = np.hypot(*d)
        if n < 1e-6:
            continue
        f = d / n
        r = np.array([f[1], -f[0]])
        quad = np.array([p + r * hw, q + r * hw, q - r * hw, p - r * hw])
        parts.append(poly(quad, z0, shade(color, 0.45)))
        L = Local(*((p + q) / 2), math.degrees(math.atan2(f[0], f[1])))
        parts += walls(L, rect(-n / 2, n / 2, -hw, hw), z0, deck_z, color, 0.6)
        parts.append(poly(quad, deck_z, color))
        if o.color == "wood":
            k = np.arange(0.3, n, 0.3)
            segs = np.stack([p + np.outer(k, f) + r * hw * 0.98, p + np.outer(k, f) - r * hw * 0.98], axis=1)
            parts.append(lines(segs, deck_z + 0.01, shade(color, 0.7), 0.02, alpha=0.6))
        shadows.append(Shadow(np.column_stack([quad, np.full(4, deck_z)]), z0))
    return item_of(parts, shadows, object_id=o.id)


BUILDERS = {"fishing_net": fishing_net, "fishing_boat": fishing_boat, "moored_boat": moored_boat, "swimmer": swimmer,
            "waste_pile": waste_pile, "muck_truck": muck_truck, "floating_debris": floating_debris, "buoy": buoy,
            "bird": bird, "foam": foam, "reeds": reeds, "lotus": lotus, "jetty": jetty}


def build(o: WorldObject, frame, z0: float, land_z: float = 0.0) -> Item:
    if o.kind == "jetty":
        return jetty(o, frame, z0, land_z)
    return BUILDERS[o.kind](o, frame, z0)
