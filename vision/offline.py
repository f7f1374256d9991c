"""Keep ultralytics offline: no weight, font or pip downloads, settings inside a directory we own.

Ultralytics reads these variables when it is first imported, so `prepare()` must run before any
`import ultralytics`; every vision entry point that touches ultralytics calls it first.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

DEFAULT_DIR = Path(os.environ.get("WATERPATROL_CACHE", Path.home() / ".cache" / "waterpatrol")) / "ultralytics"


def prepare(config_dir: str | Path | None = None) -> Path:
    """Point ultralytics at `config_dir` (settings, fonts), forbid downloads and auto-installs. Idempotent.

    A font named Arial.ttf in the config dir stops the plotting code fetching one; matplotlib ships
    DejaVuSans, which serves.
    """
    cfg = Path(config_dir or os.environ.get("YOLO_CONFIG_DIR") or DEFAULT_DIR).resolve()
    cfg.mkdir(parents=True, exist_ok=True)
    os.environ["YOLO_CONFIG_DIR"] = str(cfg)
    os.environ["YOLO_OFFLINE"] = "1"
    os.environ["YOLO_AUTOINSTALL"] = "false"
    font = cfg / "Arial.ttf"
    if not font.exists():
        try:
            import matplotlib
            src = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
            shutil.copyfile(src, font)
        except (ImportError, OSError):
            pass
    return cfg
