"""plan.png: a map a person can read at a glance: water, islands, no-fly zones, hotspots, routes, scale."""
from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.patches import Circle, PathPatch, Polygon as MplPolygon  # noqa: E402
from matplotlib.path import Path as MplPath  # noqa: E402
from shapely.geometry.polygon import orient  # noqa: E402

from ..plan import PatrolPlan  # noqa: E402
from ..site.geometry import SiteGeometry, as_polygons  # noqa: E402
from ..site.schema import Site  # noqa: E402

LAND = "#efe9dc"
WATER = "#bcdcf2"
NOFLY = "#d62728"
HOTSPOT = "#ff7f0e"
PATTERN_STYLE = {"coverage": "-", "shoreline": "-", "hotspot": "-", "transit": (0, (3, 2))}


def _poly_patch(poly, **kw) -> PathPatch:
    """A polygon with holes drawn as holes: shore counter-clockwise, islands clockwise."""
    poly = orient(poly, 1.0)
    verts, codes = [], []
    for ring in [poly.exterior, *poly.interiors]:
        c = np.asarray(ring.coords)
        verts.extend(c)
        codes.extend([MplPath.MOVETO] + [MplPath.LINETO] * (len(c) - 2) + [MplPath.CLOSEPOLY])
    return PathPatch(MplPath(np.asarray(verts), codes), **kw)


def _nice(length: float) -> float:
    e = 10 ** math.floor(math.log10(length))
    for m in (5, 2, 1):
        if m * e <= length:
            return m * e
    return e


def draw_plan(plan: PatrolPlan, site: Site, path: Path, dpi: int = 130) -> None:
    geo = SiteGeometry(site)
    frame = geo.frame
    fig, ax = plt.subplots(figsize=(13, 9), dpi=dpi)
    ax.set_facecolor(LAND)
    for ag in geo.areas:
        for poly in as_polygons(ag.water):
            ax.add_patch(_poly_patch(poly, facecolor=WATER, edgecolor="#5b8db8", lw=0.8, zorder=1))
    for name, poly in geo.nofly:
        ax.add_patch(MplPolygon(np.asarray(poly.exterior.coords), closed=True, facecolor=NOFLY, alpha=0.18,
                                edgecolor=NOFLY, hatch="//", lw=1.2, zorder=2))
        c = poly.centroid
        ax.annotate(f"NO-FLY\n{name}", (c.x, c.y), ha="center", va="center", color=NOFLY, fontsize=8, weight="bold", zorder=6)
    for h, pt in zip(site.hotspots, geo.hotspots):
        ax.add_patch(Circle((pt.x, pt.y), h.radius_m, facecolor="none", edgecolor=HOTSPOT, lw=1.2, ls="--", zorder=3))
        ax.plot(pt.x, pt.y, marker="*", color=HOTSPOT, ms=13, mec="k", mew=0.5, zorder=7)
        ax.annotate(f"{h.name} ({h.kind}, {h.priority})", (pt.x, pt.y), xytext=(8, 8), textcoords="offset points",
                    fontsize=8, color="#8a4500", zorder=7)
    cmap = plt.get_cmap("tab10" if len(plan.sorties) <= 10 else "tab20")
    for k, s in enumerate(plan.sorties):
        color = cmap(k % cmap.N)
        for leg in s.legs:
            xy = frame.xy_array(np.asarray(leg.coords))
            ax.plot(xy[:, 0], xy[:, 1], color=color, lw=1.4 if leg.pattern != "transit" else 0.9,
                    ls=PATTERN_STYLE.get(leg.pattern, "-"), alpha=0.9, zorder=4)
        ax.plot([], [], color=color, lw=2, label=f"sortie {s.index} (drone {s.drone}): {s.length_m / 1000:.1f} km, "
                                                 f"{s.flight_time_s / 60:.0f} min, {s.battery_fraction:.0%} battery")
    ax.plot([], [], color="grey", lw=1, ls=PATTERN_STYLE["transit"], label="transit (dashed)")
    ax.plot(geo.home.x, geo.home.y, marker="^", color="k", ms=11, zorder=8, label="home / dock")
    ax.set_aspect("equal")
    ax.autoscale_view()
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    pad = 0.04 * max(x1 - x0, y1 - y0)
    ax.set_xlim(x0 - pad, x1 + pad)
    ax.set_ylim(y0 - pad, y1 + pad)
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    bar = _nice((x1 - x0) / 5)
    bx, by = x0 + 0.04 * (x1 - x0), y0 + 0.04 * (y1 - y0)
    ax.plot([bx, bx + bar], [by, by], color="k", lw=3, zorder=9)
    ax.text(bx + bar / 2, by + 0.012 * (y1 - y0), f"{bar:,.0f} m" if bar < 1000 else f"{bar / 1000:g} km",
            ha="center", va="bottom", fontsize=9, zorder=9)
    ax.annotate("N", xy=(x1 - 0.05 * (x1 - x0), y1 - 0.05 * (y1 - y0)),
                xytext=(x1 - 0.05 * (x1 - x0), y1 - 0.13 * (y1 - y0)),
                arrowprops=dict(arrowstyle="-|>", color="k", lw=1.5), ha="center", va="top", fontsize=11, weight="bold")
    ax.set_xticks([])
    ax.set_yticks([])
    cov = [a.coverage_fraction for a in plan.areas if a.coverage_fraction is not None]
    ax.set_title(f"{plan.site}: {len(plan.sorties)} sorties on {plan.drones} drone(s), "
                 f"{plan.length_m / 1000:.1f} km, last landing after {plan.makespan_s / 60:.0f} min"
                 + (f", coverage {min(cov):.1%}" if cov else "") + f"\naltitude {plan.altitude_m:g} m, swath {plan.swath_m:.0f} m",
                 fontsize=11)
    ncol = 1 if len(plan.sorties) <= 30 else 2
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7, framealpha=0.9, ncol=ncol, borderaxespad=0)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
