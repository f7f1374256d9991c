"""Ground truth GeoJSON: one feature per planted object, nets as their lines, anomalies with their class."""
from __future__ import annotations

import json

import pytest

from controller.cli import main
from sim.world import WORLDS_DIR
from sim.world.geometry import site_frame
from sim.world.loader import load_world
from sim.world.truth import truth_geojson

from .camera_support import EXAMPLES, site


def test_truth_has_every_object_with_its_geometry_and_class():
    s = site("jinji")
    w = load_world(WORLDS_DIR / "jinji.yaml", s)
    gj = truth_geojson(s, w)
    assert gj["type"] == "FeatureCollection"
    feats = {f["properties"]["id"]: f for f in gj["features"]}
    assert len(feats) == len(w.objects)
    for o in w.objects:
        f = feats[o.id]
        p = f["properties"]
        assert p["class"] == o.cls and p["anomaly"] == (o.cls is not None) and p["type"] == o.kind
        if o.kind in ("fishing_net", "jetty"):
            assert f["geometry"]["type"] == "LineString"
            assert f["geometry"]["coordinates"] == [[pytest.approx(lon, abs=1e-7), pytest.approx(lat, abs=1e-7)]
                                                     for lat, lon in o.line]
        else:
            assert f["geometry"] == {"type": "Point", "coordinates": [pytest.approx(o.lon, abs=1e-7), pytest.approx(o.lat, abs=1e-7)]}
        ring = p["footprint"]
        assert ring[0] == ring[-1] and len(ring) >= 5
    truck = feats["truck-yongchangjing"]["properties"]
    assert truck["tipping"] is True and truck["surface"] == "land" and truck["base_alt_home_m"] == 0.0
    net = feats["net-east-bay"]["properties"]
    assert net["surface"] == "water" and net["base_alt_home_m"] == s.info.water_level_m and "spacing_m" in net


def test_footprint_is_the_rectangle_of_length_width_and_heading():
    s = site("jinji")
    w = load_world(WORLDS_DIR / "jinji.yaml", s)
    f = next(f for f in truth_geojson(s, w)["features"] if f["properties"]["id"] == "pile-yongchangjing")
    xy = site_frame(s).xy_array([(lat, lon) for lon, lat in f["properties"]["footprint"][:4]])
    sides = sorted(float(((xy[i] - xy[(i + 1) % 4]) ** 2).sum() ** 0.5) for i in range(4))
    assert sides == pytest.approx([8, 8, 12, 12], abs=0.01)


def test_world_command_writes_truth_and_random_worlds(tmp_path, capsys):
    assert main(["world", str(EXAMPLES / "jinji.yaml"), "--out", str(tmp_path / "j")]) == 0
    gj = json.loads((tmp_path / "j" / "truth.geojson").read_text())
    assert gj["properties"]["anomalies"] == sum(f["properties"]["anomaly"] for f in gj["features"])
    assert main(["world", "random", "--seed", "4", "--out", str(tmp_path / "r")]) == 0
    assert {p.name for p in (tmp_path / "r").iterdir()} == {"site.yaml", "world.yaml", "truth.geojson"}
    assert main(["world", "random", "--world", "default", "--out", str(tmp_path / "x")]) == 2
    assert "a random site needs --world random" in capsys.readouterr().err
