"""`waterpatrol train`, `waterpatrol detect`, `waterpatrol eval`: the detector from the command line.

Heavy imports (torch, ultralytics, onnxruntime) happen inside the run functions, so `waterpatrol
--help` stays quick. Progress goes to stderr; `--json` output on stdout stays clean.
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from missions.errors import UserError

CACHE = Path.home() / ".cache" / "waterpatrol"


def register(sub) -> None:
    p = sub.add_parser("train", help="render a labelled dataset with the simulator and train the detector (offline)",
                       description="Train the YOLO detector from its YAML (or fine-tune a local .pt), fully offline. "
                                   "Without --data, renders a dataset first (random scenarios over the example sites).")
    p.add_argument("--data", type=Path, help="a dataset folder (with data.yaml) or a data.yaml; default: render one")
    p.add_argument("--out", type=Path, default=Path("runs/vision"), help="where runs and rendered data go (default runs/vision)")
    p.add_argument("--model", default=None, help="architecture YAML or local .pt (default vision/models/wp-yolo26n.yaml)")
    p.add_argument("--epochs", type=int, default=16)
    p.add_argument("--imgsz", type=int, default=320)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--seed", type=int, default=0, help="seeds the dataset's worlds and the training")
    p.add_argument("--worlds", type=int, default=90, help="training worlds to render when --data is not given")
    p.add_argument("--workers", type=int, default=2, help="render processes")
    p.add_argument("--device", default=None, help="cpu, 0, ... (default: CUDA when available)")
    p.add_argument("--name", default="train")
    p.add_argument("--no-export", action="store_true", help="skip the ONNX export of the best weights")
    p.set_defaults(run=run_train)

    p = sub.add_parser("detect", help="find nets, boats, swimmers, waste and trucks in images",
                       description="Run the detector (tiled at full resolution) on images and print the boxes.")
    p.add_argument("images", nargs="+", type=Path, help="image files (JPEG, PNG)")
    p.add_argument("--json", action="store_true", help='print [{"image", "detections": [{"class", "conf", "box"}]}]')
    p.add_argument("--conf", type=float, default=None, help="confidence threshold (default: the model card's)")
    p.add_argument("--weights", type=Path, default=None, help=".onnx or .pt (default: the shipped ONNX)")
    p.add_argument("--device", default=None, help="cuda to run .pt weights (or ONNX's CUDA provider) on a GPU")
    p.set_defaults(run=run_detect)

    p = sub.add_parser("eval", help="held-out precision, recall, mAP and geolocation error",
                       description="Evaluate the detector on a held-out set rendered from seeds and layouts never "
                                   "used for training (rendered into the cache on first use when --data is not given).")
    p.add_argument("--data", type=Path, default=None, help="held-out folder (images/, labels/, meta/) or a dataset root")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--conf", type=float, default=None, help="operating confidence (default: the model card's)")
    p.add_argument("--weights", type=Path, default=None)
    p.add_argument("--device", default=None)
    p.set_defaults(run=run_eval)


def _progress(label: str, enabled: bool = True):
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
    from rich.console import Console
    return Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                    console=Console(stderr=True), disable=not enabled, transient=False)


def _data_yaml(data: Path) -> Path:
    if data.is_dir():
        data = data / "data.yaml"
    if not data.exists():
        raise UserError(f"{data}: no data.yaml (give a dataset folder or its data.yaml)")
    return data


def run_train(args) -> int:
    from .dataset import DatasetSpec, build
    from .train import MODEL_YAML, Recipe, train

    out = args.out.resolve()
    if args.model and not Path(args.model).exists():
        raise UserError(f"--model {args.model}: no such file (a hub name would download; give a YAML or a local .pt)")
    if args.data:
        data = _data_yaml(args.data)
    else:
        spec = DatasetSpec(seed=args.seed, train_worlds=args.worlds, val_worlds=max(2, args.worlds // 15),
                           heldout_worlds=max(3, args.worlds // 6), crop=args.imgsz)
        with _progress("rendering worlds") as bar:
            task = bar.add_task("render", total=len(spec.jobs(out)))
            data = build(out / f"data-s{args.seed}", spec, workers=args.workers,
                         progress=lambda k, n, r: bar.update(task, completed=k))
    t0 = time.time()
    recipe = Recipe(epochs=args.epochs, imgsz=args.imgsz, batch=args.batch, seed=args.seed)
    best = train(data, out, recipe, model=args.model or MODEL_YAML, device=args.device, name=args.name)
    print(f"trained in {time.time() - t0:.0f} s: {best}")
    if not args.no_export:
        from .model import Model
        onnx = Model(best).export()
        print(f"exported: {onnx}")
    return 0


def run_detect(args) -> int:
    from .detect import read_image
    from .model import Model

    images = [(p, read_image(p)) for p in args.images]        # every file checked before the model loads
    m = Model(args.weights, device=args.device, conf=args.conf)
    results = []
    for p, im in images:
        dets = m.detector.detect(im)
        results.append({"image": str(p), "detections": [d.to_dict() for d in dets]})
    if args.json:
        print(json.dumps(results, indent=1))
        return 0
    for r in results:
        print(f"{r['image']}: {len(r['detections'])} detection(s)")
        for d in r["detections"]:
            x1, y1, x2, y2 = d["box"]
            print(f"  {d['class']:<16} {d['conf']:.2f}  ({x1:.0f}, {y1:.0f}, {x2:.0f}, {y2:.0f})")
    return 0


def default_heldout(progress: bool = True) -> Path:
    """The standard held-out set (seeds 200001.., never used for training), rendered once into the cache."""
    from .dataset import DatasetSpec, build
    d = CACHE / "heldout-s1"
    if not (d / "heldout" / "images").is_dir() or not any((d / "heldout" / "images").iterdir()):
        spec = DatasetSpec(seed=1, heldout_worlds=15, heldout_frames_per_world=4)
        with _progress("rendering held-out set", progress) as bar:
            task = bar.add_task("render", total=spec.heldout_worlds)
            build(d, spec, workers=2, splits=("heldout",), progress=lambda k, n, r: bar.update(task, completed=k))
    return d / "heldout"


def run_eval(args) -> int:
    from .model import Model

    data = args.data or default_heldout(not args.json)
    m = Model(args.weights, device=args.device, conf=args.conf)
    with _progress("evaluating", not args.json) as bar:
        task = bar.add_task("eval", total=None)
        rep = m.val(data, conf=args.conf, progress=lambda k, n: bar.update(task, completed=k, total=n))
    d = rep.to_dict()
    if args.json:
        print(json.dumps(d, indent=1))
        return 0
    print(f"{rep.images} held-out frames from {data}, operating confidence {rep.conf:.2f}")
    print(f"{'class':<16} {'n':>5} {'P':>6} {'R':>6} {'mAP50':>7} {'mAP50-95':>9}")
    for name, r in rep.per_class.items():
        print(f"{name:<16} {r['instances']:>5} {r['precision']:>6.3f} {r['recall']:>6.3f} {r['map50']:>7.3f} {r['map50_95']:>9.3f}")
    print(f"{'all':<16} {'':>5} {'':>6} {'':>6} {rep.map50:>7.3f} {rep.map50_95:>9.3f}")
    if rep.geo_err_median_m is not None:
        at80 = f", median at 70-90 m {rep.geo_err_median_80m_m:.2f} m" if rep.geo_err_median_80m_m is not None else ""
        print(f"geolocation error over {rep.geo_samples} matched detections: median {rep.geo_err_median_m:.2f} m, "
              f"p95 {rep.geo_err_p95_m:.2f} m{at80}")
    nl = rep.net_line
    if nl.get("nets"):
        prec = f"{nl['precision']:.3f}" if nl["precision"] is not None else "-"
        print(f"nets by their line (within {nl['tol_px']:g} px): found {nl['found']} of {nl['nets']} "
              f"(recall {nl['recall']:.3f}); {nl['right']} of {nl['detections']} net detections on a net (precision {prec})")
    sys.stdout.flush()
    return 0
