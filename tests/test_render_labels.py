"""Labels and pictures agree to the pixel: the ground truth's corners, projected, bound what is drawn."""
from __future__ import annotations

import numpy as np
import pytest

from sim.camera.labels import NET_MIN_SIDE_PX, NET_PIECE_PX, labels_for
from sim.camera.parts import DISC, LINES
from sim.camera.shapes import build
from sim.world.placed import place

from .camera_support import LAND_XY, WATER_XY, changed_box, ll, nadir, renderer, site, still, world

TRUCK = {"type": "muck_truck", "id": "t", **ll(*LAND_XY), "length_m": 9.0, "width_m": 2.5, "tipping": False}


def _render_pair(objects, view, cond=None):
    """The frame with the objects, and the same scene (same land around them) with their drawings left out."""
    import copy

    from sim.camera.render import Renderer
    cond = cond or still()
    r = renderer(world(objects))
    with_obj = r.render(view, cond).image
    bare = copy.copy(r.scene)
    bare.items = []
    bare._index()
    without = Renderer(bare, r.K).render(view, cond).image
    return with_obj, without


@pytest.mark.parametrize("heading, yaw", [(0.0, 0.0), (37.0, 0.0), (90.0, 210.0)])
def test_projected_truth_corners_bound_a_truck_to_the_pixel(heading, yaw):
    obj = {**TRUCK, "heading_deg": heading}
    w = world([obj])
    view = nadir(*LAND_XY, 35.0, yaw=yaw)
    a, b = _render_pair([obj], view)
    got = changed_box(a, b)
    # the truth's footprint corners, from lat/lon through the camera model (top of the cab at 3 m, box to 3.4 m)
    p = place(site(), w.objects[0])
    uv, _ = view.project(np.column_stack([p.footprint, np.full(4, p.base_z)]))
    assert got is not None
    x0, y0, x1, y1 = got
    # the footprint's corners at the ground are inside the drawing, the roof's lean adds at most what the 3-D box does
    assert x0 <= uv[:, 0].min() + 1 and y0 <= uv[:, 1].min() + 1 and x1 >= uv[:, 0].max() - 1 and y1 >= uv[:, 1].max() - 1
    (lb,) = labels_for(renderer(w).scene, view)
    bx0, by0, bx1, by1 = lb.box
    assert bx0 - 1 <= x0 and by0 - 1 <= y0 and x1 <= bx1 + 1 and y1 <= by1 + 1
    # tight: a truck fills its rectangle, so the drawing reaches the label on every side (within the roof's lean)
    lean = (lb.box[2] - lb.box[0]) - (uv[:, 0].max() - uv[:, 0].min())
    assert abs(x0 - bx0) <= 1 + lean and abs(x1 - bx1) <= 1 + lean


def test_a_flat_axis_aligned_object_matches_its_label_exactly():
    """A truck seen straight down from high up: its roof lean is under a pixel, so box and pixels coincide.

    Drawn pixels are those changed by more than a third of the truck's contrast with the grass: OpenCV's
    anti-aliasing gives the pixel just outside an edge a faint fringe, which is not the truck."""
    obj = {**TRUCK, "heading_deg": 90.0, "color": "white"}
    view = nadir(*LAND_XY, 150.0)
    a, b = _render_pair([obj], view)
    x0, y0, x1, y1 = changed_box(a, b, threshold=40)
    (lb,) = labels_for(renderer(world([obj])).scene, view)
    assert lb.box == pytest.approx((x0, y0, x1, y1), abs=1.0), (lb.box, (x0, y0, x1, y1))


@pytest.mark.parametrize("obj", [
    {"type": "fishing_boat", **ll(*WATER_XY), "heading_deg": 30, "people": 3, "rods": 0, "canopy": True},
    {"type": "swimmer", **ll(*WATER_XY), "heading_deg": 200},
    {"type": "waste_pile", **ll(*LAND_XY), "heading_deg": 10, "length_m": 9, "width_m": 6},
    {"type": "muck_truck", **ll(*LAND_XY), "heading_deg": 300, "tipping": False},
    {"type": "floating_debris", **ll(*WATER_XY), "heading_deg": 80, "length_m": 5, "width_m": 2},
], ids=lambda o: o["type"])
@pytest.mark.parametrize("angles", [dict(), dict(yaw=70, roll=6, pitch=-8, gpitch=-70)], ids=["nadir", "oblique"])
def test_every_drawn_pixel_of_an_anomaly_is_inside_its_label(obj, angles):
    obj = {"id": "x", **obj}
    xy = WATER_XY if obj["type"] in ("fishing_boat", "swimmer", "floating_debris") else LAND_XY
    view = nadir(*xy, 30.0, **angles)
    if angles:
        # aim the tilted camera at the object: move back along its look direction
        g = view.ground(np.array([[960.0, 540.0]]), 0.0)[0]
        view = nadir(xy[0] - (g[0] - view.center[0]), xy[1] - (g[1] - view.center[1]), 30.0, **angles)
    a, b = _render_pair([obj], view)
    got = changed_box(a, b)
    labels = labels_for(renderer(world([obj])).scene, view)
    assert got is not None and len(labels) == 1
    bx0, by0, bx1, by1 = labels[0].box
    x0, y0, x1, y1 = got
    assert bx0 - 1 <= x0 and by0 - 1 <= y0 and x1 <= bx1 + 1 and y1 <= by1 + 1, (got, labels[0].box)
    # and the label is not loose: the drawing covers most of its width and height
    assert (x1 - x0) >= 0.6 * (bx1 - bx0) and (y1 - y0) >= 0.6 * (by1 - by0)


def test_a_net_is_a_chain_of_boxes_that_holds_every_float():
    x, y = WATER_XY
    net = {"type": "fishing_net", "id": "n", "color": "white", "float_m": 0.3, "spacing_m": 1.0, "markers": False,
           "points": [ll(x - 60, y - 5), ll(x + 10, y + 20), ll(x + 70, y + 8)]}
    view = nadir(x, y, 60.0, yaw=15)
    a, b = _render_pair([net], view)
    labels = labels_for(renderer(world([net])).scene, view)
    assert len(labels) >= 4 and all(lb.cls == "fishing_net" and lb.object_id == "n" for lb in labels)
    assert [lb.piece for lb in labels] == list(range(len(labels)))
    diff = np.abs(a.astype(int) - b.astype(int)).max(axis=2) > 25        # the floats (the rope is faint)
    inside = np.zeros_like(diff)
    for lb in labels:
        x0, y0, x1, y1 = lb.box
        inside[int(np.floor(y0)):int(np.ceil(y1)) + 1, int(np.floor(x0)):int(np.ceil(x1)) + 1] = True
        w, h = x1 - x0, y1 - y0
        assert max(w, h) <= NET_PIECE_PX + 2 * 6 and min(w, h) >= NET_MIN_SIDE_PX - 1e-6 or (x0 == 0 or y0 == 0)
        assert diff[int(y0):int(np.ceil(y1)), int(x0):int(np.ceil(x1))].any(), "every piece holds floats"
    assert diff.sum() > 100 and not (diff & ~inside).any()
    # the pieces' ground points lie on the net's line
    from shapely.geometry import LineString, Point
    from sim.world.geometry import site_frame
    fr = site_frame(site())
    line = LineString(fr.xy_array([(p["lat"], p["lon"]) for p in net["points"]]))
    assert max(line.distance(Point(*fr.to_xy(*lb.ground))) for lb in labels) < 0.05


def test_labels_leave_out_distractors_and_what_is_mostly_outside():
    x, y = WATER_XY
    objs = [{"type": "buoy", **ll(x, y)}, {"type": "moored_boat", **ll(x + 5, y)}, {"type": "bird", **ll(x - 5, y)},
            {"type": "fishing_boat", "id": "edge", **ll(x + 30.5, y), "heading_deg": 90, "length_m": 6}]
    scene = renderer(world(objs)).scene
    view = nadir(x + 7, y, 25.0)                   # the frame is 43 m wide: a fifth of the boat is in it
    assert labels_for(scene, view) == []
    view = nadir(x + 10, y, 25.0)                  # now two thirds
    (lb,) = labels_for(scene, view)
    assert lb.object_id == "edge" and lb.visible < 1.0 and lb.box[2] == 1920.0


KINDS = ["fishing_boat", "moored_boat", "swimmer", "waste_pile", "muck_truck", "floating_debris", "buoy", "bird",
         "foam", "reeds", "lotus"]


@pytest.mark.parametrize("kind", KINDS)
def test_drawings_stay_in_the_truth_box(kind):
    """All parts not marked extra (rods, a tipped load) lie within footprint x [surface, surface + height]."""
    import shapely
    from shapely.geometry import Polygon
    from sim.world.geometry import site_frame
    xy = LAND_XY if kind in ("waste_pile", "muck_truck") else (175.0, 0.0) if kind == "reeds" else WATER_XY
    for variant in range(12):
        extra = {"tipping": variant % 2 == 0} if kind == "muck_truck" else {}
        if kind == "fishing_boat":
            extra = {"people": variant % 4, "rods": variant % 3, "canopy": variant % 2 == 0}
        if kind == "bird":
            extra = {"flying": variant % 2 == 0, **({"altitude_m": 5.0} if variant % 2 == 0 else {})}
        w = world([{"type": kind, **ll(*xy), "variant": variant * 7919, "heading_deg": variant * 29.0, **extra}])
        p = place(site(), w.objects[0])
        item = build(p.obj, site_frame(site()), p.base_z)
        poly = Polygon(p.footprint).buffer(1e-6)
        edge = poly.boundary
        for part in item.parts:
            if part.extra:
                continue
            r = part.size if part.kind == DISC else part.size / 2 if part.kind == LINES else 0.0
            pts = part.pts
            inside = shapely.contains_xy(poly, pts[:, 0], pts[:, 1])
            clear = shapely.distance(shapely.points(pts[:, :2]), edge) >= r - 1e-6
            assert (inside & clear).all(), (kind, variant, part.kind, pts[~(inside & clear)])
            assert ((pts[:, 2] >= p.base_z - 1e-6) & (pts[:, 2] <= p.top_z + 1e-6)).all(), (kind, variant, pts[:, 2], p.top_z)
