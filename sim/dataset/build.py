"""Render a labelled dataset: worlds (given or random), random poses, fresh conditions per image.

Work is cut into chunks of images of one world; each chunk renders in a worker process (its own
scene and caches) and writes its own files, so only counts travel back. Every image draws its
pose and conditions from its own seed ([seed, world, image]), so a dataset is the same whatever
the number of workers.
"""
from __future__ import annotations

import math
import os
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import yaml

from .writer import DatasetWriter

CHUNK = 25


@dataclass(frozen=True)
class WorldSpec:
    """One world of a dataset, as documents (a random one) or files (given ones)."""

    index: int
    split: str
    site_path: str | None = None
    site_doc: dict | None = None
    world_path: str | None = None
    world_doc: dict | None = None


@dataclass(frozen=True)
class Chunk:
    world: WorldSpec
    images: tuple[int, ...]
    seed: int
    out: str
    alt_range: tuple[float, float]
    clean: bool = False


@dataclass
class Result:
    images: Counter = field(default_factory=Counter)
    labels: dict = field(default_factory=dict)


def load(spec: WorldSpec):
    from missions.site import load_site, parse_site
    from sim.world.loader import load_world, parse_world
    site = load_site(spec.site_path) if spec.site_path else parse_site(spec.site_doc, f"<{spec.site_doc['site']['name']}>")
    world = load_world(spec.world_path, site) if spec.world_path else parse_world(spec.world_doc, site, "<generated>")
    return site, world


_CACHE: dict = {}


def render_chunk(chunk: Chunk) -> Result:
    """Render and write the images of a chunk (runs in a worker process)."""
    from sim.camera.conditions import Conditions
    from sim.camera.effects import encode_jpeg
    from sim.camera.labels import labels_for
    from sim.camera.metadata import frame_metadata
    from sim.camera.model import Intrinsics
    from sim.camera.render import Renderer, view_of_pose
    from sim.camera.scene import Scene

    from .poses import random_pose

    key = chunk.world
    if _CACHE.get("key") != key:
        site, world = load(key)
        scene = Scene(site, world)
        K = Intrinsics.of_site(site)
        _CACHE.clear()
        _CACHE.update(key=key, site=site, world=world, scene=scene, K=K, renderer=Renderer(scene, K))
    site, world, scene, K, renderer = (_CACHE[k] for k in ("site", "world", "scene", "K", "renderer"))
    writer = DatasetWriter(chunk.out)
    res = Result()
    wdir = f"worlds/w{key.index:03d}"
    for i in chunk.images:
        rng = np.random.default_rng([chunk.seed, key.index, i])
        pose = random_pose(scene, rng, chunk.alt_range)
        cond = Conditions.random(rng, world.environment)
        if chunk.clean:
            cond = cond.clean()
        view = view_of_pose(pose, K, scene.frame)
        img = renderer.render(view, cond).image
        jpeg = encode_jpeg(img, cond.jpeg_quality)
        labels = labels_for(scene, view)
        meta = frame_metadata(pose, i, K, len(jpeg), cond.jpeg_quality, site.info.water_level_m, site.name, world.name)
        meta.update(split=key.split, world_dir=wdir, labels=[lb.as_dict() for lb in labels],
                    objects=_objects_in_view(scene, view), conditions=cond.as_dict())
        writer.write(key.split, i, jpeg, [lb.yolo(K.width, K.height) for lb in labels], meta)
        res.images[key.split] += 1
        c = res.labels.setdefault(key.split, Counter())
        c.update(lb.cls for lb in labels)
    return res


def _objects_in_view(scene, view) -> list[dict]:
    """Every planted object (distractors too) whose centre is in the frame, with its pixel."""
    out = []
    W, H = view.K.width, view.K.height
    for p in scene.placed:
        uv, d = view.project(np.array([[*p.center, p.base_z]]))
        if d[0] <= 0.3 or not (0 <= uv[0, 0] <= W and 0 <= uv[0, 1] <= H):
            continue
        lat, lon = scene.frame.to_latlon(*p.center)
        out.append({"id": p.obj.id, "type": p.obj.kind, "class": p.obj.cls, "lat": round(float(lat), 8),
                    "lon": round(float(lon), 8), "center_px": [round(float(uv[0, 0]), 2), round(float(uv[0, 1]), 2)]})
    return out


def plan_worlds(site_arg: str, world_arg: str | None, n_worlds: int, seed: int, val: float) -> list[WorldSpec]:
    """The worlds a dataset is drawn from: one given world, or n random ones (the last ones for val)."""
    from missions.site import load_site
    from sim.world import default_world_path
    from sim.world.generate import random_site, random_world

    specs = []
    random_site_mode = site_arg == "random"
    if not random_site_mode and world_arg not in (None, "random"):
        site = load_site(site_arg)
        path = default_world_path(site) if world_arg == "default" else Path(world_arg)
        if path is None:
            from missions.errors import UserError
            raise UserError(f"--world default: no bundled world for site {site.source!r}; give a world file")
        from sim.world.loader import load_world
        load_world(path, site)   # fail early, in the parent, with the loader's one-line error
        return [WorldSpec(0, "train", site_path=str(Path(site_arg).resolve()), world_path=str(Path(path).resolve()))]
    site = None if random_site_mode else load_site(site_arg)
    n_val = min(n_worlds - 1, math.ceil(n_worlds * val)) if n_worlds > 1 else 0
    for k in range(n_worlds):
        rng = np.random.default_rng([seed, 7, k])
        if random_site_mode:
            s, sdoc = random_site(rng, f"Random lake {seed}-{k}")
            spec_site = dict(site_doc=sdoc)
        else:
            s, sdoc = site, None
            spec_site = dict(site_path=str(Path(site_arg).resolve()))
        _, wdoc = random_world(s, rng, f"random world {seed}-{k}")
        specs.append(WorldSpec(k, "val" if k >= n_worlds - n_val else "train", world_doc=wdoc, **spec_site))
    return specs


def build_dataset(out: str | Path, site_arg: str, world_arg: str | None, n: int, seed: int = 0, n_worlds: int = 1,
                  val: float = 0.1, workers: int = 1, alt_range=(30.0, 120.0), clean: bool = False,
                  progress: Callable[[int, int], None] | None = None, command: str = "") -> dict:
    out = Path(out)
    writer = DatasetWriter(out)
    specs = plan_worlds(site_arg, world_arg, n_worlds, seed, val)
    # record the worlds next to the images
    for sp in specs:
        d = writer.world_dir(sp.index)
        if sp.site_doc is not None:
            (d / "site.yaml").write_text(yaml.safe_dump(sp.site_doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
        if sp.world_doc is not None:
            (d / "world.yaml").write_text(yaml.safe_dump(sp.world_doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
        site, world = load(sp)
        from sim.world.truth import write_truth
        write_truth(site, world, d / "truth.geojson")
    # images: split evenly over worlds; with one world, every image by its index
    chunks = []
    per = [n // len(specs) + (1 if k < n % len(specs) else 0) for k in range(len(specs))]
    start = 0
    for sp, m in zip(specs, per):
        idx = list(range(start, start + m))
        start += m
        if len(specs) == 1:
            n_val = int(round(m * val))
            val_idx = set(idx[len(idx) - n_val:]) if n_val else set()
            for split in ("train", "val"):
                part = [i for i in idx if (i in val_idx) == (split == "val")]
                spx = WorldSpec(sp.index, split, sp.site_path, sp.site_doc, sp.world_path, sp.world_doc)
                chunks += [Chunk(spx, tuple(part[j:j + CHUNK]), seed, str(out), tuple(alt_range), clean)
                           for j in range(0, len(part), CHUNK)]
        else:
            chunks += [Chunk(sp, tuple(idx[j:j + CHUNK]), seed, str(out), tuple(alt_range), clean)
                       for j in range(0, len(idx), CHUNK)]
    total = Result()
    done = 0

    def merge(r: Result) -> None:
        nonlocal done
        total.images.update(r.images)
        for split, c in r.labels.items():
            total.labels.setdefault(split, Counter()).update(c)
        done += sum(r.images.values())
        if progress:
            progress(done, n)
    if progress:
        progress(0, n)
    if workers <= 1 or len(chunks) <= 1:
        for c in chunks:
            merge(render_chunk(c))
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for r in pool.map(render_chunk, chunks):
                merge(r)
    from sim.camera.labels import NET_MIN_SIDE_PX, NET_PIECE_PX
    manifest = {"command": command or "waterpatrol render", "seed": seed, "worlds": len(specs),
                "images": dict(total.images), "counts": {k: dict(v) for k, v in total.labels.items()},
                "alt_range_m": list(alt_range),
                "world_dirs": [{"dir": f"worlds/w{sp.index:03d}", "split": sp.split,
                                "site": sp.site_path or "site.yaml", "world": sp.world_path or "world.yaml"} for sp in specs],
                "net_piece_px": NET_PIECE_PX, "net_min_side_px": NET_MIN_SIDE_PX, "cpu_count": os.cpu_count()}
    writer.finish(manifest, NET_PIECE_PX, NET_MIN_SIDE_PX)
    return manifest
