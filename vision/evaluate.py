"""Held-out evaluation: the whole inference path (tiling, merge) on full frames, and georeferencing.

Detection metrics follow the COCO/ultralytics definitions (AP from ultralytics' `ap_per_class` at
IoU 0.50:0.95), computed on the merged frame-level boxes the controller would get, not per crop.
Precision and recall are at the operating confidence (the weights' recommended threshold).

Geolocation: every detection at the operating confidence that matches a truth box (IoU >= 0.3,
same class) is georeferenced from the frame's pose after adding pose noise like the simulator's
(GPS 0.3 m, as SIM_GPS1_NOISE, plus small attitude noise), and compared with the truth: the
object's centre, or for a net the nearest point of its line (a box sees a piece of the line).

Nets also get line figures, closer to what a patrol needs than box IoU (a slanted net's box is mostly
water, and a detector that finds the line in two pieces scores no box match): at the operating
confidence, a net is found when the lines of the net detections (vision/netline.py) run within
NET_LINE_TOL_PX of at least half of its visible line; a net detection is right when at least half of
its line runs within that distance of a planted net.
"""
from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
from shapely.geometry import LineString, box as sbox
from shapely.ops import unary_union

from .classes import CLASSES
from .confirm import LocalMetric
from .georef import Georeferencer, PoseErrors
from .netline import line_ends
from .tiling import iou
from .types import CameraPose

IOU_THRESHOLDS = np.linspace(0.5, 0.95, 10)
GEO_MATCH_IOU = 0.3
NET_LINE_TOL_PX = 15.0
NET_LINE_SHARE = 0.5
# noise drawn onto each held-out frame's pose before georeferencing (one sigma)
EVAL_NOISE = PoseErrors(gps_m=0.3, alt_m=0.2, roll_deg=0.2, pitch_deg=0.2, yaw_deg=0.5, gimbal_deg=0.1, time_s=0.0,
                        box_frac=0.0)


@dataclass
class HeldoutImage:
    path: Path
    boxes: np.ndarray         # N x 4 xyxy pixels
    classes: np.ndarray       # N
    meta: dict | None


@dataclass
class EvalReport:
    map50: float
    map50_95: float
    per_class: dict
    geo_err_median_m: float | None
    geo_err_p95_m: float | None
    geo_err_median_80m_m: float | None = None      # frames 70-90 m above the water
    geo_samples: int = 0
    conf: float = 0.25
    images: int = 0
    data: str = ""
    best_f1_conf: float | None = None
    geo_by_class: dict = field(default_factory=dict)
    net_line: dict = field(default_factory=dict)    # nets found by their line: found/nets, right/detections

    def to_dict(self) -> dict:
        return asdict(self)


def load_heldout(data: str | Path) -> list[HeldoutImage]:
    """A held-out directory (images/, labels/, meta/) or a dataset root that has heldout/ inside."""
    d = Path(data)
    if (d / "heldout" / "images").is_dir():
        d = d / "heldout"
    if not (d / "images").is_dir():
        from missions.errors import UserError
        raise UserError(f"{data}: not a held-out set (no images/ folder)")
    out = []
    import cv2
    for p in sorted((d / "images").glob("*.jpg")) + sorted((d / "images").glob("*.png")):
        lab = d / "labels" / (p.stem + ".txt")
        meta_p = d / "meta" / (p.stem + ".json")
        meta = json.loads(meta_p.read_text()) if meta_p.exists() else None
        if meta and "camera" in meta:
            W, H = meta["camera"]["width"], meta["camera"]["height"]
        else:
            H, W = cv2.imread(str(p)).shape[:2]
        rows = np.loadtxt(lab, ndmin=2) if lab.exists() and lab.stat().st_size else np.zeros((0, 5))
        b = np.column_stack([(rows[:, 1] - rows[:, 3] / 2) * W, (rows[:, 2] - rows[:, 4] / 2) * H,
                             (rows[:, 1] + rows[:, 3] / 2) * W, (rows[:, 2] + rows[:, 4] / 2) * H]) if len(rows) else np.zeros((0, 4))
        out.append(HeldoutImage(p, b, rows[:, 0].astype(int), meta))
    return out


def match(pred_b, pred_c, pred_s, gt_b, gt_c) -> np.ndarray:
    """N x 10 booleans: prediction i is a true positive at IoU threshold j (greedy by confidence)."""
    tp = np.zeros((len(pred_b), len(IOU_THRESHOLDS)), bool)
    if not len(pred_b) or not len(gt_b):
        return tp
    ious = iou(np.asarray(pred_b, float), np.asarray(gt_b, float))
    ious = np.where(np.asarray(pred_c)[:, None] == np.asarray(gt_c)[None, :], ious, 0.0)
    order = np.argsort(-np.asarray(pred_s))
    for j, t in enumerate(IOU_THRESHOLDS):
        used = np.zeros(len(gt_b), bool)
        for i in order:
            cand = np.where(~used & (ious[i] >= t), ious[i], -1.0)
            k = int(cand.argmax())
            if cand[k] >= t:
                used[k] = True
                tp[i, j] = True
    return tp


def _noisy_pose(meta: dict, rng: np.random.Generator, noise: PoseErrors) -> CameraPose:
    pose = CameraPose.from_meta(meta)
    m = LocalMetric(pose.lat, pose.lon)
    lat, lon = m.latlon(rng.normal(0, noise.gps_m, 2))
    g = lambda s: float(rng.normal(0, s)) if s > 0 else 0.0   # noqa: E731
    return pose.with_(lat=lat, lon=lon, alt_home_m=pose.alt_home_m + g(noise.alt_m),
                      roll_deg=pose.roll_deg + g(noise.roll_deg), pitch_deg=pose.pitch_deg + g(noise.pitch_deg),
                      yaw_deg=pose.yaw_deg + g(noise.yaw_deg), gimbal_pitch_deg=pose.gimbal_pitch_deg + g(noise.gimbal_deg),
                      gimbal_roll_deg=pose.gimbal_roll_deg + g(noise.gimbal_deg))


def _geo_error(geo: Georeferencer, pose: CameraPose, box, cls: str, truth: dict) -> float:
    ll = geo.locate(pose, np.array([[(box[0] + box[2]) / 2, (box[1] + box[3]) / 2]]), cls)[0]
    m = LocalMetric(truth["lat"], truth["lon"])
    p = m.xy(*ll)
    if cls == "fishing_net" and truth.get("line"):
        pts = np.array([m.xy(*q) for q in truth["line"]])
        best = math.inf
        for a, b in zip(pts[:-1], pts[1:]):
            d = b - a
            t = float(np.clip((p - a) @ d / max(d @ d, 1e-9), 0, 1))
            best = min(best, float(np.linalg.norm(p - (a + t * d))))
        return best
    return float(np.linalg.norm(p))


def net_line_hits(image: np.ndarray, boxes: np.ndarray, truths: list[dict], width: int, height: int) -> tuple[int, int, int]:
    """(nets found, nets visible, net detections lying on a net) for one frame; see the module docstring."""
    frame = sbox(0, 0, width, height)
    lines = [LineString(line_ends(image, b)) for b in boxes]
    nets = []
    for t in truths:
        if t["cls"] == "fishing_net" and t.get("line_px") and len(t["line_px"]) >= 2:
            vis = LineString(t["line_px"]).intersection(frame)
            if not vis.is_empty and vis.length >= 20:
                nets.append(vis)
    near_dets = unary_union([ln.buffer(NET_LINE_TOL_PX) for ln in lines]) if lines else None
    found = sum(1 for n in nets if near_dets is not None and n.intersection(near_dets).length >= NET_LINE_SHARE * n.length)
    near_nets = unary_union([n.buffer(NET_LINE_TOL_PX) for n in nets]) if nets else None
    right = sum(1 for ln in lines if near_nets is not None and ln.length > 0
                and ln.intersection(near_nets).length >= NET_LINE_SHARE * ln.length)
    return found, len(nets), right


def evaluate(detector, data: str | Path, conf: float | None = None, noise: PoseErrors = EVAL_NOISE, seed: int = 0,
             progress: Callable[[int, int], None] | None = None) -> EvalReport:
    """Run `detector` (a vision.detect.Detector) over a held-out set; see the module docstring."""
    from ultralytics.utils.metrics import ap_per_class   # the reference AP definition

    items = load_heldout(data)
    conf = detector.conf if conf is None else conf
    rng = np.random.default_rng(seed)
    names = list(detector.names)
    all_tp, all_conf, all_cls, all_gt = [], [], [], []
    op_tp = {c: 0 for c in range(len(names))}
    op_fp = {c: 0 for c in range(len(names))}
    geo_errs, geo_80, geo_cls = [], [], {n: [] for n in names}
    net_id = names.index("fishing_net") if "fishing_net" in names else None
    net_found = net_seen = net_right = net_dets = 0
    f1_grid = np.linspace(0.05, 0.9, 18)
    grid_tp = np.zeros((len(f1_grid), len(names)))
    grid_np = np.zeros((len(f1_grid), len(names)))
    for k, it in enumerate(items):
        import cv2
        image = cv2.imread(str(it.path))
        b, s, c = detector.raw([image], conf=0.001)[0]
        tp = match(b, c, s, it.boxes, it.classes)
        all_tp.append(tp), all_conf.append(s), all_cls.append(c), all_gt.append(it.classes)
        for g, thr in enumerate(f1_grid):
            sel = s >= thr
            t2 = match(b[sel], c[sel], s[sel], it.boxes, it.classes)[:, 0]
            for ci in range(len(names)):
                grid_tp[g, ci] += t2[c[sel] == ci].sum()
                grid_np[g, ci] += (c[sel] == ci).sum()
        sel = s >= conf
        tp_op = match(b[sel], c[sel], s[sel], it.boxes, it.classes)[:, 0]
        for ci, ok in zip(c[sel], tp_op):
            (op_tp if ok else op_fp)[int(ci)] += 1
        if it.meta and it.meta.get("truth"):
            geo = Georeferencer(it.meta.get("water_level_m", 0.0), it.meta.get("land_level_m", 0.0))
            pose = _noisy_pose(it.meta, rng, noise)
            truths = it.meta["truth"]
            tb = np.array([t["box"] for t in truths], float).reshape(-1, 4)
            tc = np.array([CLASSES.index(t["cls"]) for t in truths])
            bo, co = b[sel], c[sel]
            if net_id is not None:
                H, W = image.shape[:2]
                nb = bo[co == net_id]
                f, n, r = net_line_hits(image, nb, truths, W, H)
                net_found, net_seen, net_right, net_dets = net_found + f, net_seen + n, net_right + r, net_dets + len(nb)
            if len(bo) and len(tb):
                ious = np.where(co[:, None] == tc[None, :], iou(bo, tb), 0.0)
                for i in np.argsort(-s[sel]):
                    j = int(ious[i].argmax())
                    if ious[i, j] >= GEO_MATCH_IOU:
                        ious[:, j] = 0.0
                        e = _geo_error(geo, pose, bo[i], names[int(co[i])], truths[j])
                        geo_errs.append(e)
                        geo_cls[names[int(co[i])]].append(e)
                        if 70.0 <= it.meta.get("alt_water_m", 0.0) <= 90.0:
                            geo_80.append(e)
        if progress:
            progress(k + 1, len(items))
    tp = np.concatenate(all_tp) if all_tp else np.zeros((0, 10), bool)
    confs = np.concatenate(all_conf) if all_conf else np.zeros(0)
    pcls = np.concatenate(all_cls) if all_cls else np.zeros(0, int)
    tcls = np.concatenate(all_gt) if all_gt else np.zeros(0, int)
    res = ap_per_class(tp, confs, pcls, tcls, plot=False, names=dict(enumerate(names)))
    ap, uniq = res[5], res[6]
    n_gt = {ci: int((tcls == ci).sum()) for ci in range(len(names))}
    per_class = {}
    for ci, name in enumerate(names):
        row = {"images": len(items), "instances": n_gt[ci]}
        hit = np.flatnonzero(uniq == ci)
        ap50 = float(ap[hit[0], 0]) if len(hit) else 0.0
        ap5095 = float(ap[hit[0]].mean()) if len(hit) else 0.0
        npred = op_tp[ci] + op_fp[ci]
        row.update(precision=op_tp[ci] / npred if npred else 0.0, recall=op_tp[ci] / n_gt[ci] if n_gt[ci] else 0.0,
                   map50=ap50, map50_95=ap5095, tp=op_tp[ci], fp=op_fp[ci])
        per_class[name] = row
    present = [n for n in names if n_gt[names.index(n)]]
    f1 = []
    for g in range(len(f1_grid)):
        vals = []
        for ci in range(len(names)):
            if n_gt[ci]:
                p = grid_tp[g, ci] / grid_np[g, ci] if grid_np[g, ci] else 0.0
                r = grid_tp[g, ci] / n_gt[ci]
                vals.append(2 * p * r / (p + r) if p + r else 0.0)
        f1.append(np.mean(vals) if vals else 0.0)
    med = lambda v: float(np.median(v)) if v else None     # noqa: E731
    return EvalReport(
        map50=float(np.mean([per_class[n]["map50"] for n in present])) if present else 0.0,
        map50_95=float(np.mean([per_class[n]["map50_95"] for n in present])) if present else 0.0,
        per_class=per_class, geo_err_median_m=med(geo_errs),
        geo_err_p95_m=float(np.percentile(geo_errs, 95)) if geo_errs else None,
        geo_err_median_80m_m=med(geo_80), geo_samples=len(geo_errs), conf=float(conf), images=len(items),
        data=str(data), best_f1_conf=float(f1_grid[int(np.argmax(f1))]) if f1 else None,
        geo_by_class={n: med(v) for n, v in geo_cls.items()},
        net_line={"nets": net_seen, "found": net_found, "recall": net_found / net_seen if net_seen else None,
                  "detections": net_dets, "right": net_right,
                  "precision": net_right / net_dets if net_dets else None, "tol_px": NET_LINE_TOL_PX})
