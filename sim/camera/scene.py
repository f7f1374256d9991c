"""A world made ready to render: water and land layers, procedural land, object drawings, an index."""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import shapely
from shapely.geometry import Polygon

from missions.site import Site
from sim.world.geometry import site_frame, water_geometry
from sim.world.placed import LAND_Z, Placed, place
from sim.world.schema import World

from .land import LandGenerator
from .parts import Item
from .shapes import build
from .tiled import TiledLayer


@lru_cache(maxsize=16)
def _water_layer(site: Site) -> TiledLayer:
    return TiledLayer(water_geometry(site))


@lru_cache(maxsize=8)
def _land(site: Site, land, seed: int, sun_azimuth_deg: float, keep_out_wkb: bytes, dumping_wkb: bytes) -> LandGenerator:
    """Shared by scenes of one site, land and layout (several vehicles, tests): making roads takes a second."""
    return LandGenerator(land, seed, water_geometry(site), float(site.info.water_level_m), LAND_Z, sun_azimuth_deg,
                         shapely.from_wkb(keep_out_wkb), shapely.from_wkb(dumping_wkb))


def _land_keep_outs(placed: list[Placed]):
    """(footprints of things standing on land, grown 6 m; 35 m around waste piles and muck trucks)."""
    on_land = [Polygon(p.footprint).buffer(6.0) for p in placed if p.surface == "land"]
    dumping = [shapely.Point(*p.center).buffer(35.0) for p in placed if p.obj.kind in ("waste_pile", "muck_truck")]
    return shapely.union_all(on_land) if on_land else Polygon(), shapely.union_all(dumping) if dumping else Polygon()


class Scene:
    def __init__(self, site: Site, world: World):
        self.site, self.world = site, world
        self.frame = site_frame(site)
        self.water_z = float(site.info.water_level_m)
        self.land_z = LAND_Z
        self.water_geom = water_geometry(site)
        self.water = _water_layer(site)
        self.placed: list[Placed] = [place(site, o) for o in world.objects]
        keep_out, dumping = _land_keep_outs(self.placed)
        self.land = _land(site, world.land, world.seed, world.environment.sun_azimuth_deg, shapely.to_wkb(keep_out),
                          shapely.to_wkb(dumping))
        self.items: list[Item] = [build(p.obj, self.frame, p.base_z, self.land_z) for p in self.placed]
        self._index()

    def _index(self) -> None:
        items = self.items + self.land.cars
        self._all = items
        self._tree = shapely.STRtree([shapely.Point(*it.center).buffer(it.radius + 1.0, quad_segs=2) for it in items]) \
            if items else None

    def items_in(self, region: Polygon) -> list[Item]:
        """Planted objects and road traffic near a frame's footprint."""
        if self._tree is None:
            return []
        return [self._all[i] for i in sorted(self._tree.query(region))]

    def placed_in(self, region: Polygon) -> list[Placed]:
        out = []
        for p in self.placed:
            r = float(np.max(np.hypot(*(p.footprint - np.asarray(p.center)).T))) + 1.0
            if region.distance(shapely.Point(*p.center)) <= r:
                out.append(p)
        return out
