"""Every config error a person can make is caught with one line naming the field and the value."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from missions.errors import ConfigError
from missions.site import load_site, parse_site

from .conftest import EXAMPLES, ROOT


def error_of(doc) -> str:
    with pytest.raises(ConfigError) as exc:
        parse_site(doc, "site.yaml")
    msg = str(exc.value)
    assert "\n" not in msg and msg.startswith("site.yaml: ")
    return msg


def test_valid_site_parses_into_typed_objects(site_doc):
    site = parse_site(site_doc, "site.yaml")
    assert site.name == "Test pond"
    assert site.info.home == (31.3105, 120.6780)
    assert site.areas[0].polygons[0].holes and len(site.areas[0].polygons[0].exterior) == 4
    assert site.hotspots[0].rank == 0 and site.no_fly[0].circle[1] == 150
    assert 100 < site.swath_m < 120  # 80 m altitude, 82 deg HFOV, 20 % overlap


def test_unknown_key_is_an_error(site_doc):
    site_doc["patrol"]["altitud_m"] = 80
    msg = error_of(site_doc)
    assert "patrol.altitud_m" in msg and "unknown key" in msg


def test_unknown_top_level_section(site_doc):
    site_doc["drones"] = 3
    assert "drones: unknown key" in error_of(site_doc)


def test_swapped_lat_lon_in_boundary(site_doc):
    p = site_doc["areas"][0]["boundary"][2]
    p["lat"], p["lon"] = p["lon"], p["lat"]
    msg = error_of(site_doc)
    assert "areas[0].boundary[2].lat" in msg and "120.69" in msg and "swapped" in msg


def test_swapped_lat_lon_caught_by_distance_when_both_in_range(site_doc):
    site_doc["site"]["home"] = {"lat": 31.3105, "lon": 60.678}  # a plausible lon, but far from the water
    msg = error_of(site_doc)
    assert "km from site.home" in msg


def test_latitude_out_of_range_hotspot(site_doc):
    site_doc["hotspots"][0]["lat"] = 131.3
    assert "hotspots[0].lat: 131.3 is outside [-90, 90]" in error_of(site_doc)


def test_self_intersecting_polygon(site_doc):
    b = site_doc["areas"][0]["boundary"]
    b[1], b[2] = b[2], b[1]  # bow tie
    msg = error_of(site_doc)
    assert "areas[0].boundary" in msg and "crosses itself" in msg and "near (lat 31." in msg


def test_degenerate_polygons(site_doc):
    site_doc["areas"][0]["boundary"] = site_doc["areas"][0]["boundary"][:2]
    site_doc["areas"][0].pop("islands")
    assert "at least 3 distinct points, got 2" in error_of(site_doc)
    doc = parse_ok = None
    doc = {**site_doc, "areas": [{"name": "Line", "boundary": [
        {"lat": 31.312, "lon": 120.68}, {"lat": 31.313, "lon": 120.681}, {"lat": 31.314, "lon": 120.682}]}]}
    assert parse_ok is None and "no area" in error_of(doc)


def test_island_outside_its_lake(site_doc):
    site_doc["areas"][0]["islands"][0] = [{"lat": 31.3190, "lon": 120.6890}, {"lat": 31.3190, "lon": 120.6920},
                                          {"lat": 31.3195, "lon": 120.6920}]
    msg = error_of(site_doc)
    assert "areas[0].islands[0]" in msg and "not inside its shore" in msg


def test_home_inside_no_fly_zone(site_doc):
    site_doc["no_fly"][0]["circle"] = {"lat": 31.3105, "lon": 120.6785, "radius_m": 200}
    msg = error_of(site_doc)
    assert msg.startswith("site.yaml: site.home:") and "inside no_fly[0] (Helipad)" in msg


def test_hotspot_inside_no_fly_zone(site_doc):
    site_doc["hotspots"][0].update(lat=31.3215, lon=120.6950)
    msg = error_of(site_doc)
    assert "hotspots[0] (Dump)" in msg and "inside no_fly[0] (Helipad)" in msg


def test_hotspot_orbit_touching_no_fly_stand_off(site_doc):
    site_doc["hotspots"][0].update(lat=31.3215, lon=120.6975, radius_m=100)
    msg = error_of(site_doc)
    assert "hotspots[0] (Dump)" in msg and "orbit" in msg


def test_altitude_above_ceiling(site_doc):
    site_doc["patrol"]["altitude_m"] = 150
    assert "patrol.altitude_m: 150 exceeds vehicle.max_altitude_m 120" in error_of(site_doc)


def test_gsd_that_needs_too_much_altitude(site_doc):
    del site_doc["patrol"]["altitude_m"]
    site_doc["patrol"]["gsd_cm"] = 20
    msg = error_of(site_doc)
    assert "patrol.gsd_cm" in msg and "exceeds vehicle.max_altitude_m 120" in msg


def test_gsd_sets_altitude(site_doc):
    del site_doc["patrol"]["altitude_m"]
    site_doc["patrol"]["gsd_cm"] = 4
    site = parse_site(site_doc)
    # 4 cm per pixel across 1920 px is a 76.8 m wide frame
    assert abs(site.footprint_m[0] - 76.8) < 0.2


@pytest.mark.parametrize("overlap", [-0.1, 0.9, 1.5])
def test_overlap_outside_range(site_doc, overlap):
    site_doc["patrol"]["side_overlap"] = overlap
    assert f"patrol.side_overlap: {overlap} must be in [0, 0.9)" in error_of(site_doc)


def test_area_too_small_for_one_swath(site_doc):
    site_doc["areas"].append({"name": "Puddle", "boundary": [
        {"lat": 31.3100, "lon": 120.6700}, {"lat": 31.3100, "lon": 120.6704}, {"lat": 31.3103, "lon": 120.6704}]})
    msg = error_of(site_doc)
    assert "areas[1] (Puddle)" in msg and "too small for one swath" in msg


def test_wrong_types_name_field_and_value(site_doc):
    site_doc["vehicle"]["endurance_s"] = "half an hour"
    assert "vehicle.endurance_s: 'half an hour' is not a number" in error_of(site_doc)
    site_doc["vehicle"]["endurance_s"] = float("nan")
    assert "vehicle.endurance_s: nan is not a finite number" in error_of(site_doc)


def test_duplicate_area_names(site_doc):
    site_doc["areas"].append({**site_doc["areas"][0]})
    assert "areas[1].name" in error_of(site_doc)


def test_geojson_paths_are_relative_to_the_config(tmp_path):
    (tmp_path / "maps").mkdir()
    (tmp_path / "maps" / "lake.geojson").write_text(json.dumps({"type": "Polygon", "coordinates": [[
        [120.68, 31.312], [120.69, 31.312], [120.69, 31.32], [120.68, 31.32], [120.68, 31.312]]]}))
    (tmp_path / "site.yaml").write_text(
        "site: {name: X, home: {lat: 31.3105, lon: 120.678}}\npatrol: {altitude_m: 80}\n"
        "areas:\n  - {name: Lake, geojson: maps/lake.geojson}\n")
    site = load_site(tmp_path / "site.yaml")
    assert site.areas[0].polygons[0].exterior[0] == (31.312, 120.68)


def test_geojson_in_lat_lon_order_is_caught(tmp_path):
    (tmp_path / "lake.geojson").write_text(json.dumps({"type": "Polygon", "coordinates": [[
        [31.312, 120.68], [31.312, 120.69], [31.32, 120.69], [31.312, 120.68]]]}))
    (tmp_path / "site.yaml").write_text(
        "site: {name: X, home: {lat: 31.3105, lon: 120.678}}\npatrol: {altitude_m: 80}\n"
        "areas:\n  - {name: Lake, geojson: lake.geojson}\n")
    with pytest.raises(ConfigError, match=r"areas\[0\]\.geojson \(lake\.geojson\).*latitude 120\.68 is outside"):
        load_site(tmp_path / "site.yaml")


def test_missing_geojson_and_bad_yaml(tmp_path):
    (tmp_path / "a.yaml").write_text("site: {name: X, home: {lat: 31.31, lon: 120.678}}\npatrol: {altitude_m: 80}\n"
                                     "areas:\n  - {name: Lake, geojson: nowhere.geojson}\n")
    with pytest.raises(ConfigError, match=r"areas\[0\]\.geojson: file .*nowhere\.geojson' does not exist"):
        load_site(tmp_path / "a.yaml")
    (tmp_path / "b.yaml").write_text("site: {name: X\n")
    with pytest.raises(ConfigError, match=r"b\.yaml: not valid YAML at line"):
        load_site(tmp_path / "b.yaml")


@pytest.mark.parametrize("name", ["jinji", "dushu", "qingjian"])
def test_bundled_examples_load(name):
    site = load_site(EXAMPLES / f"{name}.yaml")
    assert site.areas and site.hotspots and site.no_fly


def test_dushu_has_islands_and_qingjian_comes_from_kml():
    assert len(load_site(EXAMPLES / "dushu.yaml").areas[0].polygons[0].holes) == 2
    q = load_site(EXAMPLES / "qingjian.yaml")
    assert len(q.areas[0].polygons[0].exterior) >= 10


def test_cli_prints_one_line_and_exits_2(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text((EXAMPLES / "jinji.yaml").read_text().replace("altitude_m: 80", "altitude_m: 180")
                   .replace("jinji.geojson", str(EXAMPLES / "jinji.geojson")))
    r = subprocess.run([sys.executable, "-m", "controller.cli", "plan", str(bad), "--out", str(tmp_path / "o")],
                       capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.returncode == 2
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert lines == ["waterpatrol plan: error: bad.yaml: patrol.altitude_m: 180 exceeds vehicle.max_altitude_m 120"]
    assert "Traceback" not in r.stderr
