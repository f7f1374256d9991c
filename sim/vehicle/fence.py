"""ArduCopter's geofence (AC_Fence): altitude ceiling and floor, a circle around home, and the
inclusion/exclusion polygons and circles uploaded as fence items.

Breaches are found the way AC_Fence finds them: a new breach is reported once, a backup fence
20 m further out re-arms the breach if the vehicle keeps going, and leaving the breached area
clears it. What the vehicle does about a breach (FENCE_ACTION) lives with the failsafes.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

TYPE_ALT_MAX, TYPE_CIRCLE, TYPE_POLYGON, TYPE_ALT_MIN = 1, 2, 4, 8
NAMES = ((TYPE_ALT_MAX, "Max Alt"), (TYPE_CIRCLE, "Circle"), (TYPE_POLYGON, "Polygon"), (TYPE_ALT_MIN, "Min Alt"))
BACKUP_DISTANCE_M = 20.0
GIVE_UP_DISTANCE_M = 100.0

# MAV_CMD fence item ids
FENCE_RETURN_POINT, POLY_INCLUSION, POLY_EXCLUSION, CIRCLE_INCLUSION, CIRCLE_EXCLUSION = 5000, 5001, 5002, 5003, 5004


@dataclass(frozen=True)
class FenceItem:
    command: int
    lat: float
    lon: float
    param1: float      # vertex count (polygons) or radius (circles)


def fence_names(mask: int) -> str:
    """AC_Fence::get_fence_names: 'Circle fence', 'Max Alt and Circle fences'."""
    names = [name for bit, name in NAMES if mask & bit]
    if not names:
        return ""
    text = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return text + (" fences" if len(names) > 1 else " fence")


def _inside(pts: list[tuple[float, float]], n: float, e: float) -> bool:
    inside = False
    j = len(pts) - 1
    for i in range(len(pts)):
        ni, ei = pts[i]
        nj, ej = pts[j]
        if (ei > e) != (ej > e) and n < (nj - ni) * (e - ei) / (ej - ei) + ni:
            inside = not inside
        j = i
    return inside


class PolyFence:
    """The uploaded fence items turned into shapes in the local frame (AC_PolyFence_loader)."""

    def __init__(self):
        self.items: list[FenceItem] = []
        self.inclusion_polys: list[list[tuple[float, float]]] = []
        self.exclusion_polys: list[list[tuple[float, float]]] = []
        self.inclusion_circles: list[tuple[float, float, float]] = []
        self.exclusion_circles: list[tuple[float, float, float]] = []
        self.valid = True

    def load(self, items: list[FenceItem], to_ne) -> None:
        self.items = list(items)
        self.inclusion_polys, self.exclusion_polys = [], []
        self.inclusion_circles, self.exclusion_circles = [], []
        self.valid = True
        i = 0
        while i < len(items):
            it = items[i]
            if it.command in (POLY_INCLUSION, POLY_EXCLUSION):
                count = int(it.param1)
                group = items[i:i + count]
                if count < 3 or len(group) < count or any(g.command != it.command or int(g.param1) != count for g in group):
                    self.valid = False
                    return
                pts = [to_ne(g.lat, g.lon) for g in group]
                (self.inclusion_polys if it.command == POLY_INCLUSION else self.exclusion_polys).append(pts)
                i += count
                continue
            if it.command in (CIRCLE_INCLUSION, CIRCLE_EXCLUSION):
                n, e = to_ne(it.lat, it.lon)
                (self.inclusion_circles if it.command == CIRCLE_INCLUSION else self.exclusion_circles).append((n, e, it.param1))
            i += 1

    @property
    def total(self) -> int:
        return len(self.inclusion_polys) + len(self.exclusion_polys) + len(self.inclusion_circles) + len(self.exclusion_circles)

    def breached(self, n: float, e: float) -> bool:
        for pts in self.inclusion_polys:
            if not _inside(pts, n, e):
                return True
        for pts in self.exclusion_polys:
            if _inside(pts, n, e):
                return True
        for cn, ce, r in self.inclusion_circles:
            if math.hypot(n - cn, e - ce) > r:
                return True
        for cn, ce, r in self.exclusion_circles:
            if math.hypot(n - cn, e - ce) < r:
                return True
        return False


class Fence:
    def __init__(self, params):
        self.p = params
        self.poly = PolyFence()
        self.enabled = bool(params["FENCE_ENABLE"])
        self.breaches = 0
        self.breach_count = 0
        self.breach_time_ms = 0
        self._alt_max_backup = 0.0
        self._circle_backup = 0.0
        self.breach_distance = 0.0
        params.on_change("FENCE_ENABLE", lambda _n, v: self.enable(bool(v)))

    def enable(self, on: bool) -> None:
        self.enabled = on
        if not on:
            self.breaches = 0

    def configured(self) -> int:
        return int(self.p["FENCE_TYPE"])

    def present(self) -> int:
        mask = TYPE_CIRCLE | TYPE_ALT_MIN | TYPE_ALT_MAX
        if self.poly.total > 0:
            mask |= TYPE_POLYGON
        return self.configured() & mask

    def enabled_fences(self) -> int:
        """Configured fences that are on; the floor only once enabled by reaching its altitude (not modelled: off)."""
        return (self.present() & ~TYPE_ALT_MIN) if self.enabled else 0

    def check(self, n_home: float, e_home: float, alt_home: float, n: float, e: float, t_ms: int) -> int:
        """New breaches (bitmask) for a vehicle at (n_home, e_home) from home and alt_home above it."""
        fences = self.enabled_fences()
        new = 0
        distances = {}
        if fences & TYPE_ALT_MAX:
            alt_max = self.p["FENCE_ALT_MAX"]
            if alt_home >= alt_max:
                if not self.breaches & TYPE_ALT_MAX or (self._alt_max_backup and alt_home >= self._alt_max_backup):
                    new |= TYPE_ALT_MAX
                    self._alt_max_backup = alt_home + BACKUP_DISTANCE_M
                distances[TYPE_ALT_MAX] = alt_home - alt_max
            elif self.breaches & TYPE_ALT_MAX:
                self.breaches &= ~TYPE_ALT_MAX
                self._alt_max_backup = 0.0
        if fences & TYPE_CIRCLE:
            dist = math.hypot(n_home, e_home)
            radius = self.p["FENCE_RADIUS"]
            if dist >= radius:
                if not self.breaches & TYPE_CIRCLE or (self._circle_backup and dist >= self._circle_backup):
                    new |= TYPE_CIRCLE
                    self._circle_backup = dist + BACKUP_DISTANCE_M
                distances[TYPE_CIRCLE] = dist - radius
            elif self.breaches & TYPE_CIRCLE:
                self.breaches &= ~TYPE_CIRCLE
                self._circle_backup = 0.0
        if fences & TYPE_POLYGON:
            if self.poly.breached(n, e):
                if not self.breaches & TYPE_POLYGON:
                    new |= TYPE_POLYGON
                distances[TYPE_POLYGON] = 0.0
            elif self.breaches & TYPE_POLYGON:
                self.breaches &= ~TYPE_POLYGON
        if new:
            self.breaches |= new
            self.breach_count = min(65535, self.breach_count + 1)
            self.breach_time_ms = t_ms
        self.breach_distance = max((distances.get(b, 0.0) for b in (TYPE_ALT_MAX, TYPE_CIRCLE, TYPE_POLYGON) if new & b),
                                   default=0.0)
        return new

    def destination_ok(self, n_home: float, e_home: float, alt_home: float, n: float, e: float) -> bool:
        """AC_Fence::check_destination_within_fence: a GUIDED target outside is refused."""
        fences = self.enabled_fences()
        if fences & TYPE_ALT_MAX and alt_home > self.p["FENCE_ALT_MAX"]:
            return False
        if fences & TYPE_CIRCLE and math.hypot(n_home, e_home) > self.p["FENCE_RADIUS"]:
            return False
        if fences & TYPE_POLYGON and self.poly.breached(n, e):
            return False
        return True

    def safe_alt_max(self) -> float:
        return self.p["FENCE_ALT_MAX"] - self.p["FENCE_MARGIN"]

    def breach_type_for_status(self) -> int:
        """FENCE_BREACH enum for FENCE_STATUS: 0 none, 1 minalt, 2 maxalt, 3 boundary."""
        if self.breaches & (TYPE_CIRCLE | TYPE_POLYGON):
            return 3
        if self.breaches & TYPE_ALT_MAX:
            return 2
        if self.breaches & TYPE_ALT_MIN:
            return 1
        return 0
