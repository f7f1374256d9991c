"""Geometric checks of a site: each failure is one line naming the field and the offending value."""
from __future__ import annotations

import re

import shapely
from shapely.geometry import Point, Polygon

from ..errors import ConfigError
from ..geo import LocalFrame, haversine_m
from .geometry import SiteGeometry, nofly_polygon, ring_xy
from .schema import LatLon, Patrol, PolygonLL, Site, SiteInfo

_REASON_AT = re.compile(r"\[(-?[\d.e+-]+) (-?[\d.e+-]+)\]")


class Validator:
    def __init__(self, src: str, info: SiteInfo, patrol: Patrol):
        self.src, self.info, self.patrol = src, info, patrol
        self.frame = LocalFrame.around(*info.home)

    def fail(self, where: str, msg: str) -> ConfigError:
        return ConfigError(f"{self.src}: {where}: {msg}")

    def _fmt(self, x: float, y: float) -> str:
        lat, lon = self.frame.to_latlon(x, y)
        return f"(lat {lat:.6f}, lon {lon:.6f})"

    def point(self, p: LatLon, where: str) -> LatLon:
        d = haversine_m(*self.info.home, *p)
        if d > self.info.max_range_km * 1000:
            swapped = haversine_m(*self.info.home, p[1], p[0]) <= self.info.max_range_km * 1000
            hint = "; lat and lon look swapped" if swapped else "; a typo? (site.max_range_km sets the limit)"
            raise self.fail(where, f"(lat {p[0]}, lon {p[1]}) is {d / 1000:,.1f} km from site.home{hint}")
        return p

    def _ring_polygon(self, ring, where: str) -> Polygon:
        distinct = {tuple(p) for p in ring}
        if len(distinct) < 3:
            raise self.fail(where, f"a polygon needs at least 3 distinct points, got {len(distinct)}")
        poly = Polygon(ring_xy(self.frame, ring))
        if not poly.is_valid:
            reason = shapely.is_valid_reason(poly)
            m = _REASON_AT.search(reason)
            at = f" near {self._fmt(float(m.group(1)), float(m.group(2)))}" if m else ""
            kind = reason.split("[")[0]
            if kind.lower().startswith(("self-intersection", "ring self-intersection")):
                raise self.fail(where, f"outline crosses itself{at}")
            raise self.fail(where, f"invalid polygon: {kind}{at}")
        if poly.area < 1.0:
            raise self.fail(where, f"polygon has no area ({poly.area:.2f} m2): are all its points on one line?")
        return poly

    def polygon(self, poly: PolygonLL, where: str, label: str) -> None:
        outer = self._ring_polygon(poly.exterior, where)
        islands = []
        for j, hole in enumerate(poly.holes):
            hw = f"{where.rsplit('.', 1)[0]}.islands[{j}]" if where.endswith(".boundary") else f"{where} hole {j}"
            isl = self._ring_polygon(hole, hw)
            if not isl.within(outer):
                outside = isl.difference(outer).representative_point()
                raise self.fail(hw, f"island of {label} is not inside its shore (it reaches {self._fmt(outside.x, outside.y)})")
            for k, other in enumerate(islands):
                if isl.intersects(other) and isl.intersection(other).area > 0:
                    raise self.fail(hw, f"island overlaps island {k} of the same area")
            islands.append(isl)

    def site(self, site: Site) -> None:
        geo = SiteGeometry(site)
        home = geo.home
        margin = site.patrol.nofly_margin_m
        for i, zone in enumerate(site.no_fly):
            poly = nofly_polygon(self.frame, zone)
            label = f"no_fly[{i}] ({zone.name})"
            d = home.distance(poly)
            if d == 0:
                raise self.fail("site.home", f"(lat {site.info.home[0]}, lon {site.info.home[1]}) lies inside {label}")
            if d < margin:
                raise self.fail("site.home", f"lies {d:.0f} m from {label}, inside its {margin:g} m stand-off (patrol.nofly_margin_m)")
            for j, (h, pt) in enumerate(zip(site.hotspots, geo.hotspots)):
                hl = f"hotspots[{j}] ({h.name})"
                if pt.distance(poly) == 0:
                    raise self.fail(hl, f"(lat {h.center[0]}, lon {h.center[1]}) lies inside {label}")
                if pt.buffer(h.radius_m).distance(poly) < margin:
                    raise self.fail(hl, f"its {h.radius_m:g} m orbit comes within {margin:g} m of {label} (patrol.nofly_margin_m)")
        swath = site.swath_m
        for i, (area, ag) in enumerate(zip(site.areas, geo.areas)):
            label = f"areas[{i}] ({area.name})"
            if ag.coverable.is_empty or ag.coverable.area < 1.0:
                raise self.fail(label, "lies entirely inside no-fly zones and their stand-off: nothing left to patrol")
            if ag.water.area < swath * swath:
                raise self.fail(label, f"{ag.water.area:,.0f} m2 of water is too small for one swath "
                                       f"({swath:.0f} m x {swath:.0f} m); watch it as a hotspot instead")
