"""Shared helpers of the world and camera tests: example sites, small worlds, a cached renderer."""
from __future__ import annotations

import socket
from functools import lru_cache
from pathlib import Path

import numpy as np

from missions.site import load_site
from sim.camera.conditions import Conditions
from sim.camera.model import Intrinsics, View
from sim.camera.render import Renderer
from sim.camera.scene import Scene
from sim.world.geometry import site_frame
from sim.world.loader import parse_world

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "missions" / "examples"
WATER_XY = (900.0, 300.0)    # open water of Jinji Lake, in its world frame
LAND_XY = (-60.0, 0.0)       # the park west of the dock


@lru_cache(maxsize=None)
def site(name: str = "jinji"):
    return load_site(EXAMPLES / f"{name}.yaml")


def ll(x: float, y: float, name: str = "jinji") -> dict:
    lat, lon = site_frame(site(name)).to_latlon(x, y)
    return {"lat": float(lat), "lon": float(lon)}


def world(objects: list[dict], name: str = "jinji", **top):
    return parse_world({"seed": 5, **top, "objects": objects}, site(name), "test.yaml")


def renderer(w, name: str = "jinji") -> Renderer:
    s = site(name)
    return Renderer(Scene(s, w), Intrinsics.of_site(s))


def nadir(x: float, y: float, alt_water: float, name: str = "jinji", **angles) -> View:
    s = site(name)
    return View.from_angles(Intrinsics.of_site(s), (x, y, alt_water + s.info.water_level_m), **angles)


def still(sun_elevation: float = 90.0) -> Conditions:
    """Conditions without anything that moves pixels: no shadows, blur, noise, haze or vignetting."""
    from dataclasses import replace
    return replace(Conditions(sun_elevation_deg=sun_elevation, glint=0.0).clean(), shadows=0.0)


def changed_box(a: np.ndarray, b: np.ndarray, threshold: int = 20) -> tuple[int, int, int, int] | None:
    """Pixel bounds (x0, y0, x1, y1), exclusive ends, of where two renders differ (by more than the faint
    anti-aliased fringe a pixel outside an edge can get)."""
    d = np.abs(a.astype(np.int16) - b.astype(np.int16)).max(axis=2) > threshold
    ys, xs = np.nonzero(d)
    if len(xs) == 0:
        return None
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
