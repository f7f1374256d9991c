"""Which way a net runs inside its box: the box gives the extent, the floats give the line.

An axis-aligned box around a straight line of floats has the line on one of its two diagonals, or,
for a line along an image axis, on the box's long midline. A box 4:1 can still hold a diagonal
(a net slanted by 14 degrees), so shape alone does not decide: the floats stand out from the water
around them, and the candidate along which the image departs most from the box's typical (median)
colour is the line. Only boxes too thin for the candidates to differ by more than the floats'
own size are taken as their midline without looking.
"""
from __future__ import annotations

import cv2
import numpy as np

Ends = tuple[tuple[float, float], tuple[float, float]]
SAME_PX = 6.0       # candidates closer than this everywhere are the same line (floats are a few px)
MIDLINE_ASPECT = 2.0  # boxes at least this elongated may hold a line along their long side


def line_ends(image: np.ndarray, box, pad_px: float = 3.0) -> Ends:
    """The two ends (pixels) of the net line in `box` (x1, y1, x2, y2) of a BGR `image`."""
    x1, y1, x2, y2 = (float(v) for v in box)
    w, h = x2 - x1, y2 - y1
    wide = w >= h
    mid = (((x1 + min(pad_px, w / 4), (y1 + y2) / 2), (x2 - min(pad_px, w / 4), (y1 + y2) / 2)) if wide else
           (((x1 + x2) / 2, y1 + min(pad_px, h / 4)), ((x1 + x2) / 2, y2 - min(pad_px, h / 4))))
    if min(w, h) - 2 * min(pad_px, w / 4, h / 4) <= SAME_PX:
        return mid
    p = min(pad_px, w / 4, h / 4)
    candidates = [((x1 + p, y1 + p), (x2 - p, y2 - p)),     # "\" in image coordinates (y down)
                  ((x1 + p, y2 - p), (x2 - p, y1 + p))]     # "/"
    if max(w, h) >= MIDLINE_ASPECT * min(w, h):
        candidates.append(mid)
    dev = _deviation(image, x1, y1, x2, y2)
    if dev is None:
        return candidates[0]
    scores = [_along(dev, x1, y1, *c) for c in candidates]
    return candidates[int(np.argmax(scores))]


def _deviation(image: np.ndarray, x1: float, y1: float, x2: float, y2: float):
    """|grey - median| over the box, widened a little: a float is a few pixels, so look near the line."""
    H, W = image.shape[:2]
    x0, y0 = max(int(x1), 0), max(int(y1), 0)
    xe, ye = min(int(np.ceil(x2)) + 1, W), min(int(np.ceil(y2)) + 1, H)
    if xe <= x0 or ye <= y0:
        return None
    roi = image[y0:ye, x0:xe]
    roi = (roi if roi.ndim == 2 else cv2.cvtColor(roi, cv2.COLOR_BGR2GRAY)).astype(np.float32)
    dev = cv2.dilate(np.abs(roi - float(np.median(roi))), np.ones((3, 3), np.uint8))
    return dev, x0, y0


def _along(d, x1: float, y1: float, p0, p1, n: int = 128) -> float:
    dev, x0, y0 = d
    h, w = dev.shape
    t = np.linspace(0.0, 1.0, n)
    xs = np.clip((p0[0] + t * (p1[0] - p0[0]) - x0).astype(int), 0, w - 1)
    ys = np.clip((p0[1] + t * (p1[1] - p0[1]) - y0).astype(int), 0, h - 1)
    return float(dev[ys, xs].mean())
