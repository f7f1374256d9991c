"""Coverage geometry: the swath scanline is exact, coverage is reached, land is overflown, no-fly never entered."""
from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, Point, Polygon

from missions.coverage.planner import CoveragePlanner
from missions.coverage.swaths import SweepGeometry, edges_of, intervals, line_offsets, rings_of, rotate, rotate_edges
from missions.transit import Transit

W = 2 * 80 * math.tan(math.radians(41))  # 80 m altitude, 82 deg HFOV
S = W * 0.8
GEOM = SweepGeometry.from_camera(W, S)


def coverage(points: np.ndarray, water) -> float:
    return shapely.intersection(LineString(points).buffer(W / 2, quad_segs=8), water).area / water.area


def plan(region, keepout=None, contour=True, start=None):
    transit = Transit(keepout if keepout is not None else Polygon())
    start = start if start is not None else (region.bounds[0] - 300, region.bounds[1] - 300)
    return CoveragePlanner(GEOM, transit, turn_cost_m=40, try_contour=contour).plan("t", region, start)


def ellipse(a, b, n=180):
    t = np.linspace(0, 2 * math.pi, n, endpoint=False)
    return Polygon(np.column_stack([a * np.cos(t), b * np.sin(t)]))


HEXAGON = Polygon([(1200 * math.cos(a), 1200 * math.sin(a)) for a in np.linspace(0, 2 * math.pi, 6, endpoint=False) + 0.3])
LAKE_WITH_ISLANDS = Polygon(ellipse(2200, 1400).exterior.coords,
                            [Point(600, 200).buffer(180).exterior.coords, Point(-900, -300).buffer(260).exterior.coords])
U_LAKE = Polygon([(0, 0), (3000, 0), (3000, 2500), (2200, 2500), (2200, 600), (800, 600), (800, 2500), (0, 2500)])
SHAPES = {"rectangle": Polygon([(0, 0), (3000, 0), (3000, 2000), (0, 2000)]), "hexagon": HEXAGON,
          "ellipse": ellipse(1700, 1100), "islands": LAKE_WITH_ISLANDS, "u-lake": U_LAKE}


@pytest.mark.parametrize("angle_deg", [0.0, 13.7, 45.0, 90.0, 120.3])
def test_scanline_matches_shapely(angle_deg):
    region = LAKE_WITH_ISLANDS
    a = math.radians(angle_deg)
    r = rotate(np.concatenate(rings_of(region)), a)
    offsets = line_offsets(r[:, 1].min(), r[:, 1].max(), 37.0, 10.0)
    ivs = intervals(rotate_edges(edges_of(rings_of(region)), a), offsets)
    rotated = Polygon(rotate(np.asarray(region.exterior.coords), a), [rotate(np.asarray(h.coords), a) for h in region.interiors])
    for y, got in zip(offsets, ivs):
        cut = LineString([(-1e5, y), (1e5, y)]).intersection(rotated)
        parts = [] if cut.is_empty else ([cut] if cut.geom_type == "LineString" else list(cut.geoms))
        want = sorted((g.bounds[0], g.bounds[2]) for g in parts if g.length > 1e-6)
        assert len(got) == len(want)
        if want:
            assert np.allclose(got, want, atol=1e-6)


def test_scanline_line_through_two_vertices_keeps_its_interval():
    """A sweep line that passes exactly through two corners once lost its water (a whole swath unseen)."""
    a = math.radians(90 - 12.811266146075326)
    r = rotate(np.asarray(HEXAGON.exterior.coords), a)
    offsets = line_offsets(r[:, 1].min(), r[:, 1].max(), S, GEOM.edge)
    ivs = intervals(rotate_edges(edges_of(rings_of(HEXAGON)), a), offsets)
    assert all(len(iv) == 1 for iv in ivs)


@pytest.mark.parametrize("name", sorted(SHAPES))
@pytest.mark.parametrize("contour", [False, True])
def test_coverage_reached(name, contour):
    path = plan(SHAPES[name], contour=contour)
    assert coverage(path.points, SHAPES[name]) >= 0.995
    if not contour:
        assert path.strategy == "lawnmower"


def test_long_lake_is_swept_along_its_length():
    strip = Polygon([(0, 0), (4000, 0), (4000, 600), (0, 600)])  # east-west
    path = plan(strip, contour=False)
    assert path.angle_deg == pytest.approx(90.0, abs=1.0)  # compass heading of the sweeps: east
    assert path.sweeps <= 6


def test_small_island_is_overflown_not_flown_around():
    lake = Polygon(ellipse(1500, 1000).exterior.coords, [Point(0, 0).buffer(60).exterior.coords])
    path = plan(lake, contour=False)
    island = Polygon(Point(0, 0).buffer(60).exterior.coords)
    segs = [LineString(path.points[i:i + 2]) for i in range(len(path.points) - 1)]
    assert any(s.crosses(island) for s, work in zip(segs, path.sweep) if work)
    assert path.cells == 1


def test_no_leg_enters_a_no_fly_zone_cutting_the_lake():
    lake = ellipse(2000, 1200)
    zone = Point(300, 0).buffer(350)
    keepout = zone.buffer(25)
    region = lake.difference(keepout.buffer(3))
    path = plan(region, keepout=keepout, contour=False)
    assert not LineString(path.points).intersects(zone)
    assert LineString(path.points).distance(zone) >= 24.0
    assert coverage(path.points, region) >= 0.995


def test_contour_loops_win_on_a_compact_lake_and_stay_short():
    region = ellipse(1700, 1100)
    path = plan(region)
    assert path.strategy == "contour"
    assert path.length_m <= 1.02 * region.area / S


def test_lawnmower_stays_close_to_the_bound_on_a_rectangle():
    region = SHAPES["rectangle"]
    path = plan(region, contour=False)
    assert path.length_m <= 1.02 * region.area / S
