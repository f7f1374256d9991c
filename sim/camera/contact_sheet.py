"""Contact sheets of rendered frames, to look at (docs/samples/): `python -m sim.camera.contact_sheet --out docs/samples`.

frames.png: whole frames from the bundled worlds and random lakes, each with its own seed (light,
water, weather, camera), labels drawn in red. objects.png: full-resolution crops of each anomaly
class and of the distractors, as the detector sees them at 40 m and 80 m.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np

from missions.site import load_site
from sim.world import default_world_path
from sim.world.loader import load_world

from .conditions import Conditions
from .labels import labels_for
from .model import Intrinsics
from .render import Renderer, view_of_pose
from .scene import Scene

ROOT = Path(__file__).resolve().parents[2]
TILE = (560, 315)


def _annotate(img: np.ndarray, labels, text: str) -> np.ndarray:
    out = img.copy()
    for lb in labels:
        x1, y1, x2, y2 = (int(round(v)) for v in lb.box)
        cv2.rectangle(out, (x1, y1), (x2, y2), (40, 40, 230), 2)
    small = cv2.resize(out, TILE, interpolation=cv2.INTER_AREA)
    cv2.putText(small, text, (8, 20), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 3, cv2.LINE_AA)
    cv2.putText(small, text, (8, 20), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 255), 1, cv2.LINE_AA)
    return small


def frames_sheet(rows: int = 4, cols: int = 3, seed: int = 2024) -> np.ndarray:
    """Frames aimed at planted objects over the three example sites and two random lakes."""
    from sim.dataset.poses import random_pose
    from sim.world.generate import random_site, random_world
    worlds = []
    for name in ("jinji", "dushu", "qingjian"):
        s = load_site(ROOT / "missions" / "examples" / f"{name}.yaml")
        worlds.append((name, s, load_world(default_world_path(s), s)))
    for k in range(2):
        rng = np.random.default_rng([seed, k])
        s, _ = random_site(rng, f"random lake {k}")
        worlds.append((f"random {k}", s, random_world(s, rng)[0]))
    tiles = []
    rng = np.random.default_rng(seed)
    for i in range(rows * cols):
        name, s, w = worlds[i % len(worlds)]
        scene = Scene(s, w)
        K = Intrinsics.of_site(s)
        pose = random_pose(scene, rng)
        cond = Conditions.random(rng, w.environment)
        view = view_of_pose(pose, K, scene.frame)
        img = Renderer(scene, K).render(view, cond).image
        ok, jpg = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, cond.jpeg_quality])
        img = cv2.imdecode(jpg, cv2.IMREAD_COLOR)
        text = f"{name}  {pose.alt_water_m:.0f} m  {cond.water}  sun {cond.sun_elevation_deg:.0f}  q{cond.jpeg_quality}"
        tiles.append(_annotate(img, labels_for(scene, view), text))
    return np.vstack([np.hstack(tiles[r * cols:(r + 1) * cols]) for r in range(rows)])


def objects_sheet(crop: int = 200) -> np.ndarray:
    """1:1 crops around each kind of object in the Jinji world, at 40 m and 80 m."""
    from sim.pose import Pose
    s = load_site(ROOT / "missions" / "examples" / "jinji.yaml")
    w = load_world(default_world_path(s), s)
    scene = Scene(s, w)
    K = Intrinsics.of_site(s)
    r = Renderer(scene, K)
    cond = Conditions.from_environment(w.environment, seed=3)
    wanted = ["net-east-shore", "net-west-shore", "boat-east-bay", "swimmer-north-1", "pile-yongchangjing",
              "truck-yongchangjing", "debris-south", "moored-dock-1", "reeds-southwest-1", "lotus-northwest",
              "egret-1", "buoy-1"]
    rows = []
    for alt in (40.0, 80.0):
        tiles = []
        for oid in wanted:
            p = next(p for p in scene.placed if p.obj.id == oid)
            cx, cy = p.line[len(p.line) // 2] if p.line is not None else p.center
            lat, lon = scene.frame.to_latlon(cx, cy)
            pose = Pose(1, 0.0, lat, lon, alt + s.info.water_level_m, alt, yaw_deg=0.0)
            img = r.render(view_of_pose(pose, K, scene.frame), cond).image
            h, wd = img.shape[:2]
            t = img[h // 2 - crop // 2:h // 2 + crop // 2, wd // 2 - crop // 2:wd // 2 + crop // 2].copy()
            cv2.putText(t, f"{oid} {alt:.0f} m", (5, 14), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (0, 0, 0), 3, cv2.LINE_AA)
            cv2.putText(t, f"{oid} {alt:.0f} m", (5, 14), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (255, 255, 255), 1, cv2.LINE_AA)
            tiles.append(t)
        rows.append(np.hstack(tiles[:6]))
        rows.append(np.hstack(tiles[6:]))
    return np.vstack(rows)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "samples")
    ap.add_argument("--seed", type=int, default=2024)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(args.out / "frames.png"), frames_sheet(seed=args.seed), [cv2.IMWRITE_PNG_COMPRESSION, 9])
    cv2.imwrite(str(args.out / "objects.png"), objects_sheet(), [cv2.IMWRITE_PNG_COMPRESSION, 9])
    print(f"wrote {args.out / 'frames.png'} and {args.out / 'objects.png'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
