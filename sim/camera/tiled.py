"""A big polygon layer (water, roads, promenades) cut into tiles, so a frame clips only what it sees."""
from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry import Polygon, box


def polygons_of(geom) -> list[Polygon]:
    if geom is None or geom.is_empty:
        return []
    if geom.geom_type == "Polygon":
        return [geom]
    return [p for g in getattr(geom, "geoms", []) for p in polygons_of(g)]


def lines_of(geom) -> list[np.ndarray]:
    if geom is None or geom.is_empty:
        return []
    if geom.geom_type in ("LineString", "LinearRing"):
        return [np.asarray(geom.coords)]
    return [p for g in getattr(geom, "geoms", []) for p in lines_of(g)]


class TiledLayer:
    """Polygons (and their outlines) split on a square grid and indexed."""

    def __init__(self, geom, tile_m: float = 200.0):
        self.geom = geom
        self.pieces: list[Polygon] = []
        self.edges: list = []
        if geom is not None and not geom.is_empty:
            outline = geom.boundary
            x0, y0, x1, y1 = geom.bounds
            for x in np.arange(np.floor(x0 / tile_m) * tile_m, x1, tile_m):
                for y in np.arange(np.floor(y0 / tile_m) * tile_m, y1, tile_m):
                    cell = box(x, y, x + tile_m, y + tile_m)
                    self.pieces += polygons_of(geom.intersection(cell))
                    self.edges += [g for g in getattr(outline.intersection(cell), "geoms", [outline.intersection(cell)])
                                   if not g.is_empty and g.geom_type == "LineString"]
        self.tree = shapely.STRtree(self.pieces) if self.pieces else None
        self.edge_tree = shapely.STRtree(self.edges) if self.edges else None

    def clip(self, region: Polygon) -> list[Polygon]:
        """The layer's polygons inside region (a convex frame footprint)."""
        if self.tree is None:
            return []
        out = []
        for i in self.tree.query(region):
            p = self.pieces[i]
            out += [p] if region.contains(p) else polygons_of(p.intersection(region))
        return out

    def clip_lines(self, region: Polygon) -> list[np.ndarray]:
        """The layer's outlines (a shore, a road's edge) inside region, as point arrays."""
        if self.edge_tree is None:
            return []
        out = []
        for i in self.edge_tree.query(region):
            out += lines_of(self.edges[i].intersection(region))
        return out
