"""Detector labels of one frame, made by projecting the ground truth with the renderer's own camera model.

Compact objects: the image box of their 3-D truth box (footprint times height), clipped to the
frame, kept when at least MIN_VISIBLE of it is inside and it is at least MIN_SIDE_PX across.

Nets: a 200 m net at 80 m spans most of a 1080p frame while each float is a few pixels, so one box
around a whole net is mostly empty water and changes shape with the net's direction. A net is
labelled as a chain of boxes along its visible line instead: the line is cut into pieces of equal
image length, at most NET_PIECE_PX each, and each piece is boxed around its floats (grown by the
float's radius and to at least NET_MIN_SIDE_PX across). Every piece carries the net's id and the
point of the line at its middle, so a detector's boxes can be matched to the line and placed on it.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from sim.world.geometry import polyline_length, resample
from sim.world.kinds import CLASS_ID
from sim.world.placed import Placed

from .model import View
from .shapes import MARKER_MIN_M, MARKER_SCALE

MIN_VISIBLE = 0.3
MIN_SIDE_PX = 3.0
NET_PIECE_PX = 160.0
NET_MIN_SIDE_PX = 16.0
NET_MIN_RUN_PX = 24.0
NEAR_M = 0.3


@dataclass(frozen=True)
class Label:
    cls: str
    box: tuple[float, float, float, float]   # x1, y1, x2, y2 in continuous pixels (the image is [0, W] x [0, H])
    object_id: str
    ground: tuple[float, float]              # (lat, lon) of the object's centre, or of the net piece's middle
    visible: float = 1.0                     # fraction of the unclipped box inside the frame
    piece: int | None = None                 # nets: index of the piece along the visible line

    @property
    def cls_id(self) -> int:
        return CLASS_ID[self.cls]

    def yolo(self, width: int, height: int) -> str:
        x1, y1, x2, y2 = self.box
        return (f"{self.cls_id} {(x1 + x2) / 2 / width:.6f} {(y1 + y2) / 2 / height:.6f} "
                f"{(x2 - x1) / width:.6f} {(y2 - y1) / height:.6f}")

    def as_dict(self) -> dict:
        d = asdict(self)
        d["box"] = [round(v, 2) for v in self.box]
        d["ground"] = [round(v, 8) for v in self.ground]
        d["class_id"] = self.cls_id
        return d


def box_label(p: Placed, view: View, frame) -> Label | None:
    uv, depth = view.project(p.box3d())
    if (depth <= NEAR_M).any():
        return None
    W, H = view.K.width, view.K.height
    x0, y0 = uv.min(axis=0)
    x1, y1 = uv.max(axis=0)
    full = max((x1 - x0) * (y1 - y0), 1e-9)
    c = (max(0.0, float(x0)), max(0.0, float(y0)), min(float(W), float(x1)), min(float(H), float(y1)))
    if c[2] - c[0] < MIN_SIDE_PX or c[3] - c[1] < MIN_SIDE_PX:
        return None
    vis = (c[2] - c[0]) * (c[3] - c[1]) / full
    if vis < MIN_VISIBLE:
        return None
    lat, lon = frame.to_latlon(*p.center)
    return Label(p.obj.cls, c, p.obj.id, (float(lat), float(lon)), round(float(vis), 4))


def net_labels(p: Placed, view: View, frame, piece_px: float = NET_PIECE_PX) -> list[Label]:
    """The chain of boxes along the visible part of a net's line."""
    W, H = view.K.width, view.K.height
    step = min(0.25, p.obj.spacing_m / 2)
    line = resample(p.line, step) if polyline_length(p.line) > step else p.line
    z = p.base_z + 0.05
    uv, depth = view.project(np.column_stack([line, np.full(len(line), z)]))
    r_px = p.obj.width_m / 2 * view.K.fx / np.maximum(depth, NEAR_M)
    inside = (depth > NEAR_M) & (uv[:, 0] >= 0) & (uv[:, 0] <= W) & (uv[:, 1] >= 0) & (uv[:, 1] <= H)
    out: list[Label] = []
    k = 0
    n = len(line)
    piece_index = 0
    while k < n:
        if not inside[k]:
            k += 1
            continue
        e = k
        while e < n and inside[e]:
            e += 1
        run = slice(k, e)
        ruv = uv[run]
        seg = np.hypot(*np.diff(ruv, axis=0).T)
        s = np.concatenate([[0.0], np.cumsum(seg)])
        length = float(s[-1])
        if length >= NET_MIN_RUN_PX:
            pieces = max(1, math.ceil(length / piece_px))
            bounds = np.linspace(0.0, length, pieces + 1)
            for a, b in zip(bounds[:-1], bounds[1:]):
                sel = (s >= a - 1e-9) & (s <= b + 1e-9)
                pts = ruv[sel]
                idx = np.arange(k, e)[sel]
                pad = float(r_px[idx].max())
                if p.obj.markers and (idx[0] == 0 or idx[-1] == n - 1):  # the marker buoy at an end of the net
                    pad = max(pad, pad * MARKER_SCALE, MARKER_MIN_M * view.K.fx / float(depth[idx].min()))
                pad += 1.0
                x0, y0 = pts.min(axis=0) - pad
                x1, y1 = pts.max(axis=0) + pad
                for lo, hi, i in ((x0, x1, 0), (y0, y1, 1)):
                    if hi - lo < NET_MIN_SIDE_PX:
                        c = (lo + hi) / 2
                        if i == 0:
                            x0, x1 = c - NET_MIN_SIDE_PX / 2, c + NET_MIN_SIDE_PX / 2
                        else:
                            y0, y1 = c - NET_MIN_SIDE_PX / 2, c + NET_MIN_SIDE_PX / 2
                box = (max(0.0, float(x0)), max(0.0, float(y0)), min(float(W), float(x1)), min(float(H), float(y1)))
                mid = line[run][sel]
                gx, gy = mid[len(mid) // 2]
                lat, lon = frame.to_latlon(gx, gy)
                out.append(Label("fishing_net", box, p.obj.id, (float(lat), float(lon)), 1.0, piece_index))
                piece_index += 1
        k = e
    return out


def labels_for(scene, view: View) -> list[Label]:
    """Every anomaly the view sees, as detector labels."""
    from shapely.geometry import Polygon

    from .footprint import footprint

    fp = footprint(view, scene.water_z, 3000.0, margin_px=400)
    fp2 = footprint(view, scene.land_z, 3000.0, margin_px=400)
    polys = [Polygon(f) for f in (fp, fp2) if len(f) >= 3]
    if not polys:
        return []
    region = polys[0].union(polys[1]) if len(polys) == 2 else polys[0]
    out: list[Label] = []
    for p in scene.placed_in(region):
        if p.obj.cls is None:
            continue
        if p.obj.kind == "fishing_net":
            out += net_labels(p, view, scene.frame)
        else:
            lb = box_label(p, view, scene.frame)
            if lb is not None:
                out.append(lb)
    return out
