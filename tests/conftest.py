"""Shared fixtures. Tests run against real components on this machine; nothing is mocked."""
from __future__ import annotations

import copy
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "missions" / "examples"

# A small, valid site around a real piece of water (near Jinji Lake): tests copy and break it.
BASE_SITE = {
    "site": {"name": "Test pond", "home": {"lat": 31.3105, "lon": 120.6780}},
    "vehicle": {"cruise_speed_mps": 10, "endurance_s": 1800, "reserve_fraction": 0.25, "max_altitude_m": 120},
    "camera": {"hfov_deg": 82, "width_px": 1920, "height_px": 1080},
    "patrol": {"altitude_m": 80, "side_overlap": 0.2, "shore_margin_m": 10},
    "areas": [{
        "name": "Pond",
        "boundary": [{"lat": 31.3120, "lon": 120.6800}, {"lat": 31.3120, "lon": 120.6900},
                     {"lat": 31.3200, "lon": 120.6900}, {"lat": 31.3200, "lon": 120.6800}],
        "islands": [[{"lat": 31.3150, "lon": 120.6840}, {"lat": 31.3150, "lon": 120.6855},
                     {"lat": 31.3162, "lon": 120.6855}, {"lat": 31.3162, "lon": 120.6840}]],
    }],
    "hotspots": [{"name": "Dump", "kind": "dumping", "lat": 31.3110, "lon": 120.6920, "radius_m": 80, "priority": "high"}],
    "no_fly": [{"name": "Helipad", "circle": {"lat": 31.3215, "lon": 120.6950, "radius_m": 150}}],
}


@pytest.fixture
def site_doc():
    return copy.deepcopy(BASE_SITE)
