"""Random sites and worlds: valid by the loaders' own rules, reproducible by seed, varied across seeds."""
from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from shapely.geometry import Point

from missions.site import parse_site
from sim.world.generate import random_site, random_world
from sim.world.geometry import site_frame, water_geometry
from sim.world.kinds import CLASSES
from sim.world.loader import parse_world

from .camera_support import site


def test_same_seed_same_site_and_world_other_seed_other():
    a_site, a_doc = random_site(np.random.default_rng(4))
    b_site, b_doc = random_site(np.random.default_rng(4))
    c_site, c_doc = random_site(np.random.default_rng(5))
    assert a_doc == b_doc and a_doc != c_doc
    wa = random_world(a_site, np.random.default_rng(1))[1]
    wb = random_world(a_site, np.random.default_rng(1))[1]
    wc = random_world(a_site, np.random.default_rng(2))[1]
    assert wa == wb and wa != wc


def test_random_sites_and_worlds_reparse_and_things_stand_where_they_belong():
    kinds, shapes = Counter(), set()
    for seed in range(8):
        rng = np.random.default_rng(seed)
        s, sdoc = random_site(rng, f"lake {seed}")
        parse_site(sdoc, "again")                                  # the document is a valid site config
        shapes.add((s.areas[0].kind, len(s.areas[0].polygons[0].holes) > 0))
        w, wdoc = random_world(s, rng)
        again = parse_world(wdoc, s, "again")                      # and a valid world file
        assert again.objects == w.objects
        water, frame = water_geometry(s), site_frame(s)
        for o in w.objects:
            kinds[o.kind] += 1
            if o.line:
                continue
            on_water = water.buffer(1.0).contains(Point(*frame.to_xy(o.lat, o.lon)))
            if o.spec.surface == "water":
                assert on_water, o
            if o.spec.surface == "land":
                assert not water.contains(Point(*frame.to_xy(o.lat, o.lon))), o
    assert set(CLASSES) <= set(kinds), kinds
    assert {"buoy", "bird", "reeds", "jetty"} <= set(kinds)
    assert len(shapes) >= 2, "lakes with and without islands, or rivers"


def test_random_worlds_on_a_real_site():
    s = site("dushu")
    w, _ = random_world(s, np.random.default_rng(3), "layout 3")
    assert w.objects and w.name == "layout 3"
    assert all(-3000 < site_frame(s).to_xy(o.lat, o.lon)[0] < 6000 for o in w.objects)


@pytest.mark.parametrize("seed", [0, 1])
def test_nets_of_random_worlds_lie_on_the_water(seed):
    rng = np.random.default_rng(100 + seed)
    s, _ = random_site(rng)
    w, _ = random_world(s, rng)
    water = water_geometry(s).buffer(1.0)
    for o in w.objects:
        if o.kind == "fishing_net":
            xy = site_frame(s).xy_array(o.line)
            assert all(water.contains(Point(*p)) for p in xy)
            assert 10 <= o.length_m <= 400
