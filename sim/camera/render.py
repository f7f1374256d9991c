"""The renderer: from a scene, a view and the conditions, a frame.

Over a flat world every plane maps to the image by a homography, so the ground is drawn straight
into image space: parcels, roads and water are clipped to the camera's footprint and filled as
projected polygons; the textures (waves, grass, broad patches) are warped in with one
`cv2.warpPerspective` each; objects are projected part by part with the same camera model that
makes the labels. Nothing is ray-cast per pixel.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import cv2
import numpy as np
import shapely
from shapely.geometry import Polygon

from . import effects, textures
from .conditions import Conditions
from .draw import SHIFT, darken, draw_item, draw_item_exact, fixed, shadow_polygons
from .footprint import footprint, sees_horizon
from .land import ASPHALT, PAVING
from .model import Intrinsics, View
from .parts import item_of, lines
from .scene import Scene
from .water import render_water, sky_rgb

MAX_RANGE_M = 2500.0
LAND_GRAIN = np.clip(128 + (np.arange(256) - 128) * 0.38, 0, 255).astype(np.uint8)
BANK = {"urban": (150, 150, 146), "park": (140, 140, 134), "mixed": (128, 124, 112), "rural": (104, 112, 118)}  # BGR


@dataclass
class Frame:
    image: np.ndarray          # BGR uint8, effects applied
    view: View
    conditions: Conditions
    water_fraction: float


class Renderer:
    def __init__(self, scene: Scene, intrinsics: Intrinsics):
        self.scene = scene
        self.K = intrinsics

    def render(self, view: View, cond: Conditions, effects_on: bool = True) -> Frame:
        """The frame a view sees. `self.stats` then holds, per stage, the seconds from its start to that
        stage's end (benchmarks/render_bench.py turns them into a breakdown)."""
        sc = self.scene
        W, H = self.K.width, self.K.height
        fp_l = footprint(view, sc.land_z, MAX_RANGE_M)
        fp_w = footprint(view, sc.water_z, MAX_RANGE_M)
        img = np.empty((H, W, 3), np.uint8)
        sky = tuple(int(c) for c in np.clip(sky_rgb(cond)[::-1] * 0.92, 0, 255))
        cv2.rectangle(img, (0, 0), (W, H), sky, -1)  # numpy's broadcast fill of a colour is 60 times slower
        if len(fp_w) < 3 and len(fp_l) < 3:
            return Frame(img, view, cond, 0.0)
        region_l = Polygon(fp_l) if len(fp_l) >= 3 else Polygon(fp_w)
        region_w = Polygon(fp_w) if len(fp_w) >= 3 else region_l
        gsd_l = min(view.gsd(sc.land_z), 5.0)
        gsd_w = min(view.gsd(sc.water_z), 5.0)
        sun = cond.sun_vector()

        # ground: land parcels, promenade, roads, trees and buildings, then the grain of the land over all of it
        stats = self.stats = {}
        t0 = time.perf_counter()
        mask = np.zeros((H, W), np.uint8)
        water_polys = sc.water.clip(region_w)
        self._fill(mask, view, sc.water_z, water_polys, 255, aa=False)
        water_frac = float(cv2.countNonZero(mask)) / (W * H)
        strength = 0.5 * cond.shadows * (1 - cond.haze) * min(1.0, max(0.0, (cond.sun_elevation_deg - 3) / 20))
        soft = max(0.5, 0.25 / max(gsd_l, 1e-3))
        cam = np.asarray(view.center[:2])
        if water_frac < 0.999:
            flat_land, standing, shadows = [], [], []
            parcels = [sc.land.parcel(i, j) for i, j in sc.land.cells(fp_l)]
            stats["parcels"] = time.perf_counter() - t0
            for p in parcels:
                self._fill_convex(img, view, sc.land_z, p.outline, region_l, p.color)
                for it in p.items:
                    (flat_land if it.flat else standing).append(it)
            self._fill(img, view, sc.land_z, sc.land.promenade_layer.clip(region_l), PAVING, aa=True)
            self._fill(img, view, sc.land_z, sc.land.road_layer.clip(region_l), ASPHALT, aa=True)
            for it in flat_land:
                draw_item(img, it, view)
            self._markings(img, view, region_l)
            stats["ground"] = time.perf_counter() - t0
            for it in standing:
                shadows += it.shadows
            polys, circles = shadow_polygons(shadows, sun, view)
            darken(img, polys, circles, strength, soft)
            standing.sort(key=lambda it: -float(np.hypot(*(np.asarray(it.center) - cam))))
            for it in standing:
                draw_item(img, it, view)
            stats["land items"] = time.perf_counter() - t0
            # the grain is warped at half resolution (its finest detail is 2-3 pixels anyway) and scaled up
            Hh = np.diag([0.5, 0.5, 1.0]) @ view.homography(sc.land_z)
            tex = textures.warp(textures.land(), Hh, (W // 2, H // 2), gsd_l * 2)
            tex = cv2.resize(cv2.LUT(tex, LAND_GRAIN), (W, H), interpolation=cv2.INTER_LINEAR)
            img = cv2.multiply(img, cv2.cvtColor(tex, cv2.COLOR_GRAY2BGR), scale=1 / 128.0)
            stats["land texture"] = time.perf_counter() - t0
        if water_frac > 0.0:
            water = render_water(view, sc.water_z, cond, gsd_w)
            if water_frac >= 0.999:
                img = water
            else:
                cv2.copyTo(water, mask, img)
            self._shore(img, view, region_w, gsd_w)
        stats["water"] = time.perf_counter() - t0

        # planted objects and road traffic, with their shadows
        items = sc.items_in(region_l.union(region_w).buffer(5.0))
        shadows = [s for it in items for s in it.shadows]
        polys, circles = shadow_polygons(shadows, sun, view)
        darken(img, polys, circles, strength, soft)
        flat = [it for it in items if it.flat]
        tall = [it for it in items if not it.flat]
        tall.sort(key=lambda it: -float(np.hypot(*(np.asarray(it.center) - cam))))
        for it in flat + tall:
            (draw_item_exact if it.object_id is not None else draw_item)(img, it, view)
        stats["objects"] = time.perf_counter() - t0

        if effects_on:
            img = self._effects(img, view, cond)
        stats["effects"] = time.perf_counter() - t0
        return Frame(img, view, cond, water_frac)

    # --- ground helpers ------------------------------------------------------------------------
    def _fill(self, img, view: View, z: float, polys: list[Polygon], color, aa: bool) -> None:
        if not polys:
            return
        H = view.homography(z)
        rings = []
        for p in polys:
            for ring in [p.exterior, *p.interiors]:
                xy = np.asarray(ring.coords)[:-1]
                if len(xy) < 3:
                    continue
                q = np.column_stack([xy, np.ones(len(xy))]) @ H.T
                rings.append(fixed(q[:, :2] / q[:, 2:3]))
        if rings:
            cv2.fillPoly(img, rings, color, cv2.LINE_AA if aa else cv2.LINE_8, SHIFT)

    def _fill_convex(self, img, view: View, z: float, outline: np.ndarray, region: Polygon, color) -> None:
        p = Polygon(outline)
        if not region.contains(p):
            p = p.intersection(region)
            if p.is_empty or p.geom_type != "Polygon":
                return
        self._fill(img, view, z, [p], color, aa=False)

    def _markings(self, img, view: View, region: Polygon) -> None:
        m = self.scene.land.markings
        if len(m) == 0:
            return
        mid = m.mean(axis=1)
        inside = shapely.contains_xy(region, mid[:, 0], mid[:, 1])
        if inside.any():
            draw_item(img, item_of([lines(m[inside], self.scene.land_z + 0.01, (222, 222, 220), 0.15, alpha=0.85)],
                                   flat=True), view)

    def _shore(self, img, view: View, region: Polygon, gsd: float) -> None:
        edges = self.scene.water.clip_lines(region)
        if not edges:
            return
        H = view.homography(self.scene.water_z)
        style = self.scene.world.land.style
        width_m = 1.6 if style in ("urban", "park") else 1.0
        thick = max(1, int(round(width_m / gsd)))
        pl = []
        for xy in edges:
            q = np.column_stack([xy, np.ones(len(xy))]) @ H.T
            pl.append(fixed(q[:, :2] / q[:, 2:3]))
        cv2.polylines(img, pl, False, BANK[style], thick, cv2.LINE_AA, SHIFT)
        dark = tuple(int(c * 0.55) for c in BANK[style])
        cv2.polylines(img, pl, False, dark, max(1, thick // 4), cv2.LINE_AA, SHIFT)

    def _effects(self, img: np.ndarray, view: View, cond: Conditions) -> np.ndarray:
        W, H = self.K.width, self.K.height
        height = view.center[2] - self.scene.water_z
        axis = view.optical_axis_enu
        dist = height / -axis[2] if axis[2] < -0.05 else height   # along the optical axis
        haze_map = None
        horizon = sees_horizon(view, self.scene.water_z, MAX_RANGE_M)
        if horizon or cond.haze > 0.05:
            corners = np.array([[0, 0], [W, 0], [W, H], [0, H], [W / 2, H / 2]], dtype=float)
            g = view.ground(corners, self.scene.water_z)
            d = np.hypot(np.hypot(g[:, 0] - view.center[0], g[:, 1] - view.center[1]), height)
            d = np.where(np.isnan(d), 1e5, d)
            t = [effects.haze_transmission(cond, x) for x in d]
            if max(t) - min(t) > 0.03:
                haze_map = self._haze_map(view, cond)
        cloud = self._clouds(view, cond) if cond.cloud_shadow > 0.01 else None
        return effects.apply(img, cond, dist, haze_map, cloud)

    def _haze_map(self, view: View, cond: Conditions) -> np.ndarray:
        W, H = self.K.width, self.K.height
        w, h = W // 8, H // 8
        uu, vv = np.meshgrid((np.arange(w) + 0.5) * 8, (np.arange(h) + 0.5) * 8)
        g = view.ground(np.column_stack([uu.ravel(), vv.ravel()]), self.scene.water_z)
        d = np.sqrt((g[:, 0] - view.center[0]) ** 2 + (g[:, 1] - view.center[1]) ** 2 +
                    (view.center[2] - self.scene.water_z) ** 2)
        d = np.where(np.isnan(d), 1e5, np.minimum(d, 1e5))
        beta = 0.00015 + 0.0035 * cond.haze ** 1.5
        t = np.exp(-beta * d).reshape(h, w).astype(np.float32)
        return cv2.resize(t, (W, H), interpolation=cv2.INTER_LINEAR)

    def _clouds(self, view: View, cond: Conditions) -> np.ndarray:
        W, H = self.K.width, self.K.height
        w, h = W // 8, H // 8
        Hs = np.diag([1 / 8, 1 / 8, 1.0]) @ view.homography(self.scene.water_z)
        b = textures.warp(textures.broad(), Hs, (w, h), view.gsd(self.scene.water_z) * 8, rotate_deg=37.0, scale=1.7)
        t = np.clip((b.astype(np.float32) - 140) / 40, 0, 1)
        g = np.clip(255 * (1 - cond.cloud_shadow * t), 0, 255).astype(np.uint8)
        g = cv2.GaussianBlur(g, (0, 0), 3)
        return cv2.resize(g, (W, H), interpolation=cv2.INTER_LINEAR)


def view_of_pose(pose, intrinsics: Intrinsics, frame) -> View:
    """The camera view of a sim Pose: position from lat/lon and height above home."""
    x, y = frame.to_xy(pose.lat, pose.lon)
    return View.from_angles(intrinsics, (x, y, pose.alt_home_m), pose.roll_deg, pose.pitch_deg, pose.yaw_deg,
                            pose.gimbal_roll_deg, pose.gimbal_pitch_deg, pose.gimbal_yaw_deg)
