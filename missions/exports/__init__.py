"""Write a PatrolPlan in every format a ground station or a person reads."""
from __future__ import annotations

import json
from pathlib import Path

from ..plan import PatrolPlan
from ..site.schema import Site
from .geojson import plan_geojson, write_geojson
from .mapimage import draw_plan
from .qgc import read_plan, write_plan
from .wpl import format_wpl, parse_wpl, read_wpl, write_wpl

__all__ = ["write_all", "read_wpl", "parse_wpl", "format_wpl", "read_plan", "plan_geojson", "write_wpl"]


def write_all(plan: PatrolPlan, site: Site, out: Path, picture: bool = True) -> dict[str, Path]:
    """plan.json, sortie-<k>.waypoints, sortie-<k>.plan, plan.plan (sortie 1), plan.geojson, plan.png."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    p = out / "plan.json"
    p.write_text(json.dumps(plan.to_dict(), indent=1, ensure_ascii=False), encoding="utf-8")
    written["json"] = p
    for s in plan.sorties:
        write_wpl(s.items, out / f"sortie-{s.index}.waypoints")
        write_plan(s.items, site, out / f"sortie-{s.index}.plan")
    if plan.sorties:
        write_plan(plan.sorties[0].items, site, out / "plan.plan")
        written["qgc"] = out / "plan.plan"
    written["waypoints"] = out / "sortie-1.waypoints"
    write_geojson(plan, site, out / "plan.geojson")
    written["geojson"] = out / "plan.geojson"
    if picture:
        draw_plan(plan, site, out / "plan.png")
        written["map"] = out / "plan.png"
    return written
