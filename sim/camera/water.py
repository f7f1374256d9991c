"""The colour of water as the camera sees it: body colour, patches, sky reflection, waves and sun glint.

The smooth terms (Fresnel reflection of the sky, the glint envelope from the Cox-Munk wave-slope
distribution, algae and silt patches) are computed on a grid 1/8 of the frame and scaled up; the
waves and the sparkle of glint come from a world-anchored wave texture warped at full resolution.
"""
from __future__ import annotations

import math

import cv2
import numpy as np

from . import textures
from .conditions import Conditions
from .model import View

LOW = 16  # the smooth terms are computed on a grid this many times coarser than the frame


def sky_rgb(cond: Conditions) -> np.ndarray:
    clear = np.array([160.0, 182.0, 204.0])
    hazy = np.array([200.0, 205.0, 210.0])
    return clear * (1 - cond.haze) + hazy * cond.haze


def smooth_terms(view: View, z: float, cond: Conditions) -> tuple[np.ndarray, np.ndarray]:
    """(h/8 x w/8 x 3 float RGB water colour, h/8 x w/8 glint envelope 0..1) on the plane z."""
    W, H = view.K.width, view.K.height
    w, h = W // LOW, H // LOW
    us = (np.arange(w) + 0.5) * W / w
    vs = (np.arange(h) + 0.5) * H / h
    uu, vv = np.meshgrid(us, vs)
    rays = view.rays(np.column_stack([uu.ravel(), vv.ravel()]))
    rays /= np.linalg.norm(rays, axis=1, keepdims=True)
    to_cam = -rays                                     # from the water towards the camera
    cos_t = np.clip(to_cam[:, 2], 0.0, 1.0)
    fresnel = 0.02 + 0.98 * (1.0 - cos_t) ** 5
    body = np.array(cond.water_rgb, dtype=float)
    patch = np.array(cond.water_patch_rgb, dtype=float)
    H_img = view.homography(z)
    broad = textures.warp(textures.broad(), _scale_h(H_img, 1.0 / LOW), (w, h), view.gsd(z) * LOW).astype(float)
    t = np.clip((broad.ravel() - 128.0) / 90.0, -1.0, 1.0)
    color = body[None, :] + np.clip(t, 0, 1)[:, None] * (patch - body)[None, :] + np.clip(t, -1, 0)[:, None] * body * 0.08
    light = 0.8 + 0.2 * math.sin(math.radians(cond.sun_elevation_deg))  # the camera's auto exposure evens out the rest
    color = color * light * (1 - fresnel[:, None]) + sky_rgb(cond)[None, :] * fresnel[:, None]
    # glint: facet normal halfway between the camera and the sun; Cox-Munk slope variance
    sun = cond.sun_vector()
    half = to_cam + sun[None, :]
    half /= np.linalg.norm(half, axis=1, keepdims=True)
    cos_b = np.clip(half[:, 2], 1e-3, 1.0)
    tan2 = (1.0 - cos_b ** 2) / cos_b ** 2
    sigma2 = 0.003 + 0.00512 * max(cond.wind_mps, 0.3)
    env = np.exp(-tan2 / sigma2) / (cos_b ** 4)
    env = np.clip(env * cond.glint * (0.4 + 0.6 * math.sin(math.radians(cond.sun_elevation_deg))), 0.0, 1.0)
    return color.reshape(h, w, 3), env.reshape(h, w)


def _scale_h(H: np.ndarray, s: float) -> np.ndarray:
    """The same homography for an image scaled by s (continuous coordinates scale exactly)."""
    return np.diag([s, s, 1.0]) @ H


def render_water(view: View, z: float, cond: Conditions, gsd: float) -> np.ndarray:
    """Full-frame BGR uint8 water, as if the whole frame were water."""
    W, H = view.K.width, view.K.height
    color, env = smooth_terms(view, z, cond)
    low = np.clip(color[..., ::-1], 0, 255).astype(np.uint8)
    base = cv2.resize(low, (W, H), interpolation=cv2.INTER_LINEAR)
    wave = textures.warp(textures.waves(), view.homography(z), (W, H), gsd,
                         rotate_deg=90.0 - (cond.wind_from_deg + 180.0))
    # one brightness multiplier per pixel (64 = 1x): the waves' light and dark facets, plus the sparkle of
    # glint, which multiplies dark water up to white (4x saturates it), then one 3-channel multiply
    amp = float(np.clip(0.12 + 0.05 * cond.wind_mps, 0.1, 0.5))
    gain = cv2.LUT(wave, np.clip(64 + (np.arange(256) - 128) * amp / 2, 0, 255).astype(np.uint8))
    if env.max() > 0.01:
        env_u8 = cv2.resize(np.clip(env * 255, 0, 255).astype(np.uint8), (W, H), interpolation=cv2.INTER_LINEAR)
        spark = cv2.LUT(wave, SPARK)
        gain = cv2.add(gain, cv2.multiply(env_u8, spark, scale=1 / 255.0))
    return cv2.multiply(base, cv2.cvtColor(gain, cv2.COLOR_GRAY2BGR), scale=1 / 64.0)


SPARK = np.clip(((np.arange(256) - 135) / 90.0).clip(0) ** 1.5 * 230 + 30, 0, 255).astype(np.uint8)
