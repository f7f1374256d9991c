"""Every export round-trips: plan.json, QGC WPL 110 (through pymavlink's own loader), QGC .plan, GeoJSON, the map."""
from __future__ import annotations

import json

import numpy as np
import pytest
from pymavlink import mavwp

from missions.exports import read_plan, read_wpl, write_all
from missions.plan import PATTERN_NAMES, PatrolPlan
from missions.planner import plan_patrol
from missions.site import load_site

from .conftest import EXAMPLES


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    site = load_site(EXAMPLES / "jinji.yaml")
    plan = plan_patrol(site, drones=2)
    out = tmp_path_factory.mktemp("plan")
    write_all(plan, site, out)
    return site, plan, out


def test_plan_json_round_trip(written):
    _, plan, out = written
    again = PatrolPlan.from_dict(json.loads((out / "plan.json").read_text()))
    assert again == plan


def test_wpl_round_trip_and_pymavlink_reads_it(written):
    _, plan, out = written
    for s in plan.sorties:
        path = out / f"sortie-{s.index}.waypoints"
        assert path.read_text().startswith("QGC WPL 110\n")
        assert [it.mavlink() for it in read_wpl(path)] == [it.mavlink() for it in s.items]
        loader = mavwp.MAVWPLoader()
        assert loader.load(str(path)) == len(s.items)
        for it in s.items:
            m = loader.wp(it.seq)
            assert (m.seq, m.command, m.frame) == (it.seq, it.command, it.frame)
            assert m.x == pytest.approx(it.lat, abs=1e-7) and m.y == pytest.approx(it.lon, abs=1e-7)
            assert m.z == pytest.approx(it.alt) and m.param3 == pytest.approx(it.param3)


def test_qgc_plan_round_trip_with_fence_and_rally(written):
    site, plan, out = written
    for s in plan.sorties:
        items, fence = read_plan(out / f"sortie-{s.index}.plan")
        assert [it.mavlink() for it in items] == [it.mavlink() for it in s.items]
    doc = json.loads((out / "plan.plan").read_text())
    assert doc["fileType"] == "Plan" and doc["mission"]["firmwareType"] == 3 and doc["mission"]["vehicleType"] == 2
    (lat, lon), r = site.no_fly[0].circle
    assert doc["geoFence"]["circles"] == [{"circle": {"center": [lat, lon], "radius": r}, "inclusion": False, "version": 1}]
    assert doc["rallyPoints"]["points"][0][:2] == list(site.info.home)
    assert [i["command"] for i in doc["mission"]["items"]] == [it.command for it in plan.sorties[0].items[1:]]


def test_geojson_has_sorties_legs_and_site(written):
    site, plan, out = written
    doc = json.loads((out / "plan.geojson").read_text())
    feats = doc["features"]
    sorties = [f for f in feats if f["properties"]["kind"] == "sortie"]
    legs = [f for f in feats if f["properties"]["kind"] == "leg"]
    assert len(sorties) == len(plan.sorties)
    assert {f["properties"]["drone"] for f in sorties} == {1, 2}
    for f in sorties:
        s = plan.sortie(f["properties"]["sortie"])
        mine = [g for g in legs if g["properties"]["sortie"] == s.index]
        assert sum(g["properties"]["length_m"] for g in mine) == pytest.approx(s.length_m, abs=2.0)
        assert f["properties"]["length_m"] == s.length_m
        assert f["geometry"]["type"] == "LineString"
    assert {g["properties"]["pattern"] for g in legs} <= set(PATTERN_NAMES)
    assert {g["properties"]["pattern"] for g in legs} >= {"coverage", "shoreline", "hotspot", "transit"}
    for g in legs:
        if g["properties"]["pattern"] in ("coverage", "shoreline"):
            assert g["properties"]["area"] == "Jinji Lake"
        lon, lat = g["geometry"]["coordinates"][0]
        assert 120 < lon < 121 and 31 < lat < 32  # [lon, lat] order
    kinds = {f["properties"]["kind"] for f in feats}
    assert {"area", "no_fly", "hotspot", "home"} <= kinds
    area = next(f for f in feats if f["properties"]["kind"] == "area")
    assert len(area["geometry"]["coordinates"]) == 2  # shore and Taohua island


def test_map_picture_is_a_real_image(written):
    _, _, out = written
    from matplotlib.image import imread
    png = out / "plan.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    img = imread(png)
    assert img.shape[0] > 800 and img.shape[1] > 1000
    assert np.asarray(img)[..., :3].std() > 0.05  # not blank
