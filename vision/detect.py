"""The detector at inference: tiles at full resolution, one batch, ONNX Runtime on CPU or torch on CUDA.

`Detector(weights)` picks its backend from the file: `.onnx` runs in ONNX Runtime (CPU by default,
the CUDA provider when asked and present), `.pt` runs the ultralytics module in torch (CUDA when
available). Both take the same tiles and give rows (x1, y1, x2, y2, conf, class) per tile, so
tiling, merging and net lines are shared. The shipped model keeps YOLO26's one-to-many head, decoded
and NMS'd per class here (OpenCV, no torch needed); an NMS-free export (the end-to-end head) gives
rows directly and is taken as it is.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import cv2
import numpy as np

from .classes import CLASSES
from .netline import line_ends
from .tiling import Tile, cut, grid, merge
from .types import Detection

WEIGHTS_DIR = Path(__file__).parent / "weights"
DEFAULT_ONNX = WEIGHTS_DIR / "waterpatrol-yolo26n.onnx"
DEFAULT_PT = WEIGHTS_DIR / "waterpatrol-yolo26n.pt"
DEFAULT_CONF = 0.25


def default_weights(prefer: str = "onnx") -> Path:
    """The shipped model: ONNX for CPU inference, .pt for torch/CUDA or training."""
    return DEFAULT_PT if prefer == "pt" else DEFAULT_ONNX


def weights_info(weights: str | Path) -> dict:
    """The weights' .json beside them (version, recommended confidence, held-out figures), or {}."""
    meta = Path(weights).with_suffix(".json")
    try:
        return json.loads(meta.read_text()) if meta.exists() else {}
    except (ValueError, OSError):
        return {}


def recommended_conf(weights: str | Path) -> float:
    """The confidence threshold the model card recommends (weights' .json), else DEFAULT_CONF."""
    return float(weights_info(weights).get("conf", DEFAULT_CONF))


def _decode(out: np.ndarray, conf: float, max_det: int = 300, iou: float = 0.6) -> list[np.ndarray]:
    """Model output -> per image an n x 6 array (x1, y1, x2, y2, conf, cls)."""
    if out.ndim == 3 and out.shape[-1] == 6:                 # end-to-end head: (B, max_det, 6)
        return [r[r[:, 4] >= conf] for r in out]
    res = []
    for p in out:                                            # raw head: (4 + nc, anchors), boxes cx cy w h
        p = p.T
        scores = p[:, 4:]
        cls = scores.argmax(1)
        s = scores[np.arange(len(p)), cls]
        keep = s >= conf
        p, cls, s = p[keep], cls[keep], s[keep]
        if not len(p):
            res.append(np.zeros((0, 6), np.float32))
            continue
        xyxy = np.column_stack([p[:, 0] - p[:, 2] / 2, p[:, 1] - p[:, 3] / 2, p[:, 0] + p[:, 2] / 2, p[:, 1] + p[:, 3] / 2])
        idx = cv2.dnn.NMSBoxesBatched([list(map(float, (b[0], b[1], b[2] - b[0], b[3] - b[1]))) for b in xyxy],
                                      s.astype(float).tolist(), cls.astype(int).tolist(), conf, iou)
        idx = np.asarray(idx, dtype=int).reshape(-1)[:max_det]
        res.append(np.column_stack([xyxy[idx], s[idx], cls[idx]]).astype(np.float32))
    return res


class OnnxBackend:
    def __init__(self, path: str | Path, threads: int | None = None, cuda: bool = False):
        import onnxruntime as ort
        so = ort.SessionOptions()
        if threads:
            so.intra_op_num_threads = threads
        so.inter_op_num_threads = 1
        providers = ["CPUExecutionProvider"]
        if cuda and "CUDAExecutionProvider" in ort.get_available_providers():
            providers.insert(0, "CUDAExecutionProvider")
        self.session = ort.InferenceSession(str(path), so, providers=providers)
        self.input = self.session.get_inputs()[0]
        self.names = _onnx_names(self.session) or list(CLASSES)
        shape = self.input.shape
        self.fixed = tuple(shape[2:]) if all(isinstance(v, int) for v in shape[2:]) else None
        self.fixed_batch = shape[0] if isinstance(shape[0], int) else None

    def __call__(self, batch: np.ndarray) -> np.ndarray:
        x = _to_input(batch)
        if self.fixed_batch and self.fixed_batch != len(x):
            return np.concatenate([self.session.run(None, {self.input.name: x[i:i + 1]})[0] for i in range(len(x))])
        return self.session.run(None, {self.input.name: x})[0]


def _onnx_names(session) -> list[str] | None:
    meta = session.get_modelmeta().custom_metadata_map
    if "names" not in meta:
        return None
    import ast
    names = ast.literal_eval(meta["names"])
    return [names[i] for i in sorted(names)] if isinstance(names, dict) else list(names)


class TorchBackend:
    def __init__(self, path: str | Path, device: str | None = None, half: bool | None = None):
        from . import offline
        offline.prepare()
        import torch
        from ultralytics.nn.tasks import load_checkpoint

        self.torch = torch
        self.device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
        model, _ = load_checkpoint(str(path), device=self.device, fuse=True)
        model.eval()
        head = model.model[-1]
        if hasattr(head, "end2end"):    # the one-to-many head and our NMS, as the shipped ONNX (vision/model.py)
            head.end2end = False
        self.half = self.device.type == "cuda" if half is None else half
        self.model = model.half() if self.half else model.float()
        names = getattr(model, "names", None) or dict(enumerate(CLASSES))
        self.names = [names[i] for i in sorted(names)] if isinstance(names, dict) else list(names)
        self.fixed = None

    def __call__(self, batch: np.ndarray) -> np.ndarray:
        torch = self.torch
        with torch.inference_mode():
            x = torch.from_numpy(batch).to(self.device, non_blocking=True)
            x = x[..., [2, 1, 0]].permute(0, 3, 1, 2).contiguous()
            x = (x.half() if self.half else x.float()) / 255.0
            y = self.model(x)
            y = y[0] if isinstance(y, (list, tuple)) else y
            return y.float().cpu().numpy()


def _to_input(batch: np.ndarray) -> np.ndarray:
    """B x H x W x 3 BGR uint8 -> B x 3 x H x W RGB float32 in [0, 1]."""
    return np.ascontiguousarray(batch[..., ::-1].transpose(0, 3, 1, 2), dtype=np.float32) / np.float32(255.0)


class Detector:
    """Finds the six classes in whole frames. `detect(image)` -> [Detection]; `detect_many(images)` batches
    the tiles of several frames together (the GPU path's throughput)."""

    def __init__(self, weights: str | Path | None = None, conf: float | None = None, backend: str = "auto",
                 device: str | None = None, threads: int | None = None, max_side: int = 704, min_overlap: int = 48,
                 max_batch: int = 32, full_frame: int | None = None, full_min_px: float = 128.0):
        weights = Path(weights) if weights else default_weights("onnx")
        if not weights.exists():
            from missions.errors import UserError
            raise UserError(f"{weights}: model weights not found")
        kind = backend if backend != "auto" else ("onnx" if weights.suffix == ".onnx" else "torch")
        if kind == "onnx":
            cuda = device is not None and device.startswith("cuda")
            self.backend = OnnxBackend(weights, threads=threads or _default_threads(), cuda=cuda)
        else:
            if threads:
                import torch
                torch.set_num_threads(threads)
            self.backend = TorchBackend(weights, device=device)
        self.kind = kind
        self.weights = weights
        self.conf = recommended_conf(weights) if conf is None else float(conf)
        self.names = self.backend.names
        self.model_version = str(weights_info(weights).get("version", weights.stem))   # for tickets' model_version
        self.max_side, self.min_overlap, self.max_batch = max_side, min_overlap, max_batch
        # the whole frame shrunk to `full_frame` px wide, for objects bigger than a tile shows whole;
        # only its boxes of at least `full_min_px` (frame pixels) count: small things are the tiles' job
        self.full_frame, self.full_min_px = full_frame, full_min_px

    def tiles(self, width: int, height: int) -> list[Tile]:
        if self.backend.fixed:
            th, tw = self.backend.fixed
            return grid(width, height, max_side=max(tw, th), min_overlap=self.min_overlap, exact=(tw, th))
        return grid(width, height, self.max_side, self.min_overlap)

    def raw(self, images: list[np.ndarray], conf: float | None = None) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Per image (boxes N x 4, scores N, class ids N), tiles merged."""
        conf = self.conf if conf is None else conf
        plans, batches, full = [], [], []
        for im in images:
            H, W = im.shape[:2]
            t = self.tiles(W, H)
            plans.append((t, W, H))
            batches.append(cut(im, t))
            if self.full_frame and W > t[0].w or self.full_frame and H > t[0].h:
                k = self.full_frame / max(W, H)
                small = cv2.resize(im, (int(round(W * k)), int(round(H * k))), interpolation=cv2.INTER_AREA)
                sh, sw = small.shape[:2]
                full.append((len(batches) - 1, k, cut(small, [Tile(0, 0, -(-sw // 32) * 32, -(-sh // 32) * 32)])))
        per_image: list[list[np.ndarray]] = [[] for _ in images]
        by_shape: dict = {}
        for i, bt in enumerate(batches):                 # frames of one size share batches
            by_shape.setdefault(bt.shape[1:3], []).append(i)
        for idxs in by_shape.values():
            allt = np.concatenate([batches[i] for i in idxs]) if len(idxs) > 1 else batches[idxs[0]]
            rows: list[np.ndarray] = []
            for k in range(0, len(allt), self.max_batch):
                rows += _decode(self.backend(allt[k:k + self.max_batch]), conf)
            pos = 0
            for i in idxs:
                per_image[i] = rows[pos:pos + len(batches[i])]
                pos += len(batches[i])
        full_rows: dict = {}
        if full:
            fb = np.concatenate([f[2] for f in full]) if len({f[2].shape for f in full}) == 1 else None
            res = _decode(self.backend(fb), conf) if fb is not None else \
                [_decode(self.backend(f[2]), conf)[0] for f in full]
            for (i, k, _), r in zip(full, res):
                r = r.copy()
                r[:, :4] /= k
                keep = np.maximum(r[:, 2] - r[:, 0], r[:, 3] - r[:, 1]) >= self.full_min_px
                full_rows[i] = r[keep]
        out = []
        net_id = self.names.index("fishing_net") if "fishing_net" in self.names else -1
        for n, ((tiles, W, H), rows) in enumerate(zip(plans, per_image)):
            b, s, c, tid = [], [], [], []
            if n in full_rows:
                tiles = tiles + [Tile(0, 0, W, H)]             # the whole frame: no cut edges, joins by overlap
                rows = rows + [full_rows[n]]
            for i, t in enumerate(tiles):
                r = rows[i]
                if len(r):
                    bb = r[:, :4] + np.array([t.x0, t.y0, t.x0, t.y0], dtype=np.float32)
                    b.append(bb), s.append(r[:, 4]), c.append(r[:, 5].astype(int)), tid.append(np.full(len(r), i))
            if not b:
                out.append((np.zeros((0, 4)), np.zeros(0), np.zeros(0, int)))
                continue
            mb, ms, mc = merge(np.concatenate(b), np.concatenate(s), np.concatenate(c), np.concatenate(tid), tiles, W, H,
                               line_classes=frozenset({net_id}))
            mb[:, [0, 2]] = mb[:, [0, 2]].clip(0, W)
            mb[:, [1, 3]] = mb[:, [1, 3]].clip(0, H)
            out.append((mb, ms, mc.astype(int)))
        return out

    def detect_many(self, images: list[np.ndarray], conf: float | None = None) -> list[list[Detection]]:
        res = []
        for im, (b, s, c) in zip(images, self.raw(images, conf)):
            dets = []
            for box, score, cid in zip(b, s, c):
                name = self.names[int(cid)]
                line = line_ends(im, box) if name == "fishing_net" else None
                dets.append(Detection(name, float(score), tuple(float(v) for v in box), line))
            res.append(dets)
        return res

    def detect(self, image: np.ndarray, conf: float | None = None) -> list[Detection]:
        return self.detect_many([image], conf)[0]


def _default_threads() -> int:
    return int(os.environ.get("WATERPATROL_THREADS", 0)) or min(os.cpu_count() or 1, 8)


def decode_image(data: bytes, name: str = "<image>") -> np.ndarray:
    """JPEG/PNG bytes -> BGR image, or a UserError naming the source when they are not a whole image."""
    from missions.errors import UserError
    arr = np.frombuffer(data, dtype=np.uint8)
    img = cv2.imdecode(arr, cv2.IMREAD_COLOR) if len(arr) else None
    if img is None or (len(data) > 2 and data[:2] == b"\xff\xd8" and not data.rstrip(b"\x00").endswith(b"\xff\xd9")):
        raise UserError(f"{name}: not a readable image (truncated or not JPEG/PNG)")
    return img


def read_image(path: str | Path) -> np.ndarray:
    from missions.errors import UserError
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise UserError(f"{p}: no such image") from None
    except (IsADirectoryError, PermissionError) as exc:
        raise UserError(f"{p}: cannot read image ({exc.__class__.__name__})") from None
    return decode_image(data, str(p))
