"""report.json and a self-contained report.html (map, tickets with evidence, figures) that opens offline."""
from __future__ import annotations

import base64
import html
import io
import json
from dataclasses import asdict
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.patches import Circle  # noqa: E402

from missions.exports.mapimage import LAND, WATER, _poly_patch  # noqa: E402
from missions.site import Site, SiteGeometry  # noqa: E402
from missions.site.geometry import as_polygons  # noqa: E402

from .score import Score, TicketPoint, TruthObject  # noqa: E402

CLASS_COLORS = {"fishing_net": "#1f77b4", "fishing_boat": "#9467bd", "swimmer": "#d62728", "waste_pile": "#8c564b",
                "muck_truck": "#ff7f0e", "floating_debris": "#2ca02c"}


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def draw_map(site: Site, tracks: list[np.ndarray], tickets: list[TicketPoint], score: Score,
             anomalies: list[TruthObject], distractors: list[TruthObject]) -> str:
    geo = SiteGeometry(site)
    fig, ax = plt.subplots(figsize=(11, 9))
    ax.set_facecolor(LAND)
    for ag in geo.areas:
        for poly in as_polygons(ag.water):
            ax.add_patch(_poly_patch(poly, facecolor=WATER, edgecolor="#5b8db8", lw=0.8, zorder=1))
    for k, tr in enumerate(tracks):
        if len(tr) > 1:
            ax.plot(tr[:, 0], tr[:, 1], color="#555555", lw=0.6, alpha=0.7, zorder=2,
                    label="route flown" if k == 0 else None)
    for o in distractors:
        c = o.geom.centroid
        ax.plot(c.x, c.y, ".", color="#999999", ms=4, zorder=3)
    found = {m.truth for m in score.matches}
    for o in anomalies:
        color = CLASS_COLORS.get(o.cls, "k")
        if o.geom.geom_type == "LineString":
            xy = np.asarray(o.geom.coords)
            ax.plot(xy[:, 0], xy[:, 1], color=color, lw=3, alpha=0.6, zorder=4)
        c = o.geom.centroid
        ax.plot(c.x, c.y, marker="o" if o.id in found else "X", color=color, ms=9 if o.id in found else 12,
                mec="k", zorder=5)
        ax.annotate(o.id + ("" if o.id in found else " (MISSED)"), (c.x, c.y), xytext=(6, -10),
                    textcoords="offset points", fontsize=7, color="#aa0000" if o.id not in found else "#222222")
    right = {m.ticket for m in score.matches}
    for t in tickets:
        ok = t.id in right
        ax.add_patch(Circle((t.x, t.y), max(t.uncertainty_m, 3), facecolor="none",
                            edgecolor="#0060ff" if ok else "#ff8c00", lw=1.5, zorder=6))
        ax.plot(t.x, t.y, "+", color="#0060ff" if ok else "#ff8c00", ms=10, mew=2, zorder=7)
        ax.annotate(t.id[:8] + ("" if ok else " FALSE ALARM"), (t.x, t.y), xytext=(6, 6), textcoords="offset points",
                    fontsize=7, color="#0040c0" if ok else "#c05000")
    ax.plot(geo.home.x, geo.home.y, "^", color="k", ms=10, label="dock")
    ax.plot([], [], "o", color="w", mec="k", label="planted object, found")
    ax.plot([], [], "X", color="w", mec="k", ms=10, label="planted object, missed")
    ax.plot([], [], "+", color="#0060ff", mew=2, label="ticket (circle: its uncertainty)")
    ax.plot([], [], "+", color="#ff8c00", mew=2, label="false alarm")
    ax.set_aspect("equal")
    ax.autoscale_view()
    ax.set_xticks([])
    ax.set_yticks([])
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    ax.set_title(f"{site.name}: {score.tickets} tickets, {len(score.matches)} right, "
                 f"{len(score.false_alarms)} false alarms, {len(score.missed)} missed")
    fig.tight_layout()
    return _png(fig)


def _row_html(r: dict) -> str:
    esc = html.escape
    img = f'<img src="data:image/jpeg;base64,{r["crop_b64"]}" alt="evidence">' if r.get("crop_b64") else ""
    agencies = "<br>".join(f'{esc(a["name"])}: {"acknowledged" if a["acked"] else "not acknowledged"}'
                           for a in r["agencies"])
    verdict = esc(r["verdict"])
    if r["error_m"] is not None:
        verdict += f'<br>{r["error_m"]:.1f} m from the truth'
    place = f'<br>{esc(r["place"])}' if r["place"] else ""
    css = "right" if r["verdict"].startswith("right") else "false"
    return (f'<tr class="{css}"><td>{img}</td><td><b>{esc(r["type"])}</b><br>{esc(r["headline_en"])}<br>'
            f'<span class="zh">{esc(r["headline_zh"])}</span></td>'
            f'<td>{r["lat"]:.6f}, {r["lon"]:.6f}<br>&plusmn; {r["uncertainty_m"]:.1f} m{place}</td>'
            f'<td>{verdict}</td><td>{r["sightings"]} sightings<br>confidence {r["confidence"]:.2f}<br>'
            f'{esc(r["urgency"])}, {esc(r["severity"])}</td><td>{agencies}</td><td class="id">{esc(r["id"])}</td></tr>')


def write_report(out: Path, summary: dict, map_png: str, rows: list[dict]) -> None:
    (out / "report.json").write_text(json.dumps(summary, indent=1, ensure_ascii=False), encoding="utf-8")
    fig = summary
    cells = [_row_html(r) for r in rows]
    pc = "".join(f"<tr><td>{html.escape(c)}</td><td>{v['planted']}</td><td>{v['found']}</td><td>{v['tickets']}</td></tr>"
                 for c, v in fig["per_class_counts"].items())
    ag = "".join(f"<tr><td>{html.escape(a)}</td><td>{v['routed']}</td><td>{v['acknowledged']}</td>"
                 f"<td>{v['stored_by_partner']}</td></tr>" for a, v in fig["agencies"].items())
    fmt = lambda v, unit="": "-" if v is None else (f"{v:.3f}" if isinstance(v, float) and v <= 1.0 and not unit else f"{v}{unit}")  # noqa: E731
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>waterpatrol demo: {html.escape(fig['site'])}</title>
<style>
body {{ font-family: sans-serif; margin: 1.5em; color: #222; }}
table {{ border-collapse: collapse; margin: 0.5em 0 1.5em; }}
td, th {{ border: 1px solid #ccc; padding: 4px 8px; vertical-align: top; font-size: 13px; }}
th {{ background: #eef3f8; text-align: left; }}
tr.right td {{ background: #f2f8ff; }} tr.false td {{ background: #fff3e6; }}
img {{ max-width: 180px; max-height: 180px; }}
.figures td:first-child {{ font-weight: bold; }}
.zh {{ color: #555; }} .id {{ font-family: monospace; font-size: 11px; }}
</style></head><body>
<h1>waterpatrol demo: {html.escape(fig['site'])}</h1>
<p>{html.escape(fig['scenario'])}. Simulated flight {fig['sim_s'] / 60:.1f} min in {fig['wall_s'] / 60:.1f} min wall time;
all processes together peaked at {fig['peak_rss_mb']:.0f} MB resident.</p>
<table class="figures">
<tr><td>precision</td><td>{fmt(fig['precision'])}</td></tr>
<tr><td>recall</td><td>{fmt(fig['recall'])}</td></tr>
<tr><td>location error, median / p95</td><td>{fmt(fig['loc_err_median_m'], ' m')} / {fmt(fig['loc_err_p95_m'], ' m')}</td></tr>
<tr><td>first sighting to ticket (median, simulated)</td><td>{fmt(fig['first_sight_to_ticket_s'], ' s')}</td></tr>
<tr><td>every ticket acknowledged by every agency it was routed to</td><td>{'yes' if fig['all_acknowledged'] else 'NO'}</td></tr>
<tr><td>frames detected on</td><td>{fig['frames']['processed']} of {fig['frames']['received']} received</td></tr>
</table>
<img src="data:image/png;base64,{map_png}" alt="map" style="max-width: 100%; max-height: none;">
<h2>Per class</h2><table><tr><th>class</th><th>planted</th><th>found</th><th>tickets</th></tr>{pc}</table>
<h2>Agencies</h2><table><tr><th>agency</th><th>tickets routed</th><th>acknowledged</th><th>stored by its feed</th></tr>{ag}</table>
<h2>Tickets</h2>
<table><tr><th>evidence</th><th>what</th><th>where</th><th>against the truth</th><th>seen</th><th>agencies</th><th>ticket</th></tr>
{''.join(cells)}</table>
<h2>Missed</h2>{_missed_html(fig)}
</body></html>"""
    (out / "report.html").write_text(page, encoding="utf-8")


def _missed_html(fig: dict) -> str:
    """Each missed object, and whether vision saw it without confirming it (what to tune, or to train)."""
    if not fig["missed"]:
        return "<p>nothing</p>"
    near = fig.get("near_misses", {})

    def why(oid: str) -> str:
        n = near.get(oid) or {}
        if not n.get("seen"):
            return "never seen (or never where it is)"
        return (f"seen {n['sightings']} time(s), combined confidence {n['confidence']:.2f}, "
                f"{n['error_m']:.1f} m off: not confirmed")
    rows = "".join(f"<tr><td>{html.escape(o)}</td><td>{html.escape(why(o))}</td></tr>" for o in fig["missed"])
    return f"<table><tr><th>planted object</th><th>what vision had of it</th></tr>{rows}</table>"


def score_dict(s: Score) -> dict:
    return {"matches": [asdict(m) for m in s.matches], "false_alarms": s.false_alarms, "missed": s.missed}
