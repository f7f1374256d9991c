"""Which way a net runs inside its box: the box gives the extent, the floats give the diagonal.

An axis-aligned box around a slanted line of floats has the line on one of its two diagonals. The
floats stand out from the water around them, so the diagonal along which the image departs most
from the box's typical (median) colour is the line. Thin boxes are lines along their long axis.
"""
from __future__ import annotations

import cv2
import numpy as np

Ends = tuple[tuple[float, float], tuple[float, float]]
THIN = 3.0          # aspect ratio beyond which a box is taken as a straight line along its long side


def line_ends(image: np.ndarray, box, pad_px: float = 3.0) -> Ends:
    """The two ends (pixels) of the net line in `box` (x1, y1, x2, y2) of a BGR `image`."""
    x1, y1, x2, y2 = (float(v) for v in box)
    w, h = x2 - x1, y2 - y1
    if w >= THIN * h:
        yc = (y1 + y2) / 2
        return (x1 + min(pad_px, w / 4), yc), (x2 - min(pad_px, w / 4), yc)
    if h >= THIN * w:
        xc = (x1 + x2) / 2
        return (xc, y1 + min(pad_px, h / 4)), (xc, y2 - min(pad_px, h / 4))
    p = min(pad_px, w / 4, h / 4)
    a = ((x1 + p, y1 + p), (x2 - p, y2 - p))     # "\" in image coordinates (y down)
    b = ((x1 + p, y2 - p), (x2 - p, y1 + p))     # "/"
    return a if _contrast(image, *a) >= _contrast(image, *b) else b


def _contrast(image: np.ndarray, p0, p1, n: int = 96) -> float:
    gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    H, W = gray.shape
    x0, y0 = max(int(min(p0[0], p1[0])) - 2, 0), max(int(min(p0[1], p1[1])) - 2, 0)
    x1, y1 = min(int(max(p0[0], p1[0])) + 3, W), min(int(max(p0[1], p1[1])) + 3, H)
    if x1 <= x0 or y1 <= y0:
        return 0.0
    roi = gray[y0:y1, x0:x1].astype(np.float32)
    bg = float(np.median(roi))
    dev = cv2.dilate(np.abs(roi - bg), np.ones((3, 3), np.uint8))   # a float is a few pixels: look near the line
    t = np.linspace(0.0, 1.0, n)
    xs = np.clip((p0[0] + t * (p1[0] - p0[0]) - x0).astype(int), 0, x1 - x0 - 1)
    ys = np.clip((p0[1] + t * (p1[1] - p0[1]) - y0).astype(int), 0, y1 - y0 - 1)
    return float(dev[ys, xs].mean())
