"""`waterpatrol render` (a labelled dataset from random poses) and `waterpatrol world` (a world's truth).

    waterpatrol render SITE.yaml --world WORLD.yaml --out DIR --n N [--seed S]
    waterpatrol render SITE.yaml --world random --worlds 20 --out DIR --n 5000     new layouts on a real lake
    waterpatrol render random --worlds 50 --out DIR --n 20000 --workers 16          random lakes too
    waterpatrol world SITE.yaml --world WORLD.yaml --out DIR                         truth.geojson of a world
    waterpatrol world random --seed 3 --out DIR                                      a random site, world, truth
"""
from __future__ import annotations

import sys
from pathlib import Path


def register(sub) -> None:
    p = sub.add_parser("render", help="render a labelled aerial dataset (YOLO) from random poses over a site",
                       description="Render images, YOLO labels, data.yaml and per-image pose and ground truth from "
                                   "random poses (30-120 m above the water) over a site's world. Nets are labelled as "
                                   "chains of boxes along their line (see the dataset's README.md).")
    p.add_argument("site", help="site config (YAML), or 'random' for random lakes and rivers")
    p.add_argument("--world", default=None,
                   help="world file (YAML); 'default': the bundled one of an example site; 'random': random "
                        "layouts (default: 'default' for a site file, 'random' for a random site)")
    p.add_argument("--out", type=Path, required=True, help="output folder")
    p.add_argument("--n", type=int, required=True, help="number of images")
    p.add_argument("--seed", type=int, default=0, help="seed of poses, conditions and random worlds (default 0)")
    p.add_argument("--worlds", type=int, default=None, help="number of random worlds (default: n/100, at least 1)")
    p.add_argument("--val", type=float, default=0.1, help="fraction for validation (whole worlds when several; default 0.1)")
    p.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    p.add_argument("--alt", default="30,120", help="altitude range above the water, m (default 30,120)")
    p.add_argument("--clean", action="store_true", help="no haze, blur, noise or vignetting (for checking labels)")
    p.set_defaults(run=run_render)

    w = sub.add_parser("world", help="write a world's ground truth as GeoJSON (and a random site and world as YAML)",
                       description="Write truth.geojson for a world, or generate a random world (and site) and write "
                                   "world.yaml, site.yaml and truth.geojson.")
    w.add_argument("site", help="site config (YAML), or 'random' for a random lake")
    w.add_argument("--world", default=None, help="world file; 'default' (example sites) or 'random' (default: "
                                                 "'default' for a site file, 'random' for a random site)")
    w.add_argument("--seed", type=int, default=0, help="seed of a random site or world (default 0)")
    w.add_argument("--out", type=Path, required=True, help="output folder")
    w.set_defaults(run=run_world)


def _alt_range(text: str) -> tuple[float, float]:
    from missions.errors import UserError
    try:
        lo, hi = (float(v) for v in text.split(","))
    except ValueError:
        raise UserError(f"--alt {text!r}: expected two numbers, e.g. 30,120") from None
    if not 5 <= lo <= hi <= 1000:
        raise UserError(f"--alt {text!r}: need 5 <= low <= high <= 1000 (m above the water)")
    return lo, hi


def _progress():
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
    console = Console(stderr=True)
    if not console.is_terminal:
        state = {"last": -1}

        def plain(done: int, total: int) -> None:
            pct = int(100 * done / max(total, 1)) // 10 * 10
            if pct != state["last"]:
                state["last"] = pct
                print(f"  rendered {done}/{total}", file=sys.stderr, flush=True)
        return None, plain
    bar = Progress(TextColumn("rendering"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn(),
                   console=console, transient=True)
    task = {}

    def update(done: int, total: int) -> None:
        if "id" not in task:
            task["id"] = bar.add_task("render", total=total)
        bar.update(task["id"], completed=done, total=total)
    return bar, update


def run_render(args) -> int:
    from missions.errors import UserError
    from sim.dataset.build import build_dataset

    if args.n < 1:
        raise UserError(f"--n {args.n}: must be at least 1")
    if not 0 <= args.val < 1:
        raise UserError(f"--val {args.val}: must be in [0, 1)")
    if args.workers < 1:
        raise UserError(f"--workers {args.workers}: must be at least 1")
    world = args.world or ("random" if args.site == "random" else "default")
    if args.site == "random" and world != "random":
        raise UserError("a random site needs --world random (a world file belongs to its own site)")
    if args.site != "random" and not Path(args.site).is_file():
        raise UserError(f"{args.site}: site config does not exist")
    n_worlds = args.worlds if args.worlds is not None else (max(1, args.n // 100) if world == "random" else 1)
    if world != "random" and n_worlds != 1:
        raise UserError("--worlds needs --world random (one world file makes one world)")
    if n_worlds < 1:
        raise UserError(f"--worlds {n_worlds}: must be at least 1")
    try:
        args.out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"--out {args.out}: cannot create ({exc.strerror})") from None
    bar, update = _progress()
    command = "waterpatrol " + " ".join(sys.argv[1:]) if sys.argv and sys.argv[0].endswith("waterpatrol") else "waterpatrol render"
    if bar is not None:
        with bar:
            m = build_dataset(args.out, args.site, world, args.n, args.seed, n_worlds, args.val, args.workers,
                              _alt_range(args.alt), args.clean, update, command)
    else:
        m = build_dataset(args.out, args.site, world, args.n, args.seed, n_worlds, args.val, args.workers,
                          _alt_range(args.alt), args.clean, update, command)
    counts = {c: sum(v.get(c, 0) for v in m["counts"].values()) for c in
              sorted({c for v in m["counts"].values() for c in v})}
    print(f"wrote {sum(m['images'].values())} images ({', '.join(f'{v} {k}' for k, v in m['images'].items())}) "
          f"from {m['worlds']} world(s) to {args.out}/")
    print("  labels: " + (", ".join(f"{c} {n}" for c, n in counts.items()) or "none"))
    print(f"  train with: {args.out.resolve() / 'data.yaml'}")
    return 0


def run_world(args) -> int:
    import numpy as np
    import yaml

    from missions.errors import UserError
    from missions.site import load_site
    from sim.world import default_world_path
    from sim.world.generate import random_site, random_world
    from sim.world.loader import load_world
    from sim.world.truth import write_truth

    try:
        args.out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"--out {args.out}: cannot create ({exc.strerror})") from None
    rng = np.random.default_rng(args.seed)
    world_arg = args.world or ("random" if args.site == "random" else "default")
    written = []
    if args.site == "random":
        if world_arg != "random":
            raise UserError("a random site needs --world random (a world file belongs to its own site)")
        site, sdoc = random_site(rng, f"Random lake {args.seed}")
        (args.out / "site.yaml").write_text(yaml.safe_dump(sdoc, sort_keys=False, allow_unicode=True), encoding="utf-8")
        written.append("site.yaml")
    else:
        site = load_site(args.site)
    if world_arg == "random":
        world, wdoc = random_world(site, rng, f"random world {args.seed}")
        (args.out / "world.yaml").write_text(yaml.safe_dump(wdoc, sort_keys=False, allow_unicode=True), encoding="utf-8")
        written.append("world.yaml")
    else:
        path = default_world_path(site) if world_arg == "default" else Path(world_arg)
        if path is None:
            raise UserError(f"--world default: no bundled world for site {site.source!r}; give a world file")
        world = load_world(path, site)
    write_truth(site, world, args.out / "truth.geojson")
    written.append("truth.geojson")
    n_anom = len(world.anomalies())
    print(f"{world.name}: {n_anom} anomalies, {len(world.objects) - n_anom} distractors; wrote {args.out}/: {', '.join(written)}")
    return 0
