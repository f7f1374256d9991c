"""What the air and the camera do to a frame: haze, exposure, white balance, vignetting, blur, noise, JPEG.

All per-pixel work is OpenCV (LUTs, separable filters, saturating adds), a few milliseconds each
at 1080p; the noise is a precomputed field read at a random offset, not drawn per frame.
"""
from __future__ import annotations

import math
from functools import lru_cache

import cv2
import numpy as np

from .conditions import Conditions
from .water import sky_rgb

NOISE_LEVELS = (1.5, 3.0, 5.0, 8.0)


def tone_matrix(cond: Conditions, haze_t: float) -> np.ndarray:
    """3 x 4 affine map per channel (BGR): haze as a blend with the air light, then exposure, warmth, contrast.

    Applied with cv2.transform: a third of the cost of a 3-channel LUT, and it saturates the same way."""
    air = sky_rgb(cond)[::-1] * 0.95              # BGR
    light = 0.92 + 0.08 * math.sin(math.radians(cond.sun_elevation_deg))  # auto exposure
    gains = np.array([1.0 - 0.08 * cond.warmth, 1.0, 1.0 + 0.08 * cond.warmth])  # B, G, R
    if cond.sun_elevation_deg < 20:  # low sun: warmer, dimmer
        k = (20 - cond.sun_elevation_deg) / 20
        gains = gains * np.array([1 - 0.15 * k, 1 - 0.04 * k, 1 + 0.06 * k])
    m = np.zeros((3, 4), np.float32)
    for c in range(3):
        g = cond.exposure * light * gains[c]
        # v = ((x t + air (1 - t)) g - 118) contrast + 118
        m[c, c] = haze_t * g * cond.contrast
        m[c, 3] = (air[c] * (1 - haze_t) * g - 118.0) * cond.contrast + 118.0
    return m


def haze_transmission(cond: Conditions, distance_m: float) -> float:
    """Fraction of the ground's light that reaches the camera over distance_m of hazy air."""
    beta = 0.00015 + 0.0035 * cond.haze ** 1.5    # 1/m; thick mist ~ 4e-3
    return math.exp(-beta * distance_m)


@lru_cache(maxsize=4)
def _vignette(w: int, h: int) -> np.ndarray:
    """(h x w float32) squared distance from the centre, 0 at the centre, 1 at the corners."""
    u = (np.arange(w) + 0.5 - w / 2) / (w / 2)
    v = (np.arange(h) + 0.5 - h / 2) / (h / 2)
    r2 = (u[None, :] ** 2 + v[:, None] ** 2) / 2.0
    return r2.astype(np.float32)


@lru_cache(maxsize=8)
def _vignette_gain(w: int, h: int, amount_pct: int) -> np.ndarray:
    g = np.clip(255 * (1 - amount_pct / 100 * _vignette(w, h) ** 1.2), 0, 255).astype(np.uint8)
    return cv2.cvtColor(g, cv2.COLOR_GRAY2BGR)


@lru_cache(maxsize=len(NOISE_LEVELS))
def _noise_field(w: int, h: int, sigma: float) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian noise as its positive and negative parts (uint8): two saturating uint8 passes cost half
    of one mixed uint8 + int16 add."""
    rng = np.random.default_rng(int(sigma * 100) + 17)
    n = rng.normal(0, sigma, (h + 64, w + 64, 3))
    return np.clip(n, 0, 255).astype(np.uint8), np.clip(-n, 0, 255).astype(np.uint8)


def apply(img: np.ndarray, cond: Conditions, distance_m: float, haze_map: np.ndarray | None = None,
          cloud_map: np.ndarray | None = None) -> np.ndarray:
    """The finished frame (BGR uint8). distance_m: camera to ground at the centre; haze_map (optional,
    h x w float32 transmission) when the distance varies a lot across the frame."""
    h, w = img.shape[:2]
    rng = np.random.default_rng(cond.seed)
    if cloud_map is not None:
        img = cv2.multiply(img, cv2.cvtColor(cloud_map, cv2.COLOR_GRAY2BGR), scale=1 / 255.0)
    if haze_map is not None:
        air = np.empty_like(img)
        cv2.rectangle(air, (0, 0), (w, h), tuple(int(c) for c in sky_rgb(cond)[::-1] * 0.95), -1)
        img = cv2.blendLinear(img, air, haze_map, 1.0 - haze_map)
        img = cv2.transform(img, tone_matrix(cond, 1.0))
    else:
        img = cv2.transform(img, tone_matrix(cond, haze_transmission(cond, distance_m)))
    if cond.vignette > 0.01:
        img = cv2.multiply(img, _vignette_gain(w, h, int(round(cond.vignette * 100))), scale=1 / 255.0)
    if cond.motion_px >= 1.0:
        n = int(math.ceil(cond.motion_px)) | 1
        k = np.zeros((n, n), np.float32)
        a = math.radians(cond.motion_dir_deg)
        c = (n - 1) / 2
        for t in np.linspace(-cond.motion_px / 2, cond.motion_px / 2, 4 * n):
            k[int(round(c + t * math.sin(a))), int(round(c + t * math.cos(a)))] += 1
        img = cv2.filter2D(img, -1, k / k.sum())
    if cond.blur_px >= 0.3:
        img = cv2.GaussianBlur(img, (0, 0), cond.blur_px)
    if cond.noise >= 0.5:
        sigma = min(NOISE_LEVELS, key=lambda s: abs(s - cond.noise))
        pos, neg = _noise_field(w, h, sigma)
        dx, dy = (int(v) for v in rng.integers(0, 64, 2))
        img = cv2.subtract(cv2.add(img, pos[dy:dy + h, dx:dx + w]), neg[dy:dy + h, dx:dx + w])
    return img


def encode_jpeg(img: np.ndarray, quality: int) -> bytes:
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    return buf.tobytes()
