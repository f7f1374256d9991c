"""How big each class can be on the ground: a detection whose box, measured in metres from the ground
sample distance where it lies, is far outside its class's real sizes is a detector mistake (an orange
buoy called a boat, a bin called a truck), dropped before it can become an anomaly.

Ranges are the long side of the box: the objects' real lengths (boats 2.5-15 m, swimmers about
1-2.5 m, muck trucks 6-12 m...), widened for loose boxes and diagonal headings (a box around a
rotated object is up to 1.4 times its length). Nets have no range: any piece of one counts.
"""
from __future__ import annotations

from .types import Sighting

LONG_SIDE_M = {
    "fishing_boat": (2.4, 24.0),      # the smallest boats are 2.5 m; a box is never much shorter than its object
    "swimmer": (0.5, 4.5),
    "waste_pile": (1.2, 64.0),
    "muck_truck": (4.0, 20.0),
    "floating_debris": (0.3, 48.0),
}


def long_side_m(s: Sighting) -> float | None:
    if s.gsd_m <= 0:
        return None
    x1, y1, x2, y2 = s.box
    return max(x2 - x1, y2 - y1) * s.gsd_m


def plausible_size(s: Sighting) -> bool:
    rng = LONG_SIDE_M.get(s.cls)
    size = long_side_m(s)
    if rng is None or size is None:
        return True
    return rng[0] <= size <= rng[1]
