"""The simulated world: planted objects on and around a site's water, loaded, generated and told as truth."""
from __future__ import annotations

from pathlib import Path

WORLDS_DIR = Path(__file__).resolve().parent.parent / "worlds"


def default_world_path(site) -> Path | None:
    """The bundled world for an example site (sim/worlds/<site file stem>.yaml), if there is one."""
    stem = Path(getattr(site, "source", "") or "").stem
    p = WORLDS_DIR / f"{stem}.yaml"
    return p if stem and p.is_file() else None
