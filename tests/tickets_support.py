"""Helpers for the ticket tests: real JPEGs, real keys, a real server and real partner clients on 127.0.0.1."""
from __future__ import annotations

import io
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

from PIL import Image

from controller.tickets import keys
from controller.tickets.client import FeedClient, Identity
from controller.tickets.feedstore import FeedStore
from controller.tickets.report import AnomalyReport

from .conftest import EXAMPLES

JINJI = EXAMPLES / "jinji.yaml"
AGENCIES = ("fisheries", "water_police", "city_management", "environment", "traffic_police")
# Places in the Jinji Lake example: open water, the dumping hotspot, the fishing hotspot.
OPEN_WATER = (31.3105, 120.6905)
DUMP_SITE = (31.2988, 120.6968)
EAST_BAY = (31.3195, 120.7030)
NOON = datetime(2026, 6, 1, 4, 0, tzinfo=timezone.utc)  # 12:00 in Suzhou
_jpegs: dict[tuple, bytes] = {}


def jpeg(seed: int = 0, size: int = 32) -> bytes:
    """A small real JPEG; a different seed gives different bytes."""
    key = (seed, size)
    if key not in _jpegs:
        img = Image.new("RGB", (size, size), ((seed * 37) % 256, (seed * 91) % 256, (seed * 13) % 256))
        img.putpixel((seed % size, (seed // size) % size), (255, 255, 255))
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=80, comment=f"waterpatrol test {seed}".encode())
        _jpegs[key] = buf.getvalue()
    return _jpegs[key]


def report(kind: str = "fishing_net", where=OPEN_WATER, *, anomaly_id: str | None = None, seen: datetime = NOON,
           sightings: int = 3, confidence: float = 0.92, status: str = "new", seed: int = 0, **kw) -> AnomalyReport:
    return AnomalyReport(
        anomaly_id=anomaly_id or str(uuid.uuid4()), kind=kind, lat=where[0], lon=where[1], uncertainty_m=6.0,
        first_seen=seen - timedelta(minutes=2), last_seen=seen, sightings=sightings, confidence=confidence,
        model_version="wp-yolo-test", drone="wp1", mission="m-test", crop_jpeg=jpeg(seed), frame_jpeg=jpeg(seed + 1, 64),
        status=status, **kw)


def make_keys(folder: Path, names=("server",) + AGENCIES) -> Path:
    for name in names:
        keys.new_keypair(name, folder)
    return folder


def identity(key_dir: Path, agency: str, server_key_dir: Path | None = None) -> Identity:
    public, secret = keys.load_secret(keys.paths(key_dir, agency)[1])
    server_public = keys.load_public(keys.paths(server_key_dir or key_dir, "server")[0])
    return Identity(agency, public, secret, server_public)


class Partner:
    """A partner's feed client running in a thread, storing into its own folder."""

    def __init__(self, endpoint: str, ident: Identity, folder: Path, **kw):
        self.store_path = folder
        self.seen: list[tuple[int, str, int]] = []  # (seq, ticket id, version) of every new ticket version
        self.events: list[str] = []
        self.stop_event = threading.Event()
        self.error: BaseException | None = None
        store = FeedStore(folder, mirror=kw.pop("mirror", True))
        self.client = FeedClient(endpoint, ident, store, on_ticket=self._on_ticket, on_event=self.events.append,
                                 heartbeat_s=kw.pop("heartbeat_s", 0.5), **kw)
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _on_ticket(self, stored) -> None:
        self.seen.append((stored.seq, stored.ticket["id"], stored.ticket["version"]))

    def _run(self) -> None:
        try:
            self.client.run(self.stop_event)
        except BaseException as exc:  # noqa: BLE001 - the test asserts on it
            self.error = exc
        finally:
            self.client.store.close()

    def __enter__(self) -> "Partner":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        self.stop_event.set()
        self.thread.join(10)

    def wait_for(self, n: int, timeout: float = 20.0) -> bool:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if len(self.seen) >= n or self.error is not None:
                return len(self.seen) >= n
            time.sleep(0.02)
        return False

    def ids(self) -> list[str]:
        return [tid for _, tid, _ in self.seen]


def wait_until(predicate, timeout: float = 20.0, step: float = 0.02) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(step)
    return predicate()
