"""Training recipe: an ultralytics YOLO built from its YAML, fully offline, reproducible from a seed.

The recipe suits a CPU: small crops at full resolution (objects keep the size they have in a tile),
no rotation (it loosens the thin boxes of nets), vertical and horizontal flips (a nadir camera has no
up), a mild scale jitter (floats are a few pixels; halving them erases them).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from . import offline

MODEL_YAML = Path(__file__).parent / "models" / "wp-yolo26n.yaml"


@dataclass(frozen=True)
class Recipe:
    epochs: int = 30
    imgsz: int = 320
    batch: int = 16
    seed: int = 0
    patience: int = 100
    close_mosaic: int = 3
    warmup_epochs: float = 1.0
    scale: float = 0.25
    translate: float = 0.1
    degrees: float = 0.0
    fliplr: float = 0.5
    flipud: float = 0.5
    mosaic: float = 1.0
    hsv_h: float = 0.015
    hsv_s: float = 0.5
    hsv_v: float = 0.35
    optimizer: str = "auto"
    lr0: float = 0.01
    workers: int = 0
    cache: bool | str = False


def train(data: str | Path, out: str | Path, recipe: Recipe = Recipe(), model: str | Path = MODEL_YAML,
          device: str | None = None, name: str = "train", fraction: float = 1.0, val: bool = True) -> Path:
    """Train on `data` (a YOLO data.yaml with an absolute path) into `out/name`; returns best.pt (or last.pt).

    `model` is a YAML (from scratch) or a local .pt (fine-tuning); never a bare hub name, which downloads.
    """
    out = Path(out).resolve()
    offline.prepare(out / ".ultralytics")
    import torch
    from ultralytics import YOLO

    if device is None:
        device = "0" if torch.cuda.is_available() else "cpu"
    m = YOLO(str(model))
    args = {k: v for k, v in asdict(recipe).items()}
    m.train(data=str(Path(data).resolve()), project=str(out), name=name, exist_ok=True, device=device,
            amp=False, plots=False, deterministic=True, verbose=True, fraction=fraction, val=val, **args)
    weights = out / name / "weights"
    return weights / "best.pt" if (weights / "best.pt").exists() else weights / "last.pt"
