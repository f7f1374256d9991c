"""`waterpatrol plan` as a person runs it: files written, a JSON summary on stdout, clean errors."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from .conftest import EXAMPLES, ROOT

WATERPATROL = [sys.executable, "-m", "controller.cli"]


def run(*args, timeout=180):
    return subprocess.run([*WATERPATROL, *map(str, args)], capture_output=True, text=True, cwd=ROOT, timeout=timeout)


def test_plan_writes_every_format_and_a_json_summary(tmp_path):
    r = run("plan", EXAMPLES / "qingjian.yaml", "--out", tmp_path, "--drones", "2", "--json")
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)
    assert summary["drones"] == 2 and summary["sorties"] >= 2
    area = summary["areas"]["Qingjian Lake"]
    assert area["coverage_fraction"] >= 0.995 and area["ratio"] > 0.9
    for key in ("length_m", "flight_time_s", "turns", "planning_s", "makespan_s"):
        assert summary[key] > 0
    names = {p.name for p in tmp_path.iterdir()}
    assert {"plan.json", "plan.plan", "plan.geojson", "plan.png", "sortie-1.waypoints", "sortie-1.plan"} <= names
    assert len([n for n in names if n.endswith(".waypoints")]) == summary["sorties"]


def test_plan_patterns_flag_and_bad_pattern(tmp_path):
    r = run("plan", EXAMPLES / "qingjian.yaml", "--out", tmp_path, "--patterns", "hotspots", "--json", "--no-map")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["patterns"] == ["hotspots"]
    assert not (tmp_path / "plan.png").exists()
    r = run("plan", EXAMPLES / "qingjian.yaml", "--out", tmp_path, "--patterns", "spiral")
    assert r.returncode == 2
    assert r.stderr.strip() == "waterpatrol plan: error: --patterns: 'spiral' is not one of coverage, shoreline, hotspots"


def test_missing_site_file_is_one_line():
    r = run("plan", "no/such/site.yaml", "--out", "/tmp/x")
    assert r.returncode == 2
    assert r.stderr.strip() == "waterpatrol plan: error: no/such/site.yaml: site config does not exist"


def test_human_output_names_outputs(tmp_path):
    r = run("plan", EXAMPLES / "qingjian.yaml", "--out", tmp_path, "--no-map")
    assert r.returncode == 0, r.stderr
    assert "Qingjian Lake:" in r.stdout and "coverage 99." in r.stdout and f"wrote {tmp_path}/" in r.stdout
    assert Path(tmp_path, "plan.json").exists()
