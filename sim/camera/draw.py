"""Rasterising projected parts into a frame with OpenCV: polygons, lines, discs, shadows.

Pixel convention: the camera model gives continuous coordinates (pixel centres at +0.5); OpenCV
draws with integer pixel centres, so every vertex is shifted by -0.5 and passed with 4 fractional
bits. That half pixel is the difference between labels that agree with the image and labels that
do not.
"""
from __future__ import annotations

import math

import cv2
import numpy as np

from .model import View
from .parts import DISC, LINES, POLY, POLYS, Item, Part, Shadow

SHIFT = 4
ONE = 1 << SHIFT
NEAR_M = 0.3


def fixed(uv: np.ndarray) -> np.ndarray:
    """Continuous pixel coordinates -> OpenCV fixed-point vertices (far-off points clamped; OpenCV clips)."""
    return np.round((np.clip(uv, -1e5, 1e5) - 0.5) * ONE).astype(np.int32)


def _blend_roi(img: np.ndarray, pts_fixed: list[np.ndarray], pad: int, draw, alpha: float) -> None:
    allp = np.vstack(pts_fixed) >> SHIFT
    h, w = img.shape[:2]
    x0, y0 = max(int(allp[:, 0].min()) - pad, 0), max(int(allp[:, 1].min()) - pad, 0)
    x1, y1 = min(int(allp[:, 0].max()) + pad + 2, w), min(int(allp[:, 1].max()) + pad + 2, h)
    if x1 <= x0 or y1 <= y0:
        return
    roi = img[y0:y1, x0:x1]
    tmp = roi.copy()
    off = np.array([x0 * ONE, y0 * ONE], dtype=np.int32)
    draw(tmp, [p - off for p in pts_fixed])
    cv2.addWeighted(tmp, alpha, roi, 1.0 - alpha, 0.0, dst=roi)


def draw_part(img: np.ndarray, part: Part, uv: np.ndarray, depth: np.ndarray, fx: float) -> None:
    h, w = img.shape[:2]
    if (depth < NEAR_M).any():
        return
    color = tuple(int(c) for c in part.color)
    if part.kind == POLYS:
        cv2.fillPoly(img, np.split(fixed(uv), part.splits), color, cv2.LINE_AA, SHIFT)
        return
    if part.kind == POLY:
        alpha = part.alpha
        if part.wall:
            # a wall seen edge-on would be drawn a full pixel wide by the anti-aliased fill: give it the
            # coverage of its true width instead
            c = uv.astype(np.float32)
            width = 2.0 * abs(cv2.contourArea(c)) / max(cv2.arcLength(c, True), 1e-9)
            alpha = alpha * min(1.0, width)
        if alpha < 0.04:
            return
        p = [fixed(uv)]
        if alpha < 0.999:
            _blend_roi(img, p, 2, lambda im, q: cv2.fillPoly(im, q, color, cv2.LINE_AA, SHIFT), alpha)
        elif part.alpha >= 0.999:
            cv2.fillPoly(img, p, color, cv2.LINE_AA, SHIFT)
        else:
            _blend_roi(img, p, 2, lambda im, q: cv2.fillPoly(im, q, color, cv2.LINE_AA, SHIFT), part.alpha)
    elif part.kind == LINES:
        px = part.size * fx / float(depth.mean())
        alpha = part.alpha * min(1.0, px)
        if alpha < 0.04:
            return
        thick = max(1, int(round(px)))
        segs = fixed(uv).reshape(-1, 2, 2)
        segs = [s for s in segs]
        if alpha >= 0.999:
            cv2.polylines(img, segs, False, color, thick, cv2.LINE_AA, SHIFT)
        else:
            _blend_roi(img, segs, thick + 2, lambda im, q: cv2.polylines(im, q, False, color, thick, cv2.LINE_AA, SHIFT), alpha)
    elif part.kind == DISC:
        r = part.size * fx / float(depth[0])
        u, v = uv[0]
        if u < -r - 2 or v < -r - 2 or u > w + r + 2 or v > h + r + 2:
            return
        if r < 0.8:  # smaller than a pixel: blend its coverage into the nearest pixel
            i, j = int(math.floor(u)), int(math.floor(v))
            if 0 <= i < w and 0 <= j < h:
                a = min(1.0, math.pi * r * r) * part.alpha
                img[j, i] = (img[j, i] * (1 - a) + np.array(color) * a).astype(np.uint8)
            return
        c = fixed(uv)[0]
        rr = int(round(r * ONE))
        if part.alpha >= 0.999:
            cv2.circle(img, (int(c[0]), int(c[1])), rr, color, -1, cv2.LINE_AA, SHIFT)
        else:
            pts = [np.array([[c[0] - rr, c[1] - rr], [c[0] + rr, c[1] + rr]], dtype=np.int32)]
            _blend_roi(img, pts, 2, lambda im, q: cv2.circle(im, (int(q[0][0, 0] + rr), int(q[0][0, 1] + rr)), rr, color, -1,
                                                             cv2.LINE_AA, SHIFT), part.alpha)


def _projected_in_paint_order(item: Item, view: View):
    """The item's parts projected (uv, depth, part bounds) and the order to paint them: each run of
    walls farthest first, so the near faces end on top."""
    counts = [len(p.pts) for p in item.parts]
    uv, depth = view.project(np.vstack([p.pts for p in item.parts]))
    bounds = np.cumsum([0] + counts)
    order = list(range(len(item.parts)))
    cam = np.asarray(view.center)
    k = 0
    while k < len(order):
        if not item.parts[k].wall:
            k += 1
            continue
        e = k
        while e < len(order) and item.parts[e].wall:
            e += 1
        order[k:e] = sorted(order[k:e], key=lambda i: -float(np.linalg.norm(item.parts[i].pts.mean(axis=0) - cam)))
        k = e
    return uv, depth, bounds, order


def draw_item(img: np.ndarray, item: Item, view: View) -> None:
    if not item.parts:
        return
    uv, depth, bounds, order = _projected_in_paint_order(item, view)
    fx = view.K.fx
    h, w = img.shape[:2]
    ok_depth = depth >= NEAR_M
    for i in order:
        a, b = bounds[i], bounds[i + 1]
        part = item.parts[i]
        if part.kind == DISC and part.alpha >= 0.999 and ok_depth[a]:
            # the common case (floats, pads, crowns) without the general path's overhead
            r = part.size * fx / depth[a]
            u, v = uv[a]
            if r >= 0.8 and -r - 2 < u < w + r + 2 and -r - 2 < v < h + r + 2:
                cv2.circle(img, (int(round((u - 0.5) * ONE)), int(round((v - 0.5) * ONE))), int(round(r * ONE)),
                           part.color, -1, cv2.LINE_AA, SHIFT)
                continue
        draw_part(img, part, uv[a:b], depth[a:b], fx)


def shadow_polygons(shadows: list[Shadow], sun: np.ndarray, view: View) -> tuple[list[np.ndarray], list[tuple]]:
    """Fixed-point image polygons of cast shadows (and circles for round casters) on their base planes."""
    if sun[2] <= 0.02:
        return [], []
    k = sun[:2] / sun[2]
    polys, circles = [], []
    for s in shadows:
        z = s.pts[:, 2] - s.base_z
        ground = s.pts[:, :2] - z[:, None] * k
        if s.radius > 0:
            g3 = np.array([[ground[0, 0], ground[0, 1], s.base_z]])
            uv, d = view.project(g3)
            if d[0] < NEAR_M:
                continue
            circles.append((uv[0], s.radius * view.K.fx / d[0]))
            continue
        pts = np.vstack([s.pts[:, :2], ground]) if s.grounded else ground
        hull = cv2.convexHull(pts.astype(np.float32)).reshape(-1, 2).astype(float)
        uv, d = view.project(np.column_stack([hull, np.full(len(hull), s.base_z)]))
        if (d < NEAR_M).any():
            continue
        polys.append(fixed(uv))
    return polys, circles


def darken(img: np.ndarray, polys: list[np.ndarray], circles: list[tuple], strength: float, soft_px: float) -> None:
    """Multiply the frame by (1 - strength) inside the shadow shapes, with soft edges.

    The mask is drawn at a quarter of the frame's resolution and scaled up: the blur of the scaling
    is the penumbra, and it costs a sixteenth of drawing and blurring at full size."""
    if (not polys and not circles) or strength <= 0:
        return
    h, w = img.shape[:2]
    q = 4
    pts = [p >> SHIFT for p in polys] + [np.array([[c[0] - r, c[1] - r], [c[0] + r, c[1] + r]]) for c, r in circles]
    allp = np.vstack(pts)
    x0, y0 = max(int(allp[:, 0].min()) - 8, 0) // q * q, max(int(allp[:, 1].min()) - 8, 0) // q * q
    x1, y1 = min(int(allp[:, 0].max()) + 8, w), min(int(allp[:, 1].max()) + 8, h)
    if x1 <= x0 or y1 <= y0:
        return
    mw, mh = -(-(x1 - x0) // q), -(-(y1 - y0) // q)
    mask = np.zeros((mh, mw), np.uint8)
    # full-resolution fixed point -> quarter resolution (pixel centres move by (q - 1) / 2)
    s_off = np.array([x0 * ONE, y0 * ONE], dtype=np.int64)
    c_off = (q - 1) * ONE // 2
    if polys:
        cv2.fillPoly(mask, [((p.astype(np.int64) - s_off - c_off) // q).astype(np.int32) for p in polys], 255,
                     cv2.LINE_AA, SHIFT)
    for (u, v), r in circles:
        cv2.circle(mask, (int(round(((u - 0.5 - x0) - (q - 1) / 2) / q * ONE)), int(round(((v - 0.5 - y0) - (q - 1) / 2) / q * ONE))),
                   int(round(r / q * ONE)), 255, -1, cv2.LINE_AA, SHIFT)
    if soft_px > q:
        mask = cv2.GaussianBlur(mask, (0, 0), (soft_px - q) / q + 0.3)
    gain = cv2.LUT(mask, np.clip(255 - np.arange(256) * strength, 0, 255).astype(np.uint8))
    gain = cv2.resize(gain, (mw * q, mh * q), interpolation=cv2.INTER_LINEAR)[: y1 - y0, : x1 - x0]
    roi = img[y0:y1, x0:x1]
    cv2.multiply(roi, cv2.cvtColor(gain, cv2.COLOR_GRAY2BGR), dst=roi, scale=1 / 255.0)


SS = 4                     # supersampling of exact drawing
SS_MAX_PIXELS = 400_000    # an item whose box is larger than this (a long net) is drawn part by part


def _bounds(part: Part, uv: np.ndarray, depth: np.ndarray, fx: float) -> tuple[float, float, float, float]:
    pad = 1.0
    if part.kind == DISC:
        pad += part.size * fx / float(depth[0])
    elif part.kind == LINES:
        pad += part.size * fx / float(depth.min()) / 2
    return uv[:, 0].min() - pad, uv[:, 1].min() - pad, uv[:, 0].max() + pad, uv[:, 1].max() + pad


def _supersampled(img: np.ndarray, parts: list[tuple[Part, np.ndarray, np.ndarray]], box, fx: float) -> None:
    """Draw parts at SS times the resolution without anti-aliasing, then average down: each pixel gets
    the fraction of it the parts cover. OpenCV's own anti-aliased fill is up to a pixel too generous."""
    h, w = img.shape[:2]
    x0, y0 = max(int(math.floor(box[0])), 0), max(int(math.floor(box[1])), 0)
    x1, y1 = min(int(math.ceil(box[2])) + 1, w), min(int(math.ceil(box[3])) + 1, h)
    if x1 <= x0 or y1 <= y0:
        return
    roi = img[y0:y1, x0:x1]
    big = cv2.resize(roi, None, fx=SS, fy=SS, interpolation=cv2.INTER_NEAREST)
    origin = np.array([x0, y0], dtype=float)
    for part, uv, depth in parts:
        color = tuple(int(c) for c in part.color)
        q = np.round(((uv - origin) * SS - 0.5) * ONE).astype(np.int32)
        if part.alpha < 0.999:
            target = big.copy()
        else:
            target = big
        if part.kind == POLY:
            cv2.fillPoly(target, [q], color, cv2.LINE_8, SHIFT)
        elif part.kind == POLYS:
            cv2.fillPoly(target, np.split(q, part.splits), color, cv2.LINE_8, SHIFT)
        elif part.kind == LINES:
            px = part.size * fx / float(depth.mean()) * SS
            cv2.polylines(target, list(q.reshape(-1, 2, 2)), False, color, max(1, int(round(px))), cv2.LINE_8, SHIFT)
        else:
            r = part.size * fx / float(depth[0]) * SS
            cv2.circle(target, (int(q[0, 0]), int(q[0, 1])), max(1, int(round(r * ONE))), color, -1, cv2.LINE_8, SHIFT)
        if part.alpha < 0.999:
            cv2.addWeighted(target, part.alpha, big, 1.0 - part.alpha, 0.0, dst=big)
    roi[:] = cv2.resize(big, (x1 - x0, y1 - y0), interpolation=cv2.INTER_AREA)


def draw_item_exact(img: np.ndarray, item: Item, view: View) -> None:
    """Draw a planted object so that each pixel shows the share of it the object covers (labels rely on it)."""
    if not item.parts:
        return
    uv, depth, bounds, order = _projected_in_paint_order(item, view)
    h, w = img.shape[:2]
    fx = view.K.fx
    todo = []
    for i in order:
        a, b = bounds[i], bounds[i + 1]
        if (depth[a:b] < NEAR_M).any():
            continue
        bx = _bounds(item.parts[i], uv[a:b], depth[a:b], fx)
        if bx[2] < 0 or bx[3] < 0 or bx[0] > w or bx[1] > h:
            continue
        todo.append((item.parts[i], uv[a:b], depth[a:b], bx))
    if not todo:
        return
    box = (min(t[3][0] for t in todo), min(t[3][1] for t in todo), max(t[3][2] for t in todo), max(t[3][3] for t in todo))
    area = (min(box[2], w) - max(box[0], 0)) * (min(box[3], h) - max(box[1], 0))
    if area <= SS_MAX_PIXELS:
        _supersampled(img, [t[:3] for t in todo], box, fx)
    else:  # a long net across the frame: part by part, each in its own small window
        for t in todo:
            _supersampled(img, [t[:3]], t[3], fx)
