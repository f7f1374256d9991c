"""vision: detection, georeferencing and confirmation of anomalies in downlinked frames.

The controller's entry points (imported lazily, so `import vision` costs nothing):
    Model            ultralytics-style facade: predict / train / val / export
    FramePipeline    per frame: decode -> detect -> georeference -> confirm
    Detector, Georeferencer, Confirmer   the three stages on their own
    CameraPose, Intrinsics, Detection, Sighting, Anomaly   the boundary types
"""
from __future__ import annotations

import importlib

_EXPORTS = {
    "Model": "model", "FramePipeline": "pipeline", "FrameResult": "pipeline", "Detector": "detect",
    "Georeferencer": "georef", "PoseErrors": "georef", "Confirmer": "confirm", "ConfirmPolicy": "confirm",
    "CameraPose": "types", "Intrinsics": "types", "Detection": "types", "Sighting": "types", "Anomaly": "types",
    "CLASSES": "classes", "Recipe": "train",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module 'vision' has no attribute {name!r}")
