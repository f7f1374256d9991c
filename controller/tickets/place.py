"""Where an anomaly lies: the area of water (or the nearest one) and the hotspot whose circle holds it."""
from __future__ import annotations

import shapely
from shapely.geometry import Point, Polygon

from missions.site import Site, SiteGeometry
from missions.site.geometry import as_polygons

from .model import Location

NEAR_AREA_M = 1000.0  # a truck on the shore road still belongs to the lake it dumps into


class Placer:
    """Built once per site; `locate` is cheap (prepared shapes in the site's metric frame)."""

    def __init__(self, site: Site):
        geo = SiteGeometry(site)
        self.frame = site.frame
        # An area's outline with its islands filled: a pile on an island is still "in" the lake.
        self.areas = [(g.name, shapely.union_all([Polygon(p.exterior) for p in as_polygons(g.water)]))
                      for g in geo.areas]
        for _, shape in self.areas:
            shapely.prepare(shape)
        self.hotspots = [(h.name, p, h.radius_m) for h, p in zip(site.hotspots, geo.hotspots)]

    def locate(self, lat: float, lon: float, uncertainty_m: float) -> Location:
        pt = Point(*self.frame.to_xy(lat, lon))
        area, area_d = None, None
        for name, shape in self.areas:
            d = 0.0 if shape.contains(pt) else shape.distance(pt)
            if d <= NEAR_AREA_M and (area_d is None or d < area_d):
                area, area_d = name, round(d, 1)
        hotspot, best = None, None
        for name, centre, radius in self.hotspots:
            d = centre.distance(pt)
            if d <= radius and (best is None or d < best):
                hotspot, best = name, d
        return Location(lat=lat, lon=lon, uncertainty_m=float(uncertainty_m), area=area, area_distance_m=area_d,
                        hotspot=hotspot)
