"""Procedural, seamlessly periodic textures in world units, made once per process (no files, no downloads).

Each texture is filtered white noise (FFT), so it tiles without seams and can be warped straight
into a frame with cv2's BORDER_WRAP: the ground never needs a texture atlas. A mip pyramid keeps
the texel near the frame's ground sample distance, so a frame at 120 m is not a shimmer of aliasing.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

TEXTURE_SEED = 20240611


TILE_PX = 2560  # each level is stored tiled out to this size (the finest to TILE0_PX), so a frame warps without wrap-around
TILE0_PX = 3200


@dataclass(frozen=True)
class Texture:
    """A periodic single-channel uint8 texture (mean ~128) with its mip levels.

    Level k has texel texel_m * 2**k and the same period in metres; each level is stored tiled out to
    TILE_PX so that `warp` can keep every sample inside the array: OpenCV's BORDER_WRAP path is four
    times slower than an in-range warp."""

    name: str
    texel_m: float                  # metres per pixel at level 0
    period_px: int                  # period of level 0 in pixels
    levels: tuple[np.ndarray, ...]  # tiled arrays, TILE_PX square (or the period, when larger)

    @property
    def period_m(self) -> float:
        return self.period_px * self.texel_m

    def level_for(self, gsd_m: float) -> int:
        """The coarsest level whose texel is no larger than the frame's ground sample distance (x 1.4)."""
        k = int(math.floor(math.log2(max(gsd_m * 1.4, 1e-6) / self.texel_m)))
        return min(max(k, 0), len(self.levels) - 1)


def _tiled(level: np.ndarray, size: int) -> np.ndarray:
    n = level.shape[0]
    reps = max(1, -(-size // n))
    return np.ascontiguousarray(np.tile(level, (reps, reps))[:max(size, n), :max(size, n)])


def _spectral_noise(n: int, rng: np.random.Generator, weight) -> np.ndarray:
    """n x n periodic noise with amplitude spectrum weight(kx, ky) (cycles per pixel), std 1."""
    kx = np.fft.fftfreq(n)[None, :]
    ky = np.fft.fftfreq(n)[:, None]
    w = weight(kx, ky)
    w[0, 0] = 0.0
    spec = np.fft.fft2(rng.standard_normal((n, n))) * w
    out = np.real(np.fft.ifft2(spec))
    return out / (out.std() + 1e-12)


def _to_u8(a: np.ndarray, std: float) -> np.ndarray:
    return np.clip(128.0 + std * a, 0, 255).astype(np.uint8)


def _pyramid(base: np.ndarray, n_levels: int, tile: int = TILE_PX, tile0: int = TILE0_PX) -> tuple[np.ndarray, ...]:
    levels = [base]
    while len(levels) < n_levels:
        levels.append(_down(levels[-1]))
    return tuple(_tiled(lv, tile0 if k == 0 else tile) for k, lv in enumerate(levels))


def _down(a: np.ndarray) -> np.ndarray:
    """Halve a periodic texture: 2x2 box filter with wrap-around (keeps it seamless)."""
    f = a.astype(np.float32)
    f = (f + np.roll(f, -1, 0) + np.roll(f, -1, 1) + np.roll(np.roll(f, -1, 0), -1, 1)) / 4.0
    return np.clip(f[::2, ::2] + 0.5, 0, 255).astype(np.uint8)


@lru_cache(maxsize=None)
def waves(n: int = 2048, texel_m: float = 0.0625) -> Texture:
    """Wind waves travelling along +x (crests along y): wavelengths ~0.3-8 m, spread +-40 degrees."""
    rng = np.random.default_rng(TEXTURE_SEED)
    per_m = 1.0 / texel_m

    def weight(kx, ky):
        k = np.hypot(kx, ky) * per_m            # cycles per metre
        theta = np.arctan2(ky, kx)
        spread = np.cos(theta) ** 8               # both directions along x
        kp = 0.6                                  # spectral peak: 1.7 m waves
        ks = np.maximum(k, 1e-6)
        amp = ks ** -2.0 * np.exp(-(kp / ks) ** 2) * (k < 3.5)
        return amp * (0.25 + spread)
    base = _spectral_noise(n, rng, weight)
    # sharpen crests a little: real wind waves have narrow bright crests and wide troughs
    base = np.sign(base) * np.abs(base) ** 0.85
    return Texture("waves", texel_m, n, _pyramid(_to_u8(base / base.std(), 42.0), 4))


@lru_cache(maxsize=None)
def land(n: int = 2048, texel_m: float = 0.0625) -> Texture:
    """Mottled ground: 1/f noise from 0.15 m to 40 m, for grass, soil, asphalt and roofs."""
    rng = np.random.default_rng(TEXTURE_SEED + 1)
    per_m = 1.0 / texel_m

    def weight(kx, ky):
        k = np.hypot(kx, ky) * per_m
        return np.where(k > 0, 1.0 / np.maximum(k, 0.025) ** 0.95, 0) * (k < 5.0)
    return Texture("land", texel_m, n, _pyramid(_to_u8(_spectral_noise(n, rng, weight), 40.0), 4))


@lru_cache(maxsize=None)
def broad(n: int = 512, texel_m: float = 4.0) -> Texture:
    """Large-scale variation (20-800 m): algae and silt patches on water, tint of fields and lawns."""
    rng = np.random.default_rng(TEXTURE_SEED + 2)
    per_m = 1.0 / texel_m

    def weight(kx, ky):
        k = np.hypot(kx, ky) * per_m
        return np.where(k > 0, 1.0 / np.maximum(k, 1 / 800) ** 1.3, 0) * (k < 1 / 20)
    return Texture("broad", texel_m, n, _pyramid(_to_u8(_spectral_noise(n, rng, weight), 50.0), 3, tile=n, tile0=n))


def warp(tex: Texture, H_img_world: np.ndarray, size: tuple[int, int], gsd_m: float,
         rotate_deg: float = 0.0, scale: float = 1.0) -> np.ndarray:
    """The texture as seen in an image of `size` (w, h), anchored to the world plane of H_img_world.

    H_img_world maps world (x, y, 1) on a plane to continuous pixel coordinates of the target image.
    The texture's x axis is turned `rotate_deg` counter-clockwise from east (waves follow the wind);
    `scale` stretches it (the same texture serves as cloud shadows at another scale).
    """
    c, s = math.cos(math.radians(rotate_deg)), math.sin(math.radians(rotate_deg))
    Hinv = np.linalg.inv(H_img_world)
    w, h = size
    border = np.array([[0, 0, 1], [w, 0, 1], [w, h, 1], [0, h, 1], [w / 2, h / 2, 1]], dtype=float) @ Hinv.T
    ok = border[:, 2] > 1e-12
    wx, wy = border[:, 0] / np.where(ok, border[:, 2], 1), border[:, 1] / np.where(ok, border[:, 2], 1)
    ru, rv = c * wx + s * wy, s * wx - c * wy            # rotated world coordinates (m)
    k = tex.level_for(gsd_m * scale)
    while True:
        t = tex.texel_m * (2 ** k) * scale             # metres per texel at this level
        img = tex.levels[k]
        n = img.shape[0]
        p_px = max(tex.period_px >> k, 1)              # the period in texels at this level
        span = max(np.ptp(ru[ok]), np.ptp(rv[ok])) / t if ok.all() else float("inf")
        if span + p_px < n - 2 or k == len(tex.levels) - 1:
            break
        k += 1
    period = p_px * t                                  # metres; the same at every level
    # start the window on the footprint's corner, moved back by whole periods: it then lies in [0, period + span)
    du = math.floor(ru[ok].min() / period) * period - t
    dv = math.floor(rv[ok].min() / period) * period - t
    inside = span + p_px < n - 2
    # world (x, y) -> texture pixel (p, q): p = (c x + s y - du) / t, q = (s x - c y - dv) / t
    T = np.array([[c / t, s / t, -du / t], [s / t, -c / t, -dv / t], [0.0, 0.0, 1.0]])
    shift = np.array([[1.0, 0.0, -0.5], [0.0, 1.0, -0.5], [0.0, 0.0, 1.0]])  # continuous -> cv2 pixel centres
    M = T @ Hinv @ np.linalg.inv(shift)                  # destination pixel -> texture pixel
    return cv2.warpPerspective(img, M, size, flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                               borderMode=cv2.BORDER_REFLECT if inside else cv2.BORDER_WRAP)
