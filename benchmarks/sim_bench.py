"""How fast the SITL runs, and how much memory it takes, with ground stations attached.

Prints JSON. Each case runs the simulator in its own process (so its peak RSS is its own) and one
ground-station process per vehicle. Each ground station does what MAVProxy does on connect
(REQUEST_DATA_STREAM all at 4 Hz, heartbeats), uploads a 40-waypoint patrol, arms and starts it;
then the simulator is switched to "as fast as possible" and timed over `--sim-seconds` of flight
while the clients count every frame they receive. The real-time factor is simulated seconds per
wall second, per vehicle (all vehicles share one lockstep clock).

    .venv/bin/python benchmarks/sim_bench.py [--sim-seconds 600] [--cases 1,5]
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import resource
import sys
import threading
import time

TARGETS = {"single_vehicle_rtf": 200.0, "five_vehicle_rtf_each": 40.0, "peak_rss_mb_per_vehicle": 150.0}
SITE = "missions/examples/jinji.yaml"
SETUP_SPEEDUP = 20.0


def sim_process(n_vehicles: int, sim_seconds: float, conn) -> None:
    from missions.site import load_site
    from sim.runner import RunConfig, SimRunner

    site = load_site(SITE)
    runner = SimRunner(site, RunConfig(speedup=SETUP_SPEEDUP, vehicles=n_vehicles, base_port=0, udp=False))
    conn.send([ep.tcp_port for ep in runner.endpoints()])
    stop = threading.Event()
    thread = threading.Thread(target=runner.run, kwargs={"stop": stop}, daemon=True)
    thread.start()
    conn.recv()                                           # every client is flying: go
    marks = {}

    def go():
        runner.clock.set_speedup(0)
        marks["start"] = (time.perf_counter(), runner.sim_time, time.process_time())
    runner.call_soon(go)
    while "start" not in marks:
        time.sleep(0.001)
    end_sim = marks["start"][1] + sim_seconds
    while runner.sim_time < end_sim:
        time.sleep(0.002)
    wall1, sim1, cpu1 = time.perf_counter(), runner.sim_time, time.process_time()
    stop.set()
    thread.join()
    wall0, sim0, cpu0 = marks["start"]
    dropped = sum(ch.link.dropped for v in runner.vehicles for ch in v.mav.channels)
    modes = [v.copter.mode_name for v in runner.vehicles]
    runner.close()
    conn.send({"sim_seconds": sim1 - sim0, "wall_seconds": wall1 - wall0, "cpu_seconds": cpu1 - cpu0,
               "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
               "frames_dropped_by_sim": dropped, "modes_at_end": modes})


def gcs_process(port: int, sysid: int, ready, done, result) -> None:
    os.environ["MAVLINK20"] = "1"
    sys.stdout = open(os.devnull, "w")                   # pymavlink prints; keep the JSON on stdout clean
    from pymavlink import mavutil

    conn = mavutil.mavlink_connection(f"tcp:127.0.0.1:{port}", source_system=255, source_component=190)
    mav = conn.mav
    mav.heartbeat_send(6, 8, 0, 0, 0)
    conn.wait_heartbeat(timeout=30)
    mav.request_data_stream_send(sysid, 1, 0, 4, 1)        # as MAVProxy: every stream at 4 Hz
    mav.param_request_list_send(sysid, 1)                  # as MAVProxy and dronekit on connect
    beat = time.monotonic()
    while True:
        m = conn.recv_match(type="EKF_STATUS_REPORT", blocking=True, timeout=30)
        if time.monotonic() - beat > 0.05:
            mav.heartbeat_send(6, 8, 0, 0, 0)
            beat = time.monotonic()
        if m is not None and m.flags == 0x33F:
            break
    lat0, lon0 = 31.3105, 120.6780
    items = [(16, 0, 0, 0, 0), (22, 3, 0, 0, 60)]
    for i in range(40):                                    # a lawnmower 600 m x 1 km east of the dock
        lat = lat0 + (0.0 if i % 4 in (0, 3) else 0.0054)
        lon = lon0 + 0.002 + 0.00053 * (i // 2)
        items.append((16, 3, lat, lon, 60))
    items.append((20, 3, 0, 0, 0))
    mav.mission_count_send(sysid, 1, len(items), 0)
    while True:
        m = conn.recv_match(type=["MISSION_REQUEST", "MISSION_ACK"], blocking=True, timeout=30)
        if m.get_type() == "MISSION_ACK":
            if m.type == 13:
                continue
            break
        cmd, frame, lat, lon, alt = items[m.seq]
        mav.mission_item_int_send(sysid, 1, m.seq, frame, cmd, 0, 1, 0, 0, 0, 0, int(lat * 1e7), int(lon * 1e7), alt, 0)
    for command, params in ((176, (1, 4)), (400, (1,)), (300, (0, 0))):
        p = list(params) + [0] * (7 - len(params))
        mav.command_long_send(sysid, 1, command, 0, *p)
        conn.recv_match(type="COMMAND_ACK", blocking=True, timeout=10)
    ready.set()
    # measurement: count frames straight off the socket, as cheaply as possible
    counts: dict[int, int] = {}
    nbytes = 0
    buf = b""
    sock = conn.port
    sock.setblocking(False)
    while not done.is_set():
        try:
            data = sock.recv(1 << 20)
            if not data:
                break                                     # the simulator has finished and closed
        except BlockingIOError:
            time.sleep(0.0005)
            data = b""
        except OSError:
            break
        if time.monotonic() - beat > 0.005:
            try:
                mav.heartbeat_send(6, 8, 0, 0, 0)
            except OSError:
                break
            beat = time.monotonic()
        if not data:
            continue
        nbytes += len(data)
        buf += data
        i = 0
        n = len(buf)
        while i < n:
            if buf[i] == 0xFD and i + 10 <= n:
                length = buf[i + 1]
                end = i + 12 + length
                if end > n:
                    break
                msgid = buf[i + 7] | buf[i + 8] << 8 | buf[i + 9] << 16
                counts[msgid] = counts.get(msgid, 0) + 1
                i = end
            elif buf[i] == 0xFD:
                break
            else:
                i += 1
        buf = buf[i:]
    result.put((sysid, counts, nbytes))
    conn.close()


def run_case(n: int, sim_seconds: float) -> dict:
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    sim = ctx.Process(target=sim_process, args=(n, sim_seconds, child))
    sim.start()
    ports = parent.recv()
    done = ctx.Event()
    result = ctx.Queue()
    readies = [ctx.Event() for _ in ports]
    clients = [ctx.Process(target=gcs_process, args=(p, i + 1, readies[i], done, result)) for i, p in enumerate(ports)]
    for c in clients:
        c.start()
    for r in readies:
        if not r.wait(timeout=300):
            raise RuntimeError("a ground station never got its vehicle flying")
    parent.send("go")
    stats = parent.recv()
    done.set()
    per_client = [result.get(timeout=60) for _ in clients]
    for c in clients:
        c.join(timeout=30)
    sim.join(timeout=30)
    rtf = stats["sim_seconds"] / stats["wall_seconds"]
    from pymavlink.dialects.v20 import ardupilotmega as mavlink
    names = {cls.id: cls.msgname for cls in mavlink.mavlink_map.values()}
    total = {}
    for _, counts, _ in per_client:
        for k, v in counts.items():
            total[names.get(k, str(k))] = total.get(names.get(k, str(k)), 0) + v
    per_vehicle_rates = {k: round(v / n / stats["sim_seconds"], 2) for k, v in sorted(total.items())}
    return {
        "vehicles": n,
        "sim_seconds": round(stats["sim_seconds"], 1),
        "wall_seconds": round(stats["wall_seconds"], 3),
        "realtime_factor_each": round(rtf, 1),
        "vehicle_sim_seconds_per_wall_second": round(rtf * n, 1),
        "sim_cpu_fraction": round(stats["cpu_seconds"] / stats["wall_seconds"], 2),
        "peak_rss_mb": round(stats["peak_rss_mb"], 1),
        "peak_rss_mb_per_vehicle": round(stats["peak_rss_mb"] / n, 1),
        "messages_per_sim_second_per_vehicle": round(sum(total.values()) / n / stats["sim_seconds"], 1),
        "bytes_per_sim_second_per_vehicle": round(sum(b for *_, b in per_client) / n / stats["sim_seconds"]),
        "frames_dropped_by_sim": stats["frames_dropped_by_sim"],
        "modes_at_end": stats["modes_at_end"],
        "rates_hz_per_vehicle": per_vehicle_rates,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sim-seconds", type=float, default=600.0, help="simulated seconds timed per case (default 600)")
    ap.add_argument("--cases", default="1,5", help="vehicle counts to run (default 1,5)")
    args = ap.parse_args()
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    sys.path.insert(0, os.getcwd())
    cases = {}
    load_before = os.getloadavg()
    for n in (int(x) for x in args.cases.split(",")):
        print(f"sim_bench: {n} vehicle(s), {args.sim_seconds:g} simulated s ...", file=sys.stderr, flush=True)
        cases[str(n)] = run_case(n, args.sim_seconds)
    out = {"host": {"cpus": os.cpu_count(), "python": platform.python_version(), "machine": platform.machine(),
                    "load_average_before": [round(x, 2) for x in load_before],
                    "load_average_after": [round(x, 2) for x in os.getloadavg()]},
           "targets": TARGETS, "cases": cases}
    verdict = {}
    if "1" in cases:
        verdict["single_vehicle_rtf"] = cases["1"]["realtime_factor_each"] >= TARGETS["single_vehicle_rtf"]
    if "5" in cases:
        verdict["five_vehicle_rtf_each"] = cases["5"]["realtime_factor_each"] >= TARGETS["five_vehicle_rtf_each"]
    verdict["peak_rss_mb_per_vehicle"] = all(c["peak_rss_mb_per_vehicle"] < TARGETS["peak_rss_mb_per_vehicle"]
                                             for c in cases.values())
    out["meets_targets"] = verdict
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
