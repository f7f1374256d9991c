"""The training pipeline end to end on a handful of rendered images, with the network made impossible:
render -> train 1 epoch from the YAML -> export ONNX -> detect -> evaluate, all offline."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from vision.dataset import DatasetSpec, build

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    d = tmp_path_factory.mktemp("tiny-data")
    spec = DatasetSpec(seed=11, train_worlds=1, val_worlds=1, heldout_worlds=1, frames_per_world=2,
                       heldout_frames_per_world=1, sites=("jinji",))
    return build(d, spec, workers=1)


def test_dataset_layout_and_labels(tiny):
    root = tiny.parent
    data = json.loads((root / "manifest.json").read_text())
    assert data["splits"]["train"]["seeds"] == [11] and data["splits"]["heldout"]["seeds"] == [200011]
    imgs = sorted((root / "train" / "images").glob("*.jpg"))
    assert len(imgs) >= 4
    labels = [root / "train" / "labels" / (p.stem + ".txt") for p in imgs]
    rows = np.vstack([np.loadtxt(p, ndmin=2) for p in labels if p.stat().st_size])
    assert rows.shape[1] == 5 and set(rows[:, 0].astype(int)) <= set(range(6))
    assert ((rows[:, 1:] >= 0) & (rows[:, 1:] <= 1)).all()
    meta = json.loads(next((root / "heldout" / "meta").glob("*.json")).read_text())
    assert {"lat", "lon", "alt_home_m", "alt_water_m", "yaw_deg", "gimbal_pitch_deg", "camera", "truth"} <= set(meta)
    import yaml
    y = yaml.safe_load(tiny.read_text())
    assert Path(y["path"]).is_absolute() and "download" not in y


def test_splits_never_share_seeds():
    jobs = DatasetSpec(seed=1).jobs(Path("/tmp/x"))
    seeds = {}
    for split, _, site, seed, *_ in jobs:
        seeds.setdefault(split, set()).add(seed)
    assert not (seeds["train"] & seeds["heldout"]) and not (seeds["train"] & seeds["val"])
    assert not (seeds["val"] & seeds["heldout"])


OFFLINE_RUN = textwrap.dedent("""
    import json, socket, sys
    attempts = []
    def refuse(*a, **k):
        attempts.append(repr(a[:2]))
        raise OSError("network disabled by the test")
    socket.socket.connect = refuse
    socket.socket.connect_ex = refuse
    socket.create_connection = refuse
    socket.getaddrinfo = refuse
    sys.path.insert(0, sys.argv[3])
    from vision import offline
    offline.prepare(sys.argv[2] + "/cfg")
    from vision import Model, Recipe
    m = Model("yolo26n")
    best = m.train(sys.argv[1], out=sys.argv[2], recipe=Recipe(epochs=1, imgsz=160, batch=4), name="tiny")
    onnx = Model(best).export()
    import cv2, glob
    img = sorted(glob.glob(sys.argv[1].rsplit("/", 1)[0] + "/heldout/images/*.jpg"))[0]
    dets = Model(onnx, conf=0.001).predict(img)[0]
    torch_dets = Model(best, conf=0.001).predict(img)[0]
    rep = Model(onnx).val(sys.argv[1].rsplit("/", 1)[0] + "/heldout", conf=0.001)
    print("RESULT " + json.dumps({"best": str(best), "onnx": str(onnx), "n_onnx": len(dets), "n_torch": len(torch_dets),
                                  "map50": rep.map50, "images": rep.images, "attempts": attempts}))
""")


def test_tiny_training_is_offline(tiny, tmp_path):
    script = tmp_path / "run.py"
    script.write_text(OFFLINE_RUN)
    env = {k: v for k, v in os.environ.items() if not k.startswith("YOLO_")}
    env.update(HOME=str(tmp_path), OMP_NUM_THREADS="2")
    p = subprocess.run([sys.executable, str(script), str(tiny), str(tmp_path / "runs"), str(ROOT)], capture_output=True,
                       text=True, env=env, timeout=600, cwd=tmp_path)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    line = next(ln for ln in p.stdout.splitlines() if ln.startswith("RESULT "))
    r = json.loads(line[7:])
    assert Path(r["best"]).exists() and Path(r["onnx"]).exists()
    assert r["images"] == 1 and 0.0 <= r["map50"] <= 1.0
    # nothing was fetched: no stray weights or fonts beside the run
    assert not list(tmp_path.glob("*.pt")) and not list((tmp_path / "runs").glob("*.pt"))
    assert (tmp_path / "runs" / "cfg" / "Arial.ttf").exists()
