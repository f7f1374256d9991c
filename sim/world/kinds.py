"""The catalogue of things a world can hold: the six anomaly classes and the distractors.

One table so that the loader (what a world file may say), the generator (what it may plant), the
renderer (how big things are) and the dataset writer (class ids) all agree.
"""
from __future__ import annotations

from dataclasses import dataclass

# YOLO class ids are the positions in this tuple; the names are the detector's contract (issue 6).
CLASSES: tuple[str, ...] = ("fishing_net", "fishing_boat", "swimmer", "waste_pile", "muck_truck", "floating_debris")
CLASS_ID = {name: i for i, name in enumerate(CLASSES)}

SURFACES = ("water", "land", "shore", "any")


@dataclass(frozen=True)
class KindSpec:
    name: str
    anomaly: bool
    surface: str                    # where it may stand: water, land, shore (within SHORE_M of the water's edge), any
    line: bool                      # given as a line of points (nets, jetties) instead of a centre and heading
    length: tuple[float, float, float]   # default, min, max (m); for a line kind: its length limits
    width: tuple[float, float, float]    # default, min, max (m); for nets the float diameter
    height_m: float                 # top of the object above the surface it stands on
    colors: tuple[str, ...]         # the first is the default when a file gives none and no seed picks
    extra: tuple[str, ...] = ()     # kind-specific keys

    @property
    def cls(self) -> str | None:
        return self.name if self.anomaly else None


SHORE_M = 30.0

KINDS: dict[str, KindSpec] = {k.name: k for k in (
    KindSpec("fishing_net", True, "water", True, (80, 10, 400), (0.25, 0.08, 0.8), 0.15,
             ("white", "orange", "dark"), ("spacing_m", "markers")),
    KindSpec("fishing_boat", True, "water", False, (5.5, 2.5, 15), (1.7, 0.8, 5), 1.2,
             ("white", "blue", "green", "wood", "grey", "red"), ("people", "rods", "canopy")),
    KindSpec("swimmer", True, "water", False, (1.8, 1.2, 2.5), (0.7, 0.4, 1.4), 0.3,
             ("red", "yellow", "white", "orange", "black", "blue"), ()),
    KindSpec("waste_pile", True, "land", False, (8, 1.5, 40), (6, 1, 40), 1.5,
             ("construction", "household", "mixed", "soil"), ()),
    KindSpec("muck_truck", True, "land", False, (8.5, 6, 12), (2.5, 2, 3.2), 3.4,
             ("green", "blue", "yellow", "white", "red", "orange"), ("tipping",)),
    KindSpec("floating_debris", True, "water", False, (3, 0.5, 30), (2, 0.3, 30), 0.15,
             ("plastic", "styrofoam", "branches", "mixed"), ()),
    KindSpec("buoy", False, "water", False, (0.8, 0.3, 3), (0.8, 0.3, 3), 1.0,
             ("orange", "red", "yellow", "white", "green"), ()),
    KindSpec("moored_boat", False, "water", False, (6, 2.5, 25), (2, 0.8, 7), 1.3,
             ("white", "blue", "green", "wood", "grey", "red"), ("canopy",)),
    KindSpec("bird", False, "any", False, (0.9, 0.2, 2.5), (0.5, 0.1, 1.5), 0.3,
             ("white", "grey", "dark"), ("flying", "altitude_m")),
    KindSpec("foam", False, "water", False, (15, 1, 300), (1.5, 0.2, 30), 0.0, ("white",), ()),
    KindSpec("reeds", False, "shore", False, (30, 2, 400), (8, 1, 80), 2.0, ("green", "yellow", "brown"), ()),
    KindSpec("lotus", False, "water", False, (15, 1, 200), (10, 1, 200), 0.2, ("green",), ()),
    KindSpec("jetty", False, "shore", True, (20, 3, 300), (2.5, 1, 12), 0.8, ("wood", "concrete"), ()),
)}

ANOMALY_KINDS = tuple(k for k, s in KINDS.items() if s.anomaly)
DISTRACTOR_KINDS = tuple(k for k, s in KINDS.items() if not s.anomaly)
