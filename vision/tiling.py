"""Slicing a frame into overlapping tiles at full resolution, and merging the tiles' boxes back.

Why hand-written rather than sahi: the detector runs all tiles of a frame (and of several frames) as
one batch through ONNX Runtime, where sahi predicts slice by slice through its own model wrappers;
and the merge must join the halves of an object cut by a seam (and the pieces of a net line), which
sahi's greedy merge by intersection-over-smaller misses when the overlap strip is narrow.

The grid: the fewest, smallest tiles (sides multiples of 32, at most `max_side`) that cover the
frame with at least `min_overlap` pixels shared between neighbours. A 1920x1080 frame becomes
3 x 2 tiles of 672 x 576 (12 % more pixels than the frame) instead of 4 x 2 squares of 640.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

STRIDE = 32


@dataclass(frozen=True)
class Tile:
    x0: int
    y0: int
    w: int
    h: int

    @property
    def x1(self) -> int:
        return self.x0 + self.w

    @property
    def y1(self) -> int:
        return self.y0 + self.h


def _starts(length: int, tile: int, n: int) -> list[int]:
    if n == 1:
        return [0]
    return [int(round(i * (length - tile) / (n - 1))) for i in range(n)]


def grid(width: int, height: int, max_side: int = 704, min_overlap: int = 48,
         exact: tuple[int, int] | None = None) -> list[Tile]:
    """Tiles covering a width x height frame; a frame no bigger than one tile is one tile of its own size
    (rounded up to the stride: the detector pads). `exact` (w, h) forces the tile size (a model with a
    fixed input): then only the counts are chosen."""
    if exact is not None:
        tw, th = exact
        nx = 1 if width <= tw else math.ceil((width - min_overlap) / (tw - min_overlap))
        ny = 1 if height <= th else math.ceil((height - min_overlap) / (th - min_overlap))
        return [Tile(x, y, tw, th) for y in _starts(height, min(th, height), ny) for x in _starts(width, min(tw, width), nx)]
    best = None
    for nx in range(1, 16):
        tw = _ceil(math.ceil((width + (nx - 1) * min_overlap) / nx)) if nx > 1 else _ceil(width)
        if tw > max_side and nx * max_side < width + (nx - 1) * min_overlap:
            continue
        for ny in range(1, 16):
            th = _ceil(math.ceil((height + (ny - 1) * min_overlap) / ny)) if ny > 1 else _ceil(height)
            if tw > max_side or th > max_side:
                continue
            area = nx * ny * tw * th
            if best is None or area < best[0]:
                best = (area, nx, ny, tw, th)
    if best is None:
        raise ValueError(f"no tiling of {width}x{height} with tiles up to {max_side}")
    _, nx, ny, tw, th = best
    tw_eff, th_eff = min(tw, width), min(height, th)
    return [Tile(x, y, tw, th) for y in _starts(height, th_eff, ny) for x in _starts(width, tw_eff, nx)]


def _ceil(v: float) -> int:
    return int(math.ceil(v / STRIDE) * STRIDE)


def cut(image: np.ndarray, tiles: list[Tile], fill: int = 114) -> np.ndarray:
    """B x h x w x 3 array of the tiles (padded with grey where a tile overhangs the frame)."""
    H, W = image.shape[:2]
    th, tw = tiles[0].h, tiles[0].w
    out = np.full((len(tiles), th, tw, 3), fill, dtype=np.uint8)
    for k, t in enumerate(tiles):
        x1, y1 = min(t.x1, W), min(t.y1, H)
        out[k, : y1 - t.y0, : x1 - t.x0] = image[t.y0:y1, t.x0:x1]
    return out


# --- merging ------------------------------------------------------------------------------------------

def iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pairwise IoU of N x 4 and M x 4 xyxy boxes."""
    ix = np.clip(np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0]), 0, None)
    iy = np.clip(np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1]), 0, None)
    inter = ix * iy
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    return inter / np.maximum(area_a[:, None] + area_b[None, :] - inter, 1e-9)


def ios(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pairwise intersection over the smaller box's area."""
    ix = np.clip(np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0]), 0, None)
    iy = np.clip(np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1]), 0, None)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    return ix * iy / np.maximum(np.minimum(area_a[:, None], area_b[None, :]), 1e-9)


def _touches_cut(box: np.ndarray, tile: Tile, frame_w: int, frame_h: int, margin: float) -> tuple[bool, bool, bool, bool]:
    """Which of the tile's inner edges (left, top, right, bottom; not the frame's) the box reaches."""
    return (tile.x0 > 0 and box[0] <= tile.x0 + margin,
            tile.y0 > 0 and box[1] <= tile.y0 + margin,
            tile.x1 < frame_w and box[2] >= tile.x1 - margin,
            tile.y1 < frame_h and box[3] >= tile.y1 - margin)


def _seam_pair(a, ta: Tile, b, tb: Tile, W: int, H: int, margin: float, along: float) -> bool:
    """a and b are two pieces of one object cut by the seam between their tiles: each reaches its
    tile's cut edge on the side facing the other, they meet across the seam, and they line up along it
    (`along`: the shared span over the shorter piece's; 0 for a line, whose pieces share only a corner)."""
    ea, eb = _touches_cut(a, ta, W, H, margin), _touches_cut(b, tb, W, H, margin)
    if tb.x0 > ta.x0 and ea[2] and eb[0] or ta.x0 > tb.x0 and ea[0] and eb[2]:   # side by side
        meet = min(a[2], b[2]) - max(a[0], b[0]) > -margin
        span = min(a[3], b[3]) - max(a[1], b[1])
        return meet and span >= along * min(a[3] - a[1], b[3] - b[1])
    if tb.y0 > ta.y0 and ea[3] and eb[1] or ta.y0 > tb.y0 and ea[1] and eb[3]:   # one above the other
        meet = min(a[3], b[3]) - max(a[1], b[1]) > -margin
        span = min(a[2], b[2]) - max(a[0], b[0])
        return meet and span >= along * min(a[2] - a[0], b[2] - b[0])
    return False


def merge(boxes: np.ndarray, scores: np.ndarray, classes: np.ndarray, tile_ids: np.ndarray, tiles: list[Tile],
          frame_w: int, frame_h: int, ios_thresh: float = 0.6, seam_margin: float = 4.0,
          seam_along: float = 0.5, line_classes: frozenset = frozenset(),
          seam_min_conf: float = 0.05, same_iou: float = 0.7,
          cross_class_iou: float = 0.85, grow_min_frac: float = 0.25) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Join the boxes of all tiles into the frame's detections, class by class.

    First duplicates: a box absorbs the lower-scored boxes of other tiles that it overlaps (intersection
    over the smaller >= ios_thresh), taking their union (greedy, highest score first). Then seams: two
    boxes (scored at least `seam_min_conf`) that are the pieces of one object cut by the seam between
    their tiles become their union, repeatedly, so a long net crossing three tiles ends as one box.
    `line_classes` (nets) join across a seam without lining up along it, and join any box of theirs they
    overlap, in the same tile too (a model may see one long line as a few pieces). Near-copies in one
    tile (IoU >= same_iou) are one box; a box almost identical (IoU >= cross_class_iou) to a
    higher-scored box of another class is dropped: one object, one class. A box absorbed by a
    higher-scored one widens it only if it scores at least `grow_min_frac` of it (and `seam_min_conf`):
    faint guesses are dropped, not unioned, so a confident box keeps its shape however low the
    threshold (an evaluation at conf 0.001 sees the boxes the controller sees at its own threshold).
    """
    boxes = np.asarray(boxes, dtype=float).reshape(-1, 4)
    scores = np.asarray(scores, dtype=float).reshape(-1)
    classes = np.asarray(classes).reshape(-1)
    tile_ids = np.asarray(tile_ids).reshape(-1)
    out_b, out_s, out_c = [], [], []
    for c in np.unique(classes):
        sel = np.flatnonzero(classes == c)
        sel = sel[np.argsort(-scores[sel], kind="stable")]
        B, S, T = boxes[sel], scores[sel], tile_ids[sel]
        overlap = ios(B, B)
        dup = ((overlap >= ios_thresh) & (T[:, None] != T[None, :])) | (iou(B, B) >= same_iou)
        if c in line_classes:              # pieces of one line found side by side in a tile: one line
            dup |= overlap > 0.0
        alive = np.ones(len(B), bool)
        groups = []
        for i in range(len(B)):
            if not alive[i]:
                continue
            members = np.flatnonzero(alive & dup[i])
            members = np.append(members, i)
            alive[members] = False
            grow = members[(S[members] >= grow_min_frac * S[i]) & (S[members] >= min(seam_min_conf, S[i]))]
            mb = B[grow]
            groups.append([np.array([mb[:, 0].min(), mb[:, 1].min(), mb[:, 2].max(), mb[:, 3].max()]), float(S[i]),
                           set(int(t) for t in T[grow])])
        along = 0.0 if c in line_classes else seam_along
        strong = [g for g in groups if g[1] >= seam_min_conf]
        weak = [g for g in groups if g[1] < seam_min_conf]
        changed = True
        while changed and len(strong) > 1:
            changed = False
            for i in range(len(strong)):
                bi, si, ti = strong[i]
                for j in range(i + 1, len(strong)):
                    bj, sj, tj = strong[j]
                    if ti & tj:
                        continue
                    if any(_seam_pair(bi, tiles[a], bj, tiles[b], frame_w, frame_h, seam_margin, along)
                           for a in ti for b in tj):
                        u = np.array([min(bi[0], bj[0]), min(bi[1], bj[1]), max(bi[2], bj[2]), max(bi[3], bj[3])])
                        strong[i] = [u, max(si, sj), ti | tj]
                        del strong[j]
                        changed = True
                        break
                if changed:
                    break
        for b, sc, _ in strong + weak:
            out_b.append(b)
            out_s.append(sc)
            out_c.append(c)
    if not out_b:
        return np.zeros((0, 4)), np.zeros(0), np.zeros(0, dtype=int)
    order = np.argsort(-np.asarray(out_s), kind="stable")
    ob, os_, oc = np.asarray(out_b)[order], np.asarray(out_s)[order], np.asarray(out_c)[order]
    same = iou(ob, ob) >= cross_class_iou
    keep = np.ones(len(ob), bool)
    for i in range(len(ob)):
        if keep[i]:
            keep[i + 1:] &= ~(same[i, i + 1:] & (oc[i + 1:] != oc[i]))
    return ob[keep], os_[keep], oc[keep]
