"""Renderer speed and the simulator's real-time factor with the camera on. Prints JSON.

    .venv/bin/python benchmarks/render_bench.py [--site missions/examples/jinji.yaml] [--frames 60] [--rtf-s 120]

render_ms: one 1920x1080 frame (render, effects; no JPEG), over (a) the frames a vehicle takes flying the
site's planned patrol at 1 frame/s (water, shores, the dock), and (b) random dataset poses (30-120 m, any
heading, tilted gimbals, cold caches). encode_ms: the JPEG of a frame. rtf: simulated seconds per wall
second of one SITL vehicle (sim/runner.py, as fast as it goes) flying the first sortie, without the
camera and with it streaming 1 frame/s over ZeroMQ (rendered by the default worker processes).
one_worker: CPU per frame of one render process (OpenCV single-threaded) and the real-time factor that
many workers can sustain at 1 frame/s. Wall times depend on what else runs: load averages are
recorded. Targets (issue 4): < 50 ms per frame, >= 20x.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _stats(ms: list[float]) -> dict:
    a = np.asarray(ms)
    return {"n": len(ms), "median": round(float(np.median(a)), 1), "mean": round(float(a.mean()), 1),
            "p90": round(float(np.percentile(a, 90)), 1), "max": round(float(a.max()), 1)}


def route_poses(site, n: int):
    """Poses every 10 m (1 s at cruise) along the site's planned patrol, at its altitude, nose down 8 degrees."""
    from missions.planner import plan_patrol
    from sim.pose import Pose
    from sim.world.geometry import site_frame
    frame = site_frame(site)
    plan = plan_patrol(site)
    pts = [(it.lat, it.lon, it.alt) for s in plan.sorties for it in s.items if it.lat and it.lon and it.alt > 5]
    xy = frame.xy_array(np.array([(a, b) for a, b, _ in pts]))
    alts = [c for _, _, c in pts]
    out, t = [], 0.0
    for i in range(len(xy) - 1):
        d = xy[i + 1] - xy[i]
        L = float(np.hypot(*d))
        yaw = float(np.degrees(np.arctan2(d[0], d[1])) % 360)
        for s in np.arange(0.0, L, 10.0):
            p = xy[i] + d * s / max(L, 1e-9)
            lat, lon = frame.to_latlon(*p)
            out.append(Pose(1, t, float(lat), float(lon), alts[i], alts[i] - site.info.water_level_m,
                            roll_deg=0.5, pitch_deg=-8.0, yaw_deg=yaw, armed=True))
            t += 1.0
    step = max(1, len(out) // n)
    return out[::step][:n]


def bench_render(site, world, n_frames: int) -> dict:
    from sim.camera.conditions import Conditions
    from sim.camera.effects import encode_jpeg
    from sim.camera.model import Intrinsics
    from sim.camera.render import Renderer, view_of_pose
    from sim.camera.scene import Scene
    from sim.dataset.poses import random_pose

    t0 = time.perf_counter()
    scene = Scene(site, world)
    K = Intrinsics.of_site(site)
    r = Renderer(scene, K)
    r.render(view_of_pose(route_poses(site, 1)[0], K, scene.frame), Conditions())   # textures made once
    setup_s = time.perf_counter() - t0
    out = {"setup_s": round(setup_s, 2)}
    cond = Conditions.from_environment(world.environment, seed=1)
    rng = np.random.default_rng(0)
    for name, poses in (("patrol_route", route_poses(site, n_frames)),
                        ("random_poses", [random_pose(scene, rng) for _ in range(n_frames)])):
        render, encode, water, cpu = [], [], [], []
        stages: dict[str, list[float]] = {}
        for i, p in enumerate(poses):
            c = cond if name == "patrol_route" else Conditions.random(rng, world.environment)
            view = view_of_pose(p, K, scene.frame)
            t1, c1 = time.perf_counter(), time.process_time()
            f = r.render(view, c)
            t2 = time.perf_counter()
            encode_jpeg(f.image, c.jpeg_quality)
            t3, c3 = time.perf_counter(), time.process_time()
            cpu.append((c3 - c1) * 1000)
            render.append((t2 - t1) * 1000)
            encode.append((t3 - t2) * 1000)
            water.append(f.water_fraction)
            prev = 0.0
            for k, v in r.stats.items():
                stages.setdefault(k, []).append((v - prev) * 1000)
                prev = v
        out[name] = {"render_ms": _stats(render), "encode_ms": _stats(encode),
                     "render_encode_ms": _stats([a + b for a, b in zip(render, encode)]),
                     "cpu_ms_render_encode": _stats(cpu),
                     "water_fraction_mean": round(float(np.mean(water)), 2),
                     "stages_ms_mean": {k: round(statistics.fmean(v), 1) for k, v in stages.items()}}
    return out


def bench_rtf(site, world, sim_seconds: float, workers: int) -> dict:
    """Fly the first sortie of the plan as fast as the simulator goes, then with the camera on."""
    from pymavlink import mavutil

    from missions.planner import plan_patrol
    from sim.camera.stream import CameraPayload, CameraService
    from sim.testing import Gcs, running_sim
    M = mavutil.mavlink
    sortie = plan_patrol(site).sorties[0]
    res = {}
    for label, camera in (("camera_off", False), ("camera_on_1fps", True)):
        with running_sim(site, speedup=0.0, boot_s=2.0, wait_for_gcs=True) as sim:
            svc = None
            if camera:
                import socket
                with socket.socket() as s:
                    s.bind(("127.0.0.1", 0))
                    port = s.getsockname()[1]
                svc = CameraService(site, world, f"tcp://127.0.0.1:{port}", workers=workers).acquire()
                sim.runner.attach(1, CameraPayload(svc, 1, fps=1.0))
            g = Gcs(sim.url(), 50.0)
            try:
                g.heartbeats(True)
                g.command(M.MAV_CMD_SET_MESSAGE_INTERVAL, 193, 1e6)
                g.recv("EKF_STATUS_REPORT", timeout=60, condition=lambda m: m.flags == 0x33F)
                g.send("mission_count_send", 1, 1, len(sortie.items), 0)
                while True:
                    m = g.recv(["MISSION_REQUEST", "MISSION_ACK"], timeout=20)
                    if m.get_type() == "MISSION_ACK":
                        if m.type == M.MAV_MISSION_INVALID_SEQUENCE:
                            continue
                        break
                    it = sortie.items[m.seq]
                    g.send("mission_item_int_send", 1, 1, it.seq, it.frame, it.command, 0, 1, it.param1, it.param2,
                           it.param3, it.param4, int(round(it.lat * 1e7)), int(round(it.lon * 1e7)), it.alt, 0)
                g.set_mode(4)
                g.command(M.MAV_CMD_COMPONENT_ARM_DISARM, 1)
                g.command(M.MAV_CMD_MISSION_START, 0, 0)
                # measure once the vehicle is up at patrol height (frames flow from 1 m up)
                start_alt = sortie.altitude_m * 0.9
                c = sim.runner.copter(1)
                deadline = time.monotonic() + 300
                while c.est_global()[3] < start_alt and time.monotonic() < deadline:
                    time.sleep(0.01)
                t_sim0, t_wall0 = sim.runner.sim_time, time.perf_counter()
                r0 = svc.stats.rendered if svc else 0
                while sim.runner.sim_time < t_sim0 + sim_seconds and time.perf_counter() - t_wall0 < 600:
                    g.conn.recv_match(blocking=False)
                    time.sleep(0.01)
                t_sim1, t_wall1 = sim.runner.sim_time, time.perf_counter()
                entry = {"sim_s": round(t_sim1 - t_sim0, 1), "wall_s": round(t_wall1 - t_wall0, 2),
                         "rtf": round((t_sim1 - t_sim0) / (t_wall1 - t_wall0), 1)}
                if svc:
                    entry["frames"] = svc.stats.rendered - r0
                    entry["dropped"] = svc.stats.dropped
                    entry["render_encode_ms_mean"] = round(1000 * (svc.stats.render_s + svc.stats.encode_s)
                                                           / max(svc.stats.rendered, 1), 1)
                res[label] = entry
            finally:
                g.close()
    return res


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--site", default="missions/examples/jinji.yaml")
    ap.add_argument("--frames", type=int, default=60, help="frames per pose set (default 60)")
    ap.add_argument("--rtf-s", type=float, default=120.0, help="simulated seconds of each real-time-factor run")
    ap.add_argument("--no-rtf", action="store_true")
    args = ap.parse_args()
    import cv2

    from missions.site import load_site
    from sim.world import default_world_path
    from sim.world.loader import load_world
    site = load_site(args.site)
    world = load_world(default_world_path(site), site)
    out = {"site": site.name, "frame_px": [site.camera.width_px, site.camera.height_px],
           "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "opencv": cv2.__version__,
                       "cv2_threads": cv2.getNumThreads(), "platform": platform.platform()}}
    out["load_average_before"] = [round(v, 2) for v in os.getloadavg()]
    out.update(bench_render(site, world, args.frames))
    # what one render worker (one core, OpenCV single-threaded) spends per frame: the cost that sets how
    # fast a vehicle can stream when the simulator has the machine to itself
    cv2.setNumThreads(1)
    one = bench_render(site, world, args.frames)
    cv2.setNumThreads(out["machine"]["cv2_threads"])
    out["one_worker"] = {k: {"cpu_ms_render_encode": one[k]["cpu_ms_render_encode"]}
                         for k in ("patrol_route", "random_poses")}
    per_frame_s = one["patrol_route"]["cpu_ms_render_encode"]["mean"] / 1000
    from sim.camera.cli_options import default_workers
    out["one_worker"]["rtf_capacity_at_1fps"] = round(max(default_workers(), 1) / per_frame_s, 1)
    if not args.no_rtf:
        from sim.camera.cli_options import default_workers
        out["rtf"] = bench_rtf(site, world, args.rtf_s, default_workers())
        out["rtf"]["camera_workers"] = default_workers()
    out["load_average_after"] = [round(v, 2) for v in os.getloadavg()]
    out["targets"] = {"render_ms_per_1080p_frame": 50, "rtf_with_camera_at_1fps": 20}
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
