"""Ticket delivery figures, printed as JSON: throughput and latency with CURVE, and server memory over 100,000 tickets.

Everything is real: tickets are built from AnomalyReports with unique JPEG evidence, committed to the SQLite
outbox (WAL, synchronous FULL), sent by the ticket server over ZeroMQ with CURVE and a ZAP authenticator, stored
by a partner running `waterpatrol feed` in its own process (its own SQLite, its ticket folders), and acknowledged.

  throughput  N tickets as fast as the producer can commit them (batches of --batch per transaction), with the
              server in the producer's process as `waterpatrol run` embeds it: tickets/s committed, delivered
              (stored by the partner) and acknowledged (recorded by the server), and commit-to-ack latency.
  steady      --rate tickets/s, one transaction each, for --steady-s seconds: commit-to-ack latency p50/p99.
  memory      --memory-tickets through a standalone `waterpatrol tickets serve` process fed by another
              process through the outbox (smaller evidence, partner without files, so 100,000 tickets
              stay near 1 GB on disk): the server's resident memory sampled all along.

Every phase also reports the disk's fsync latency while it ran and the machine's load: on a shared
machine other work moves every figure, and the JSON says how much there was.

    .venv/bin/python benchmarks/tickets_bench.py            # what the issue asks (a few minutes)
    .venv/bin/python benchmarks/tickets_bench.py --quick    # a short run
"""
from __future__ import annotations

import argparse
import io
import json
import os
import platform
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import psutil
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from controller.tickets import keys  # noqa: E402
from controller.tickets.desk import TicketDesk  # noqa: E402
from controller.tickets.outbox import Outbox  # noqa: E402
from controller.tickets.report import AnomalyReport  # noqa: E402
from controller.tickets.server import ServerConfig, TicketServer  # noqa: E402
from missions.site import load_site  # noqa: E402

SITE = ROOT / "missions" / "examples" / "jinji.yaml"
AGENCY = "water_police"   # swimmers go to the water police alone, at any hour
WHERE = (31.3105, 120.6905)
CLI = [sys.executable, "-m", "controller.cli"]


def noise_jpeg(target_bytes: int, seed: int) -> bytes:
    """A real JPEG of about the target size (noise compresses badly, like water and reeds)."""
    rng = np.random.default_rng(seed)
    side = 32
    while True:
        img = Image.fromarray(rng.integers(0, 256, (side, side, 3), dtype=np.uint8))
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=75)
        if buf.tell() >= target_bytes or side > 4096:
            return buf.getvalue()
        side = int(side * max(1.05, (target_bytes / buf.tell()) ** 0.5))


def unique(jpeg: bytes, n: int) -> bytes:
    """The same picture with a comment segment that makes its bytes (and sha256) unique."""
    comment = f"waterpatrol bench {n}".encode()
    return jpeg[:2] + b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment + jpeg[2:]


class Reports:
    def __init__(self, crop_kb: float, frame_kb: float):
        self.crop, self.frame = noise_jpeg(int(crop_kb * 1024), 1), noise_jpeg(int(frame_kb * 1024), 2)
        self.n = 0
        self.t0 = datetime.now(timezone.utc)

    def next(self) -> AnomalyReport:
        self.n += 1
        n = self.n
        return AnomalyReport(
            anomaly_id=str(uuid.uuid4()), kind="swimmer", lat=WHERE[0] + (n % 100) * 1e-5, lon=WHERE[1], uncertainty_m=5.0,
            first_seen=self.t0 - timedelta(seconds=30), last_seen=self.t0, sightings=4, confidence=0.93,
            model_version="bench", drone="wp1", mission="bench", crop_jpeg=unique(self.crop, n),
            frame_jpeg=unique(self.frame, n))

    @property
    def evidence_bytes(self) -> int:
        return len(self.crop) + len(self.frame)


PARTNER_FLAGS: list[str] = []


def start_partner(endpoint: str, key_dir: Path, out: Path, flags: list[str] | None = None) -> subprocess.Popen:
    flags = PARTNER_FLAGS if flags is None else flags
    return subprocess.Popen(CLI + ["feed", "--agency", AGENCY, "--server", endpoint, "--keys", str(key_dir),
                                   "--out", str(out), "--quiet", *flags], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def acked_count(ob: Outbox) -> int:
    return ob.db.execute("SELECT count(*) FROM deliveries WHERE acked_at IS NOT NULL").fetchone()[0]


def wait_acked(ob: Outbox, n: int, timeout: float) -> None:
    end = time.monotonic() + timeout
    while acked_count(ob) < n:
        if time.monotonic() > end:
            raise SystemExit(f"only {acked_count(ob)} of {n} acknowledged after {timeout:.0f} s")
        time.sleep(0.02)


def window(ob: Outbox, first_ticket_rowid: int) -> dict:
    """Commit-to-ack latency and the last ack time of the deliveries from a rowid on."""
    rows = ob.db.execute("SELECT committed_at, acked_at FROM deliveries WHERE id >= ? AND acked_at IS NOT NULL",
                         (first_ticket_rowid,)).fetchall()
    lat = np.array([a - c for c, a in rows]) * 1000
    return {"n": len(rows), "p50_ms": round(float(np.percentile(lat, 50)), 2),
            "p99_ms": round(float(np.percentile(lat, 99)), 2), "max_ms": round(float(lat.max()), 2),
            "last_ack": max(a for _, a in rows)}


def last_received(feed_db: Path, n_from: int) -> float:
    with sqlite3.connect(f"file:{feed_db}?mode=ro", uri=True) as db:
        return db.execute("SELECT max(at), count(*) FROM received WHERE seq >= ?", (n_from,)).fetchone()[0]


def next_rowid(ob: Outbox) -> int:
    return (ob.db.execute("SELECT max(id) FROM deliveries").fetchone()[0] or 0) + 1


def phase_inprocess(tmp: Path, key_dir: Path, args, reports: Reports) -> dict:
    site = load_site(SITE)
    db = tmp / "a" / "outbox.sqlite"
    server = TicketServer.for_site(site, db, key_dir, config=ServerConfig(bind="tcp://127.0.0.1:0"))
    endpoint = server.start()
    partner = start_partner(endpoint, key_dir, tmp / "a" / "partner")
    ob = Outbox(db)
    out = {}
    try:
        end = time.monotonic() + 30
        while AGENCY not in server.stats()["sessions"]:
            if time.monotonic() > end or partner.poll() is not None:
                raise SystemExit("partner did not connect: " + (partner.stderr.read() if partner.poll() is not None else ""))
            time.sleep(0.05)
        # warm-up: the first tickets pay for imports and caches on both sides
        server.submit_many([reports.next() for _ in range(200)])
        wait_acked(ob, 200, 60)

        # full speed
        probe = DiskProbe(tmp).__enter__()
        first, seq0 = next_rowid(ob), server.stats()["heads"].get(AGENCY, 0) + 1
        me, them = psutil.Process(), psutil.Process(partner.pid)
        cpu0 = (sum(me.cpu_times()[:2]), sum(them.cpu_times()[:2]))
        t0 = time.time()
        for i in range(0, args.tickets, args.batch):
            server.submit_many([reports.next() for _ in range(min(args.batch, args.tickets - i))])
        committed = time.time()
        wait_acked(ob, 200 + args.tickets, 600)
        cpu1 = (sum(me.cpu_times()[:2]), sum(them.cpu_times()[:2]))
        w = window(ob, first)
        delivered = last_received(tmp / "a" / "partner" / "feed.sqlite", seq0)
        out["throughput"] = {
            "tickets": args.tickets, "batch_per_commit": args.batch,
            "committed_per_s": round(args.tickets / (committed - t0)),
            "delivered_per_s": round(args.tickets / (delivered - t0)),
            "acknowledged_per_s": round(args.tickets / (w["last_ack"] - t0)),
            "commit_to_ack_p50_ms": w["p50_ms"], "commit_to_ack_p99_ms": w["p99_ms"], "commit_to_ack_max_ms": w["max_ms"],
            # CPU (user + system) per ticket, ZeroMQ's I/O threads (CURVE) included: what 2 idle cores can carry
            "cpu_ms_per_ticket_producer_and_server": round((cpu1[0] - cpu0[0]) / args.tickets * 1000, 3),
            "cpu_ms_per_ticket_partner": round((cpu1[1] - cpu0[1]) / args.tickets * 1000, 3),
        }
        probe.__exit__()
        out["throughput"]["disk_while_running"] = probe.summary()
        print(f"full speed: {out['throughput']}", file=sys.stderr)

        # single-ticket transactions as fast as possible: the commit rate without batching
        n1 = min(2000, args.tickets)
        first = next_rowid(ob)
        t0 = time.time()
        for _ in range(n1):
            server.submit(reports.next())
        out["throughput"]["committed_per_s_one_per_transaction"] = round(n1 / (time.time() - t0))
        wait_acked(ob, 200 + args.tickets + n1, 600)

        # steady rate
        n = int(args.rate * args.steady_s)
        first = next_rowid(ob)
        with DiskProbe(tmp) as probe:
            t0 = time.monotonic()
            for i in range(n):
                delay = t0 + i / args.rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                server.submit(reports.next())
            wait_acked(ob, 200 + args.tickets + n1 + n, 120)
        w = window(ob, first)
        out["steady"] = {"rate_per_s": args.rate, "seconds": args.steady_s, "tickets": n,
                         "commit_to_ack_p50_ms": w["p50_ms"], "commit_to_ack_p99_ms": w["p99_ms"],
                         "commit_to_ack_max_ms": w["max_ms"], "disk_while_running": probe.summary()}
        print(f"steady: {out['steady']}", file=sys.stderr)
        out["server_counters"] = server.stats()["counters"]
    finally:
        stop(partner)
        server.stop()
        ob.close()
    return out


class DiskProbe:
    """fsync latency of this disk, sampled every 100 ms while a phase runs: other work on the machine shows here."""

    def __init__(self, folder: Path):
        self.path, self.samples, self.done = folder / "fsync-probe", [], threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            while not self.done.wait(0.1):
                t = time.perf_counter()
                os.write(fd, b"x" * 512)
                os.fsync(fd)
                self.samples.append((time.perf_counter() - t) * 1000)
        finally:
            os.close(fd)

    def __enter__(self) -> "DiskProbe":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.done.set()
        self.thread.join()

    def summary(self) -> dict:
        if not self.samples:
            return {}
        a = np.array(self.samples)
        return {"fsync_p50_ms": round(float(np.percentile(a, 50)), 2), "fsync_p99_ms": round(float(np.percentile(a, 99)), 2),
                "fsync_max_ms": round(float(a.max()), 1)}


def phase_memory(tmp: Path, key_dir: Path, args, reports: Reports) -> dict:
    db = tmp / "m" / "outbox.sqlite"
    site = load_site(SITE)
    desk = TicketDesk(site, db)  # this process produces; the server process only sends
    reports = Reports(args.memory_crop_kb, args.memory_frame_kb)
    server = subprocess.Popen(CLI + ["tickets", "serve", str(SITE), "--keys", str(key_dir), "--db", str(db),
                                     "--bind", "tcp://127.0.0.1:0", "--status-every", "0"], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = server.stdout.readline()
    if "serving" not in line:
        raise SystemExit(f"server did not start: {line!r}")
    endpoint = line.split(" on ")[1].split()[0]
    partner = start_partner(endpoint, key_dir, tmp / "m" / "partner", ["--no-files"])
    proc = psutil.Process(server.pid)
    samples: list[tuple[int, float]] = []
    ob = Outbox(db)
    done = threading.Event()

    def sample() -> None:
        mine = Outbox(db)  # a connection of this thread's own
        while not done.is_set():
            samples.append((acked_count(mine), proc.memory_info().rss / 2 ** 20))
            time.sleep(0.5)
        mine.close()

    sampler = threading.Thread(target=sample, daemon=True)
    try:
        sampler.start()
        t0 = time.time()
        produced = 0
        while produced < args.memory_tickets:
            k = min(args.batch, args.memory_tickets - produced)
            desk.submit_many([reports.next() for _ in range(k)])
            produced += k
            while produced - acked_count(ob) > 20_000:  # keep the backlog bounded so the run ends in time
                time.sleep(0.05)
        wait_acked(ob, args.memory_tickets, 900)
        elapsed = time.time() - t0
    finally:
        done.set()
        sampler.join()
        stop(partner)
        stop(server)
        ob.close()
    rss = [r for _, r in samples]
    early = [r for n, r in samples if n >= args.memory_tickets * 0.1] or rss
    return {"tickets": args.memory_tickets, "evidence_bytes_per_ticket": reports.evidence_bytes,
            "partner": "waterpatrol feed --quiet --no-files", "seconds": round(elapsed, 1),
            "acknowledged_per_s": round(args.memory_tickets / elapsed),
            "server_rss_mb_at_10pct": round(early[0], 1), "server_rss_mb_max": round(max(rss), 1),
            "server_rss_mb_end": round(rss[-1], 1), "samples": len(rss),
            "server_rss_mb_by_tenth": [round(max([r for n, r in samples
                                                  if k * args.memory_tickets / 10 <= n < (k + 1) * args.memory_tickets / 10]
                                                 or [float("nan")]), 1) for k in range(10)]}


def machine_state() -> dict:
    """How busy this machine is while measuring: other work on the same cores or disk moves every figure."""
    fd, path = tempfile.mkstemp(prefix="fsync-probe-")
    try:
        t = time.perf_counter()
        for _ in range(20):
            os.write(fd, b"x" * 512)
            os.fsync(fd)
        fsync_ms = (time.perf_counter() - t) / 20 * 1000
    finally:
        os.close(fd)
        os.unlink(path)
    return {"load_avg_1m": round(os.getloadavg()[0], 2), "fsync_ms": round(fsync_ms, 2)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tickets", type=int, default=10_000, help="full-speed run (default 10000)")
    ap.add_argument("--batch", type=int, default=50, help="reports per transaction at full speed (default 50)")
    ap.add_argument("--rate", type=float, default=100.0, help="steady rate, tickets/s (default 100)")
    ap.add_argument("--steady-s", type=float, default=30.0, help="steady run length (default 30 s)")
    ap.add_argument("--memory-tickets", type=int, default=100_000, help="tickets through the server for memory")
    ap.add_argument("--crop-kb", type=float, default=8.0, help="evidence crop size (default 8 KB)")
    ap.add_argument("--frame-kb", type=float, default=32.0, help="full frame size (default 32 KB)")
    ap.add_argument("--memory-crop-kb", type=float, default=2.0, help="evidence crop in the memory run (default 2 KB)")
    ap.add_argument("--memory-frame-kb", type=float, default=8.0,
                    help="full frame in the memory run (default 8 KB: 100,000 tickets stay about 1 GB on disk)")
    ap.add_argument("--quick", action="store_true", help="short run: 3000 tickets, 10 s steady, 10000 for memory")
    ap.add_argument("--skip-memory", action="store_true")
    ap.add_argument("--partner-no-files", action="store_true",
                    help="the partner keeps tickets in feed.sqlite only (feed --no-files), not also as files")
    args = ap.parse_args()
    if args.partner_no_files:
        PARTNER_FLAGS.append("--no-files")
    if args.quick:
        args.tickets, args.steady_s, args.memory_tickets = 3000, 10.0, 10_000
    reports = Reports(args.crop_kb, args.frame_kb)
    result = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
              "machine_before": machine_state(),
              "evidence_bytes_per_ticket": reports.evidence_bytes, "curve": True, "agency": AGENCY,
              "partner": "waterpatrol feed " + " ".join(["--quiet", *PARTNER_FLAGS])}
    with tempfile.TemporaryDirectory(prefix="tickets-bench-") as tmp:
        tmp = Path(tmp)
        key_dir = tmp / "keys"
        for name in ("server", "fisheries", "water_police", "city_management", "environment", "traffic_police"):
            keys.new_keypair(name, key_dir)
        result.update(phase_inprocess(tmp, key_dir, args, reports))
        if not args.skip_memory:
            result["memory"] = phase_memory(tmp, key_dir, args, reports)
    result["machine_after"] = machine_state()
    result["targets"] = {"acknowledged_per_s_min": 2000, "steady_p99_ms_max": 50, "server_rss_mb_max": 200}
    result["targets_met"] = {
        "throughput": result["throughput"]["acknowledged_per_s"] >= 2000,
        "steady_p99": result["steady"]["commit_to_ack_p99_ms"] < 50,
        "memory": None if args.skip_memory else result["memory"]["server_rss_mb_max"] < 200}
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
