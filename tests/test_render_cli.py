"""`waterpatrol render`: a YOLO dataset with data.yaml, labels that match their metadata, per-image pose and truth."""
from __future__ import annotations

import json

import pytest
import yaml

from controller.cli import main
from sim.world.kinds import CLASSES

from .camera_support import EXAMPLES


def _read(out, split, stem):
    labels = (out / "labels" / split / f"{stem}.txt").read_text().splitlines()
    meta = json.loads((out / "meta" / split / f"{stem}.json").read_text())
    return labels, meta


def test_render_writes_a_yolo_dataset_of_the_bundled_world(tmp_path, capsys):
    out = tmp_path / "ds"
    assert main(["render", str(EXAMPLES / "jinji.yaml"), "--out", str(out), "--n", "6", "--seed", "3", "--val", "0.34"]) == 0
    printed = capsys.readouterr().out
    assert "wrote 6 images (4 train, 2 val)" in printed
    data = yaml.safe_load((out / "data.yaml").read_text())
    assert data["path"] == str(out.resolve()) and data["train"] == "images/train" and data["val"] == "images/val"
    assert [data["names"][i] for i in range(6)] == list(CLASSES) and data["nc"] == 6 and "download" not in data
    assert "chain of boxes" in (out / "data.yaml").read_text() and "chain of boxes" in (out / "README.md").read_text()
    assert (out / "worlds" / "w000" / "truth.geojson").is_file()
    n_labels = 0
    for split, stems in (("train", ["000000", "000001", "000002", "000003"]), ("val", ["000004", "000005"])):
        for stem in stems:
            assert (out / "images" / split / f"{stem}.jpg").stat().st_size > 10_000
            rows, meta = _read(out, split, stem)
            assert len(rows) == len(meta["labels"])
            assert 30 <= meta["alt_water_m"] <= 120 and meta["camera"]["width"] == 1920
            for row, lb in zip(rows, meta["labels"]):
                c, cx, cy, w, h = row.split()
                x1, y1, x2, y2 = lb["box"]
                assert int(c) == CLASSES.index(lb["cls"]) == lb["class_id"]
                assert float(cx) == pytest.approx((x1 + x2) / 2 / 1920, abs=1e-5)
                assert float(h) == pytest.approx((y2 - y1) / 1080, abs=1e-5)
                assert 0 <= x1 < x2 <= 1920 and 0 <= y1 < y2 <= 1080
            n_labels += len(rows)
    assert n_labels > 0, "poses are aimed at planted objects"
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["images"] == {"train": 4, "val": 2} and manifest["worlds"] == 1


def test_random_worlds_keep_whole_worlds_for_validation_and_are_reproducible(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for out in (a, b):
        assert main(["render", "random", "--out", str(out), "--n", "4", "--worlds", "2", "--seed", "9", "--alt", "40,60"]) == 0
    for split in ("train", "val"):
        for p in sorted((a / "meta" / split).iterdir()):
            ma, mb = json.loads(p.read_text()), json.loads((b / "meta" / split / p.name).read_text())
            ma.pop("wall_time"), mb.pop("wall_time")
            assert ma == mb
            assert ma["world_dir"] == ("worlds/w001" if split == "val" else "worlds/w000")
            assert 40 <= ma["alt_water_m"] <= 60
    assert (a / "worlds" / "w001" / "site.yaml").is_file() and (a / "worlds" / "w001" / "world.yaml").is_file()
    assert (a / "images" / "train" / "000000.jpg").read_bytes() == (b / "images" / "train" / "000000.jpg").read_bytes()


@pytest.mark.parametrize("argv, message", [
    (["--world", "nope.yaml"], "nope.yaml: world file does not exist"),
    (["--n", "0"], "--n 0: must be at least 1"),
    (["--alt", "100,20"], "--alt '100,20': need 5 <= low <= high"),
    (["--worlds", "3"], "--worlds needs --world random"),
])
def test_render_errors_are_one_line(tmp_path, capsys, argv, message):
    base = ["render", str(EXAMPLES / "jinji.yaml"), "--out", str(tmp_path / "o"), "--n", "2"]
    assert main(base + argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
