"""Detector speed and memory, measured: prints one JSON object.

    .venv/bin/python benchmarks/vision_bench.py [--weights vision/weights/waterpatrol-yolo26n.onnx] [--runs 10]

- ms per 640x640 input (batch 1) for ONNX Runtime and torch on CPU, with 1 thread and with all threads
- ms per full 1920x1080 frame, tiled (3 x 2 tiles of 672 x 576, one batch), same backends; frames/s
- the frame rate gapless coverage needs at the example site's cruise speed and patrol altitude, and how
  many drones one CPU core keeps up with at that rate (single-thread ONNX figure)
- peak resident memory of a process that only runs the ONNX detector (and one that runs torch)
- on a CUDA machine: torch fp16 frames/s for batches of full frames (tiles of many frames in one batch)
Each figure runs in a fresh subprocess so one backend's threads and memory do not colour another's.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WORKER = r"""
import json, os, resource, sys, time
sys.path.insert(0, {root!r})
import numpy as np, cv2
from vision.detect import Detector
kind, weights, threads, runs, frame_path = {kind!r}, {weights!r}, {threads}, {runs}, {frame!r}
if kind == "torch":
    import torch
    torch.set_num_threads(threads)
d = Detector(weights, backend="onnx" if kind == "onnx" else "torch", threads=threads,
             device="cpu" if kind == "torch" else None)
img = cv2.imread(frame_path)
tile = np.ascontiguousarray(img[:640, :640][None])
def timeit(fn, n):
    fn(); fn()
    ts = []
    for _ in range(n):
        t = time.perf_counter(); fn(); ts.append(time.perf_counter() - t)
    return 1000 * float(np.median(ts))
ms640 = timeit(lambda: d.backend(tile), runs)
msframe = timeit(lambda: d.detect(img), runs)
print("RESULT " + json.dumps({{"ms_640": ms640, "ms_frame": msframe, "tiles": len(d.tiles(img.shape[1], img.shape[0])),
                              "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""

GPU_WORKER = r"""
import json, sys, time
sys.path.insert(0, {root!r})
import numpy as np, cv2, torch
from vision.detect import Detector
d = Detector({weights!r}, backend="torch", device="cuda", max_batch=512)
img = cv2.imread({frame!r})
out = {{}}
for frames in (1, 16, 64):
    batch = [img] * frames
    d.raw(batch); torch.cuda.synchronize()
    t = time.perf_counter(); n = 0
    while time.perf_counter() - t < 5:
        d.raw(batch); n += frames
    torch.cuda.synchronize()
    out[f"frames_per_s_batch{{frames}}"] = n / (time.perf_counter() - t)
out["device"] = torch.cuda.get_device_name(0)
print("RESULT " + json.dumps(out))
"""


def run_worker(code: str, timeout: int = 900) -> dict:
    env = dict(os.environ, YOLO_OFFLINE="1", YOLO_AUTOINSTALL="false")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout, env=env)
    for line in p.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise RuntimeError(p.stderr[-2000:])


def sample_frame(path: Path) -> Path:
    """A rendered 1080p frame over water and shore (the detector's work does not depend on content much)."""
    if path.exists():
        return path
    from vision.dataset import render_world
    import cv2
    r = render_world("jinji", 4242, 1)[0]
    cv2.imwrite(str(path), r.image)
    return path


def coverage_rate(site_name: str = "jinji") -> dict:
    """Frames per second one drone must process for gapless along-track coverage at cruise speed."""
    from vision.dataset import site_path
    from missions.site import load_site
    site = load_site(site_path(site_name))
    h = site.patrol.altitude_m - site.info.water_level_m
    hfov = math.radians(site.camera.hfov_deg)
    f = (site.camera.width_px / 2) / math.tan(hfov / 2)
    along = 2 * h * (site.camera.height_px / 2) / f          # the image's short side points along the track
    v = site.vehicle.cruise_speed_mps
    return {"site": site.name, "altitude_m": site.patrol.altitude_m, "cruise_mps": v, "footprint_along_m": along,
            "frames_per_s_needed": v / along}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--weights", default=str(ROOT / "vision" / "weights" / "waterpatrol-yolo26n.onnx"))
    ap.add_argument("--pt", default=str(ROOT / "vision" / "weights" / "waterpatrol-yolo26n.pt"))
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--frame", default="/tmp/waterpatrol-bench-frame.jpg")
    args = ap.parse_args()
    frame = str(sample_frame(Path(args.frame)))
    cores = os.cpu_count() or 1
    out: dict = {"cpu_cores": cores}
    for kind, weights in (("onnx", args.weights), ("torch", args.pt)):
        for threads in sorted({1, cores}):
            r = run_worker(WORKER.format(root=str(ROOT), kind=kind, weights=weights, threads=threads, runs=args.runs,
                                         frame=frame))
            key = f"{kind}_cpu_{threads}t"
            out[key] = {"ms_per_640": round(r["ms_640"], 1), "ms_per_1080p_frame": round(r["ms_frame"], 1),
                        "tiles_per_frame": r["tiles"], "frames_per_s": round(1000 / r["ms_frame"], 2),
                        "peak_rss_mb": round(r["peak_rss_mb"], 1)}
    cov = coverage_rate()
    one_core = out["onnx_cpu_1t"]["frames_per_s"]
    cov["drones_per_cpu_core"] = round(one_core / cov["frames_per_s_needed"], 1)
    out["coverage"] = {k: (round(v, 3) if isinstance(v, float) else v) for k, v in cov.items()}
    out["targets"] = {"ms_per_1080p_frame_2_cores": 400, "detector_rss_mb": 1024}
    try:
        import torch
        if torch.cuda.is_available():
            out["gpu"] = run_worker(GPU_WORKER.format(root=str(ROOT), weights=args.pt, frame=frame))
    except ImportError:
        pass
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
