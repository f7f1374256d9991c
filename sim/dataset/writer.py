"""The on-disk layout of a rendered dataset: YOLO images and labels, per-image pose and truth, data.yaml.

    DIR/data.yaml                 ultralytics dataset file (absolute path, class names, no download key)
    DIR/README.md                 what is in it and how nets are labelled
    DIR/manifest.json             command, seeds, worlds, counts per split and class
    DIR/images/{train,val}/*.jpg  frames as the stream sends them (JPEG at the frame's quality)
    DIR/labels/{train,val}/*.txt  YOLO rows: class cx cy w h, normalised to the frame
    DIR/meta/{train,val}/*.json   the frame's metadata (docs/frames.md) plus labels, objects in view, conditions
    DIR/worlds/wNNN/              world.yaml (and site.yaml for random sites) and truth.geojson
"""
from __future__ import annotations

import json
from pathlib import Path

from sim.world.kinds import CLASSES

SPLITS = ("train", "val")

NET_NOTE = """\
Nets (fishing_net) are labelled as a chain of boxes along the visible part of the float line: the line
is cut into pieces of equal image length, at most {piece:g} px each, and each piece is boxed around
its floats (grown by a float's radius plus 1 px, and to at least {side:g} px across). A 200 m net at
80 m altitude is one line across the frame with floats a few pixels wide; boxes of a manageable size
along it are what a tiled detector can learn, and their centres lie on the net. Every box names its
net (meta: labels[].object_id, piece) and the point of the line at its middle (labels[].ground); the
whole line is in worlds/*/truth.geojson."""


def data_yaml(out: Path, note: str) -> str:
    lines = ["# waterpatrol synthetic aerial dataset, rendered by `waterpatrol render` (sim/, see docs/camera.md).",
             "# Labels: YOLO txt rows `class cx cy w h`, normalised to the 1920x1080 frame (or the site camera's size).",
             *("# " + ln for ln in note.splitlines()),
             f"path: {out.resolve()}",
             "train: images/train",
             "val: images/val",
             f"nc: {len(CLASSES)}",
             "names:"]
    lines += [f"  {i}: {name}" for i, name in enumerate(CLASSES)]
    return "\n".join(lines) + "\n"


class DatasetWriter:
    def __init__(self, out: str | Path):
        self.out = Path(out)
        for kind in ("images", "labels", "meta"):
            for split in SPLITS:
                (self.out / kind / split).mkdir(parents=True, exist_ok=True)
        (self.out / "worlds").mkdir(exist_ok=True)

    def stem(self, index: int) -> str:
        return f"{index:06d}"

    def write(self, split: str, index: int, jpeg: bytes, yolo_rows: list[str], meta: dict) -> None:
        s = self.stem(index)
        (self.out / "images" / split / f"{s}.jpg").write_bytes(jpeg)
        (self.out / "labels" / split / f"{s}.txt").write_text("".join(r + "\n" for r in yolo_rows), encoding="utf-8")
        (self.out / "meta" / split / f"{s}.json").write_text(json.dumps(meta, separators=(",", ":")), encoding="utf-8")

    def world_dir(self, k: int) -> Path:
        d = self.out / "worlds" / f"w{k:03d}"
        d.mkdir(parents=True, exist_ok=True)
        return d

    def finish(self, manifest: dict, piece_px: float, min_side_px: float) -> None:
        note = NET_NOTE.format(piece=piece_px, side=min_side_px)
        (self.out / "data.yaml").write_text(data_yaml(self.out, note), encoding="utf-8")
        (self.out / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        counts = manifest.get("counts", {})
        table = "\n".join(f"| {c} | " + " | ".join(str(counts.get(sp, {}).get(c, 0)) for sp in SPLITS) + " |"
                          for c in CLASSES)
        images = " / ".join(f"{manifest.get('images', {}).get(sp, 0)} {sp}" for sp in SPLITS)
        readme = f"""# Synthetic aerial dataset (waterpatrol)

Rendered by `{manifest.get('command', 'waterpatrol render')}`: {images} images from
{manifest.get('worlds', 1)} world(s), random poses 30-120 m above the water, fresh light, water colour,
weather, blur, noise and JPEG quality per image. Layout, label format and the frame metadata are
described in `sim/dataset/writer.py`, docs/frames.md and docs/camera.md of waterpatrol.

## Classes and labelled boxes

| class | {" | ".join(SPLITS)} |
| --- | {" | ".join("---" for _ in SPLITS)} |
{table}

## How nets are labelled

{note}

Compact objects are boxed around their 3-D truth box (footprint rectangle times height) projected
into the frame, clipped to it, and kept when at least 30 % of the box is inside and it is 3 px across.
Distractors (buoys, moored boats, birds, foam, reeds, lotus, jetties) and procedural land (cars,
soil mounds, roofs) are never labelled; they are in `meta/*.json` (`objects`) for analysis.

`val` holds whole worlds never used in `train` when the dataset spans several worlds.
"""
        (self.out / "README.md").write_text(readme, encoding="utf-8")
