"""Labelled datasets from the simulator's renderer: training crops and a held-out set of full frames.

Why crops: a CPU trains about one 640-px image a second, so full 1080p frames are too dear. Each
rendered frame is cut into crops at full resolution around its objects (what the tiled detector
sees at inference), plus crops over distractors and empty water as hard negatives; objects too big
for a crop are shown whole in a shrunken crop. The held-out set keeps whole frames with their
pose and ground truth, rendered from seeds and layouts never used for training.

A net is labelled as the box of its visible line (floats and end markers), padded to a few pixels:
the line is what shows from patrol height, single floats are a few pixels. Nets whose floats
would be under 1.5 px are not planted at altitudes that make them so (the detection floor).

Layout written:
    DIR/train/{images,labels}, DIR/val/{images,labels}   crops (YOLO txt: cls cx cy w h, normalised)
    DIR/heldout/{images,labels,meta}                     full frames; meta/*.json pose and truth
    DIR/data.yaml (absolute path, no download key), DIR/heldout.yaml, DIR/manifest.json (seeds, counts)
"""
from __future__ import annotations

import json
import math
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import cv2
import numpy as np
import yaml
from shapely.geometry import LineString, box as sbox

from .classes import CLASSES, CLASS_ID

EXAMPLE_SITES = ("jinji", "dushu", "qingjian")
MIN_FLOAT_PX = 1.5
NET_PAD_PX = 3.0
MIN_VISIBLE = 0.4        # a compact object cut by a crop keeps its label if this much of its box is inside


@dataclass
class Truth:
    cls: str
    object_id: str
    box: tuple[float, float, float, float]          # xyxy pixels in the full frame, clipped
    lat: float
    lon: float
    line: list[tuple[float, float]] | None = None   # nets: (lat, lon) of the points
    line_px: list[tuple[float, float]] | None = None
    visible: float = 1.0                            # fraction of the unclipped box inside the frame
    pad_px: float = 0.0                             # nets: the padding around the line in the label


@dataclass
class Rendered:
    image: np.ndarray
    truths: list[Truth]
    distractors_px: list[tuple[float, float]]       # centres of visible distractors (hard-negative crops)
    meta: dict = field(default_factory=dict)


def site_path(name: str) -> Path:
    import missions
    return Path(missions.__file__).parent / "examples" / f"{name}.yaml"


# --- rendering and ground truth ---------------------------------------------------------------

def _net_truth(p, view, K, frame) -> Truth | None:
    from sim.world.geometry import resample
    line = resample(p.line, 0.5)
    uv, depth = view.project(np.column_stack([line, np.full(len(line), p.base_z)]))
    if (depth <= 0.3).any():
        return None
    float_px = p.obj.width_m * K.fx / float(np.median(depth))
    if float_px < MIN_FLOAT_PX:
        return None
    marker_px = max(0.25, p.obj.width_m * 0.9) * K.fx / float(np.median(depth))
    vis = LineString(uv).intersection(sbox(0, 0, K.width, K.height))
    if vis.is_empty or vis.length < 30:
        return None
    pad = max(NET_PAD_PX, marker_px, float_px / 2)
    x0, y0, x1, y1 = vis.bounds
    b = (max(0.0, x0 - pad), max(0.0, y0 - pad), min(K.width, x1 + pad), min(K.height, y1 + pad))
    lat, lon = frame.to_latlon(*p.center)
    return Truth("fishing_net", p.obj.id, b, float(lat), float(lon), [tuple(map(float, q)) for q in p.obj.line],
                 [tuple(map(float, q)) for q in uv], min(1.0, vis.length / max(LineString(uv).length, 1e-6)), pad)


def _box_truth(p, view, K, frame) -> Truth | None:
    uv, depth = view.project(p.box3d())
    if (depth <= 0.3).any():
        return None
    x0, y0 = uv.min(axis=0)
    x1, y1 = uv.max(axis=0)
    full = max((x1 - x0) * (y1 - y0), 1e-6)
    c = (max(0.0, x0), max(0.0, y0), min(float(K.width), x1), min(float(K.height), y1))
    if c[2] - c[0] < 3 or c[3] - c[1] < 3:
        return None
    vis = (c[2] - c[0]) * (c[3] - c[1]) / full
    if vis < MIN_VISIBLE:
        return None
    lat, lon = frame.to_latlon(*p.center)
    return Truth(p.obj.cls, p.obj.id, tuple(map(float, c)), float(lat), float(lon), visible=vis)


def ground_truth(scene, view) -> tuple[list[Truth], list[tuple[float, float]]]:
    """Labels of the planted anomalies the view sees, and the pixel centres of visible distractors."""
    K = view.K
    truths, distractors = [], []
    for p in scene.placed:
        if p.obj.cls is None:
            uv, depth = view.project(np.array([[*p.center, p.base_z]]))
            if depth[0] > 0 and 0 <= uv[0, 0] < K.width and 0 <= uv[0, 1] < K.height:
                distractors.append((float(uv[0, 0]), float(uv[0, 1])))
            continue
        t = _net_truth(p, view, K, scene.frame) if p.obj.kind == "fishing_net" else _box_truth(p, view, K, scene.frame)
        if t is not None:
            truths.append(t)
    return truths, distractors


def random_view(scene, K, cluster, rng: np.random.Generator, alt_range=(30.0, 120.0)):
    """A camera over a cluster: altitude above water, small vehicle tilt, nadir or slightly oblique gimbal."""
    from sim.camera.model import View
    alt = float(rng.uniform(*alt_range))
    gsd = alt / K.fx
    off = rng.uniform(-0.35, 0.35, 2) * np.array([K.width, K.height]) * gsd
    roll, pitch = (float(np.clip(v, -8, 8)) for v in rng.normal(0, 3, 2))
    gpitch = -90.0 if rng.random() < 0.75 else float(rng.uniform(-90, -70))
    yaw = float(rng.uniform(0, 360))
    z = scene.water_z + alt
    view = View.from_angles(K, (cluster.x + off[0], cluster.y + off[1], z), roll, pitch, yaw, 0.0, gpitch, 0.0)
    pose = {"alt_water_m": alt, "alt_home_m": z, "roll_deg": roll, "pitch_deg": pitch, "yaw_deg": yaw,
            "gimbal_roll_deg": 0.0, "gimbal_pitch_deg": gpitch, "gimbal_yaw_deg": 0.0}
    return view, pose


def render_world(site_name: str, seed: int, n_frames: int, alt_range=(30.0, 120.0),
                 skipped: list[str] | None = None) -> list[Rendered]:
    """Render `n_frames` frames of one random scenario (site, seed) with fresh conditions each; views the
    renderer fails on are reported in `skipped` and left out."""
    from missions.site import load_site
    from sim.camera.conditions import Conditions
    from sim.camera.model import Intrinsics
    from sim.camera.render import Renderer
    from sim.camera.scene import Scene
    from .scenario import scenario

    site = load_site(site_path(site_name))
    world, clusters = scenario(site, seed)
    scene = Scene(site, world)
    K = Intrinsics.of_site(site)
    renderer = Renderer(scene, K)
    rng = np.random.default_rng(seed + 7919)
    skipped = skipped if skipped is not None else []
    out = []
    for i in range(n_frames):
        c = clusters[i % len(clusters)]
        view, pose = random_view(scene, K, c, rng, alt_range)
        cond = Conditions.random(rng, world.environment)
        try:
            f = renderer.render(view, cond)
        except Exception as exc:   # a renderer bug on one view must not sink a dataset of thousands
            skipped.append(f"{site_name}/{seed}/{i}: {exc.__class__.__name__}: {exc}")
            continue
        truths, distractors = ground_truth(scene, view)
        lat, lon = scene.frame.to_latlon(view.center[0], view.center[1])
        ok, jpg = cv2.imencode(".jpg", f.image, [cv2.IMWRITE_JPEG_QUALITY, int(cond.jpeg_quality)])
        img = cv2.imdecode(jpg, cv2.IMREAD_COLOR)   # the artefacts of the downlink's JPEG
        meta = {"site": site_name, "world_seed": seed, "frame": i, "lat": float(lat), "lon": float(lon), **pose,
                "water_level_m": float(site.info.water_level_m), "land_level_m": 0.0,
                "camera": {"width": K.width, "height": K.height, "hfov_deg": K.hfov_deg},
                "conditions": {"water": cond.water, "haze": round(cond.haze, 3), "sun_elevation_deg": round(cond.sun_elevation_deg, 1),
                               "jpeg_quality": int(cond.jpeg_quality)},
                "truth": [asdict(t) for t in truths]}
        out.append(Rendered(img, truths, distractors, meta))
    return out


# --- crops ----------------------------------------------------------------------------------------

def _labels_in(truths: list[Truth], x0: float, y0: float, s: float, scale: float = 1.0) -> list[tuple[int, float, float, float, float]]:
    """YOLO rows for the truths inside the window [x0, x0+s] x [y0, y0+s] (s in full-frame pixels)."""
    rows = []
    win = sbox(x0, y0, x0 + s, y0 + s)
    for t in truths:
        if t.cls == "fishing_net" and t.line_px:
            vis = LineString(t.line_px).intersection(win)
            if vis.is_empty or vis.length * scale < 20:
                continue
            pad = max(t.pad_px, NET_PAD_PX / scale)   # a shrunk crop keeps the line a few pixels thick
            bx0, by0, bx1, by1 = vis.bounds
            b = (bx0 - pad, by0 - pad, bx1 + pad, by1 + pad)
        else:
            b = t.box
            full = (b[2] - b[0]) * (b[3] - b[1])
            ix = max(0.0, min(b[2], x0 + s) - max(b[0], x0))
            iy = max(0.0, min(b[3], y0 + s) - max(b[1], y0))
            if full <= 0 or ix * iy / full < MIN_VISIBLE:
                continue
        cx0, cy0 = max(b[0], x0), max(b[1], y0)
        cx1, cy1 = min(b[2], x0 + s), min(b[3], y0 + s)
        if (cx1 - cx0) * scale < 2 or (cy1 - cy0) * scale < 2:
            continue
        rows.append((CLASS_ID[t.cls], ((cx0 + cx1) / 2 - x0) / s, ((cy0 + cy1) / 2 - y0) / s, (cx1 - cx0) / s, (cy1 - cy0) / s))
    return rows


def _window(cx: float, cy: float, s: float, W: int, H: int, rng) -> tuple[float, float]:
    """A window of side s containing (cx, cy) at a random place, kept inside the frame."""
    x0 = cx - rng.uniform(0.15, 0.85) * s
    y0 = cy - rng.uniform(0.15, 0.85) * s
    return float(np.clip(x0, 0, W - s)), float(np.clip(y0, 0, H - s))


def cut_crops(r: Rendered, size: int, rng: np.random.Generator, negatives: int = 2) -> list[tuple[np.ndarray, list]]:
    """Crops of `size` px: one around each object (shrunk to fit when bigger), over distractors, and at random."""
    H, W = r.image.shape[:2]
    out = []

    windows: list[tuple[int, int, int]] = []

    def covered(b) -> bool:
        return any(x0 <= b[0] and y0 <= b[1] and b[2] <= x0 + s and b[3] <= y0 + s for x0, y0, s in windows)

    def take(x0, y0, s):
        x0, y0 = int(round(x0)), int(round(y0))
        s = int(round(s))
        windows.append((x0, y0, s))
        im = r.image[y0:y0 + s, x0:x0 + s]
        if s != size:
            im = cv2.resize(im, (size, size), interpolation=cv2.INTER_AREA)
        out.append((im, _labels_in(r.truths, x0, y0, s, size / s)))

    for t in r.truths:
        if t.visible < 0.5 and t.cls != "fishing_net":
            continue
        bw, bh = t.box[2] - t.box[0], t.box[3] - t.box[1]
        if covered(t.box):     # already whole in an earlier crop: another copy of it teaches little
            continue
        if t.cls == "fishing_net" and t.line_px:
            # a window centred on a random point of the visible line
            vis = LineString(t.line_px).intersection(sbox(0, 0, W, H))
            if vis.is_empty:
                continue
            p = vis.interpolate(rng.uniform(0, vis.length))
            take(*_window(p.x, p.y, size, W, H, rng), size)
            continue
        big = max(bw, bh)
        s = float(size) if big <= 0.8 * size else min(float(H), big * rng.uniform(1.15, 1.6))
        take(*_window((t.box[0] + t.box[2]) / 2, (t.box[1] + t.box[3]) / 2, s, W, H, rng), s)
    picks = list(r.distractors_px)
    rng.shuffle(picks)
    for (u, v) in picks[:negatives]:
        take(*_window(u, v, size, W, H, rng), size)
    take(rng.uniform(0, W - size), rng.uniform(0, H - size), size)
    return out


# --- writing ---------------------------------------------------------------------------------------

def _write(dirpath: Path, stem: str, image: np.ndarray, rows: list) -> None:
    cv2.imwrite(str(dirpath / "images" / f"{stem}.jpg"), image, [cv2.IMWRITE_JPEG_QUALITY, 92])
    (dirpath / "labels" / f"{stem}.txt").write_text("".join(f"{c} {x:.6f} {y:.6f} {w:.6f} {h:.6f}\n" for c, x, y, w, h in rows))


def full_frame_rows(truths: list[Truth], W: int, H: int) -> list:
    return [(CLASS_ID[t.cls], (t.box[0] + t.box[2]) / 2 / W, (t.box[1] + t.box[3]) / 2 / H,
             (t.box[2] - t.box[0]) / W, (t.box[3] - t.box[1]) / H) for t in truths]


def _job(args) -> dict:
    split, out, site, seed, n_frames, crop, alt_range = args
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    cv2.setNumThreads(1)
    d = Path(out) / split
    rng = np.random.default_rng(seed * 31 + 1)
    n_img, counts, skipped = 0, {c: 0 for c in CLASSES}, []
    for r in render_world(site, seed, n_frames, alt_range, skipped):
        stem = f"{site}-{seed}-{r.meta['frame']}"
        H, W = r.image.shape[:2]
        if split == "heldout":
            rows = full_frame_rows(r.truths, W, H)
            _write(d, stem, r.image, rows)
            (d / "meta" / f"{stem}.json").write_text(json.dumps(r.meta))
            n_img += 1
        else:
            rows = []
            for k, (im, rr) in enumerate(cut_crops(r, crop, rng)):
                _write(d, f"{stem}-{k}", im, rr)
                rows += rr
                n_img += 1
        for row in rows:
            counts[CLASSES[row[0]]] += 1
    return {"split": split, "site": site, "seed": seed, "images": n_img, "boxes": counts, "skipped": skipped}


@dataclass(frozen=True)
class DatasetSpec:
    """Seeds never overlap between splits: train worlds from `seed`, val from seed+100000, held-out from seed+200000."""

    seed: int = 0
    train_worlds: int = 60
    val_worlds: int = 6
    heldout_worlds: int = 12
    frames_per_world: int = 6
    heldout_frames_per_world: int = 4
    crop: int = 320
    sites: tuple[str, ...] = EXAMPLE_SITES
    alt_range: tuple[float, float] = (30.0, 120.0)

    def jobs(self, out: Path, splits: tuple[str, ...] = ("train", "val", "heldout")) -> list[tuple]:
        j = []
        for split, n, base, frames in (("train", self.train_worlds, 0, self.frames_per_world),
                                       ("val", self.val_worlds, 100000, self.frames_per_world),
                                       ("heldout", self.heldout_worlds, 200000, self.heldout_frames_per_world)):
            if split not in splits:
                continue
            for i in range(n):
                j.append((split, str(out), self.sites[i % len(self.sites)], self.seed + base + i, frames, self.crop,
                          self.alt_range))
        return j


def build(out: str | Path, spec: DatasetSpec = DatasetSpec(), workers: int = 2,
          progress: Callable[[int, int, dict], None] | None = None,
          splits: tuple[str, ...] = ("train", "val", "heldout")) -> Path:
    """Render the dataset's `splits` into `out`, in worker processes; returns the data.yaml path."""
    out = Path(out).resolve()
    for split in splits:
        for sub in ("images", "labels") + (("meta",) if split == "heldout" else ()):
            (out / split / sub).mkdir(parents=True, exist_ok=True)
    jobs = spec.jobs(out, splits)
    results = []
    if workers <= 1:
        for k, j in enumerate(jobs):
            results.append(_job(j))
            if progress:
                progress(k + 1, len(jobs), results[-1])
    else:
        with ProcessPoolExecutor(workers) as ex:
            for k, res in enumerate(ex.map(_job, jobs)):
                results.append(res)
                if progress:
                    progress(k + 1, len(jobs), res)
    names = {i: c for i, c in enumerate(CLASSES)}
    data = {"path": str(out), "train": "train/images", "val": "val/images", "test": "heldout/images", "names": names}
    (out / "data.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    held = dict(data, val="heldout/images")
    (out / "heldout.yaml").write_text(yaml.safe_dump(held, sort_keys=False))
    totals = {}
    for r in results:
        t = totals.setdefault(r["split"], {"images": 0, "worlds": 0, "seeds": [], "boxes": {c: 0 for c in CLASSES},
                                           "skipped_frames": []})
        t["skipped_frames"] += r["skipped"]
        t["images"] += r["images"]
        t["worlds"] += 1
        t["seeds"].append(r["seed"])
        for c, n in r["boxes"].items():
            t["boxes"][c] += n
    (out / "manifest.json").write_text(json.dumps({"spec": asdict(spec), "splits": totals}, indent=1))
    return out / "data.yaml"
