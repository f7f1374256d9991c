"""The detector's classes: names and ids are a contract (issue 6), the same order as sim.world.kinds.CLASSES."""
from __future__ import annotations

CLASSES: tuple[str, ...] = ("fishing_net", "fishing_boat", "swimmer", "waste_pile", "muck_truck", "floating_debris")
CLASS_ID = {name: i for i, name in enumerate(CLASSES)}

# Where each class rests: georeferencing intersects rays with the water plane or with the land.
ON_LAND = frozenset({"waste_pile", "muck_truck"})

# Half the usual height of each class (m): a box's centre images the middle of a standing object,
# so georeferencing lifts the plane by this much (a tipping truck's box centre is ~2 m up).
CLASS_HALF_HEIGHT_M = {"fishing_net": 0.0, "fishing_boat": 0.5, "swimmer": 0.1, "waste_pile": 0.6,
                       "muck_truck": 1.9, "floating_debris": 0.05}
