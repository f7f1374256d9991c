"""World files: the bundled worlds load and hold the demo scenario; bad files fail on one line naming object and field."""
from __future__ import annotations

import math

import pytest
import yaml
from shapely.geometry import Point

from .camera_support import EXAMPLES, LAND_XY, WATER_XY, ll, site
from controller.cli import main
from missions.errors import ConfigError, UserError
from missions.geo import haversine_m
from sim.world import WORLDS_DIR, default_world_path
from sim.world.geometry import site_frame, water_geometry
from sim.world.kinds import CLASSES
from sim.world.loader import load_world, parse_world


@pytest.mark.parametrize("name", ["jinji", "dushu", "qingjian"])
def test_bundled_worlds_load_for_their_sites(name):
    s = site(name)
    path = default_world_path(s)
    assert path == WORLDS_DIR / f"{name}.yaml"
    w = load_world(path, s)
    classes = {o.cls for o in w.objects if o.cls}
    assert {"fishing_net", "fishing_boat", "swimmer", "waste_pile", "muck_truck", "floating_debris"} <= classes
    assert len(w.objects) > len(w.anomalies()), "distractors too"


def test_jinji_world_holds_the_demo_scenario():
    s = site("jinji")
    w = load_world(WORLDS_DIR / "jinji.yaml", s)
    by_kind = {}
    for o in w.objects:
        by_kind.setdefault(o.kind, []).append(o)
    nets = {o.id for o in by_kind["fishing_net"]}
    assert {"net-east-shore", "net-east-bay"} <= nets
    assert len(by_kind["fishing_boat"]) >= 1 and len(by_kind["swimmer"]) == 2
    assert by_kind["floating_debris"]
    hotspot = next(h for h in s.hotspots if h.kind == "dumping")
    pile = by_kind["waste_pile"][0]
    truck = next(o for o in by_kind["muck_truck"] if o.tipping)
    for o in (pile, truck):
        assert haversine_m(o.lat, o.lon, *hotspot.center) < hotspot.radius_m
        assert water_geometry(s).boundary.distance(Point(*site_frame(s).to_xy(o.lat, o.lon))) < 80, "on the shore"
    distractor_kinds = {o.kind for o in w.objects if o.cls is None}
    assert {"buoy", "moored_boat", "bird", "foam", "reeds", "lotus", "jetty"} <= distractor_kinds
    # the bay net is a chord between two shores: both ends near the shore, its middle farther out
    bay = next(o for o in by_kind["fishing_net"] if o.id == "net-east-bay")
    shore = water_geometry(s).boundary
    xy = site_frame(s).xy_array(bay.line)
    assert shore.distance(Point(*xy[0])) < 10 and shore.distance(Point(*xy[-1])) < 10
    assert 20 <= bay.length_m <= 200


def test_defaults_are_filled_from_the_seed_and_stable():
    doc = {"seed": 9, "objects": [{"type": "fishing_boat", **ll(*WATER_XY)}]}
    a = parse_world(doc, site(), "w.yaml").objects[0]
    b = parse_world(doc, site(), "w.yaml").objects[0]
    assert a == b
    assert a.color in ("white", "blue", "green", "wood", "grey", "red") and a.people == 2 and a.length_m == 5.5
    c = parse_world({**doc, "seed": 10}, site(), "w.yaml").objects[0]
    assert (c.heading_deg, c.variant) != (a.heading_deg, a.variant)


def test_a_net_takes_its_centre_heading_and_length_from_its_line():
    x, y = WATER_XY
    o = parse_world({"objects": [{"type": "fishing_net", "points": [ll(x, y), ll(x + 60, y), ll(x + 60, y + 40)]}]},
                    site(), "w.yaml").objects[0]
    assert o.length_m == pytest.approx(100.0, abs=0.01)
    assert o.heading_deg == pytest.approx(math.degrees(math.atan2(60, 40)), abs=0.01)
    cx, cy = site_frame(site()).to_xy(o.lat, o.lon)
    assert (cx, cy) == pytest.approx((x + 50, y), abs=0.01)   # half way along the line


W = ll(*WATER_XY)
L = ll(*LAND_XY)
BAD = [
    ({"objects": [{"type": "tractor", **W}]}, "objects[0].type: 'tractor' is not one of fishing_net"),
    ({"objects": [{"type": "buoy", "lat": W["lat"]}]}, "objects[0] (buoy 'buoy-0').lon: is required"),
    ({"objects": [{"type": "muck_truck", "id": "tipper", **L, "heading_deg": "north"}]},
     "objects[0] (muck_truck 'tipper').heading_deg: 'north' is not a number"),
    ({"objects": [{"type": "muck_truck", "id": "t", **W}]}, "objects[0] (muck_truck 't').lat: a muck_truck must be on land"),
    ({"objects": [{"type": "swimmer", "id": "s", **L}]}, "objects[0] (swimmer 's').lat: a swimmer must be on the water"),
    ({"objects": [{"type": "fishing_net", "id": "n", "points": [W]}]},
     "objects[0] (fishing_net 'n').points: a fishing_net needs at least 2 points, got 1"),
    ({"objects": [{"type": "fishing_net", "id": "n", "points": [W, {"lat": W["lat"], "lon": "x"}]}]},
     "objects[0] (fishing_net 'n').points[1].lon: 'x' is not a finite number"),
    ({"objects": [{"type": "fishing_net", "id": "n", "points": [ll(300, 0), ll(100, 0)]}]},
     "objects[0] (fishing_net 'n').points[1]: a fishing_net must lie on the water"),
    ({"objects": [{"type": "fishing_net", "id": "n", "points": [ll(*WATER_XY), ll(WATER_XY[0] + 500, WATER_XY[1])]}]},
     "objects[0] (fishing_net 'n').points: the line is 500.0 m long; a fishing_net must be 10 to 400 m"),
    ({"objects": [{"type": "fishing_boat", "id": "b", **W, "people": 2, "wheels": 4}]},
     "objects[0] (fishing_boat 'b').wheels: unknown key"),
    ({"objects": [{"type": "buoy", "id": "x", **W}, {"type": "buoy", "id": "x", **W}]},
     "objects[1] (buoy 'x').id: 'x' is used by an earlier object"),
    ({"objects": [{"type": "bird", "id": "b", **W, "altitude_m": 5}]},
     "objects[0] (bird 'b').altitude_m: 5 given for a bird that is not flying"),
    ({"objects": [{"type": "fishing_boat", "id": "b", **W, "color": "purple"}]},
     "objects[0] (fishing_boat 'b').color: 'purple' is not one of white, blue"),
    ({"objects": [{"type": "waste_pile", "id": "p", **L, "length_m": 80}]},
     "objects[0] (waste_pile 'p').length_m: 80 must be in [1.5, 40]"),
    ({"objects": [{"type": "buoy", "id": "far", "lat": W["lon"], "lon": W["lat"]}]},
     "objects[0] (buoy 'far').lat: 120"),
    ({"environment": {"water": "purple"}}, "environment.water: 'purple' is not one of clear, blue"),
    ({"land": {"style": "urban", "roads": "yes"}}, "land.roads: 'yes' is not true or false"),
    ({"objects": {"type": "buoy"}}, "objects: expected a list"),
    ({"seed": -1}, "seed: -1 must be between 0 and"),
]


@pytest.mark.parametrize("doc, message", BAD, ids=[m.split(":")[0] + ":" + m.split(":")[1][:30] for _, m in BAD])
def test_malformed_worlds_fail_on_one_line_naming_object_and_field(doc, message):
    with pytest.raises(ConfigError) as e:
        parse_world(doc, site(), "w.yaml")
    text = str(e.value)
    assert "\n" not in text
    assert text.startswith("w.yaml: ")
    assert message in text, text


def test_yaml_syntax_errors_name_the_line(tmp_path):
    p = tmp_path / "broken.yaml"
    p.write_text("name: x\nobjects:\n  - {type: buoy, lat: 31.3\n")
    with pytest.raises(ConfigError, match=r"broken.yaml: not valid YAML at line \d+"):
        load_world(p, site())
    with pytest.raises(ConfigError, match="world file does not exist"):
        load_world(tmp_path / "missing.yaml", site())


def test_cli_prints_one_line_and_exits_2_on_a_bad_world(tmp_path, capsys):
    p = tmp_path / "bad.yaml"
    p.write_text(yaml.safe_dump({"objects": [{"type": "muck_truck", "id": "t", **W}]}))
    rc = main(["world", str(EXAMPLES / "jinji.yaml"), "--world", str(p), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert rc == 2
    assert err.count("\n") == 1 and "bad.yaml: objects[0] (muck_truck 't').lat: a muck_truck must be on land" in err


def test_class_names_are_the_detector_contract():
    assert CLASSES == ("fishing_net", "fishing_boat", "swimmer", "waste_pile", "muck_truck", "floating_debris")
    assert issubclass(ConfigError, UserError)
