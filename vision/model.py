"""`vision.Model`: one object over training, validation, prediction and export, in ultralytics' style.

    m = Model()                                   # the shipped weights (ONNX on CPU)
    dets = m.predict("frame.jpg")                 # [[Detection, ...]] per image, tiled
    m = Model("yolo26n")                          # a new model from vision/models/wp-yolo26n.yaml
    best = m.train("runs/data/data.yaml", out="runs/vision", recipe=Recipe(epochs=30))
    report = Model(best).val("runs/data")         # held-out metrics and geolocation error
    onnx = Model(best).export()                   # ONNX (one-to-many head) with dynamic batch and size

Inference goes through `vision.detect.Detector` (built lazily, so a training-only Model never
loads ONNX Runtime); training and export go through ultralytics, offline.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np

from .detect import DEFAULT_ONNX, Detector, read_image
from .train import MODEL_YAML, Recipe
from .types import Detection


class Model:
    def __init__(self, weights: str | Path | None = None, backend: str = "auto", device: str | None = None,
                 conf: float | None = None, threads: int | None = None):
        if weights in (None, ""):
            weights = DEFAULT_ONNX
        elif str(weights) in ("yolo26n", "yolo26n.yaml", "wp-yolo26n"):
            weights = MODEL_YAML
        self.weights = Path(weights)
        self.backend, self.device, self.conf, self.threads = backend, device, conf, threads
        self._detector: Detector | None = None

    # --- predictor ------------------------------------------------------------------------------
    @property
    def detector(self) -> Detector:
        if self.weights.suffix in (".yaml", ".yml"):
            raise ValueError(f"{self.weights.name} is an untrained architecture; train it or load weights")
        if self._detector is None:
            self._detector = Detector(self.weights, conf=self.conf, backend=self.backend, device=self.device,
                                      threads=self.threads)
        return self._detector

    def predict(self, source, conf: float | None = None) -> list[list[Detection]]:
        """Images (paths, BGR arrays, or a list of either) -> detections per image."""
        items = source if isinstance(source, (list, tuple)) else [source]
        images = [read_image(s) if isinstance(s, (str, Path)) else np.asarray(s) for s in items]
        return self.detector.detect_many(images, conf)

    __call__ = predict

    # --- trainer ------------------------------------------------------------------------------------
    def train(self, data: str | Path, out: str | Path = "runs/vision", recipe: Recipe = Recipe(), name: str = "train",
              **kw) -> Path:
        from .train import train
        model = self.weights if self.weights.suffix in (".yaml", ".yml", ".pt") else MODEL_YAML
        best = train(data, out, recipe, model=model, device=self.device, name=name, **kw)
        self.weights, self._detector = best, None
        return best

    # --- validator -----------------------------------------------------------------------------------
    def val(self, data: str | Path, conf: float | None = None, progress=None):
        from .evaluate import evaluate
        return evaluate(self.detector, data, conf=conf, progress=progress)

    # --- exporter -------------------------------------------------------------------------------------
    def export(self, out: str | Path | None = None, imgsz: int | tuple[int, int] = 640, dynamic: bool = True,
               opset: int | None = None, end2end: bool = False) -> Path:
        """An ONNX next to the .pt (or at `out`), with dynamic batch and image size by default.

        The one-to-many head with our NMS by default: on a model trained for few epochs (CPU) it finds
        far more than YOLO26's NMS-free one-to-one head, which trains slower; `end2end=True` for that one.
        """
        if self.weights.suffix != ".pt":
            raise ValueError(f"export needs .pt weights, got {self.weights.name}")
        from . import offline
        offline.prepare()
        from ultralytics import YOLO
        y = YOLO(str(self.weights))
        kw = {"opset": opset} if opset else {}
        path = Path(y.export(format="onnx", imgsz=imgsz, dynamic=dynamic, simplify=True, nms=False if end2end else None,
                              device="cpu", **kw))
        if out is not None and Path(out).resolve() != path.resolve():
            Path(out).parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(path), out)
            path = Path(out)
        return path

    def info(self) -> dict:
        meta = self.weights.with_suffix(".json")
        return json.loads(meta.read_text()) if meta.exists() else {}
