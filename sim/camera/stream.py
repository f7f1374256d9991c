"""The camera payload: renders what each vehicle sees and publishes it over ZeroMQ (docs/frames.md).

`on_pose` runs on the simulator's thread after every physics step; it only decides whether a frame
is due (every 1/fps simulated seconds) and queues the pose. One worker thread per endpoint renders,
encodes and publishes, for every vehicle of the process that films the same world, through one PUB
socket. When the worker falls behind (a high --speedup), `on_pose` waits for room in the queue, so
the simulated clock slows down rather than frames being lost: in lockstep the camera is part of
the simulation. Only after a long stall (BLOCK_S) is a frame dropped, and counted.
"""
from __future__ import annotations

import json
import math
import queue
import threading
from dataclasses import dataclass, field

from missions.errors import UserError
from sim.pose import Pose

from .conditions import Conditions
from .effects import encode_jpeg
from .metadata import frame_metadata
from .model import Intrinsics
from .render import Renderer, view_of_pose
from .scene import Scene

MIN_ALT_M = 1.0      # no frames while the vehicle sits on its dock
BLOCK_S = 30.0       # longest the simulator waits for the camera before a frame is dropped
QUEUE_FRAMES = 2


def topic(sysid: int) -> bytes:
    """Per-vehicle topic; fixed width, so subscribing to one vehicle never matches another by prefix."""
    return b"frame/%03d" % sysid


class FramePublisher:
    """A bound ZeroMQ PUB socket sending [topic, metadata JSON, JPEG] messages (one thread only)."""

    def __init__(self, endpoint: str, hwm: int = 64):
        import zmq
        self.endpoint = endpoint
        self.ctx = zmq.Context.instance()
        self.sock = self.ctx.socket(zmq.PUB)
        self.sock.setsockopt(zmq.SNDHWM, hwm)
        self.sock.setsockopt(zmq.LINGER, 200)
        try:
            self.sock.bind(endpoint)
        except zmq.ZMQError as exc:
            self.sock.close(0)
            raise UserError(f"--frames {endpoint}: cannot bind ({exc.strerror})") from None
        self.endpoint = self.sock.getsockopt_string(zmq.LAST_ENDPOINT) or endpoint

    def send(self, meta: dict, jpeg: bytes) -> None:
        self.sock.send_multipart([topic(meta["vehicle"]), json.dumps(meta, separators=(",", ":")).encode(), jpeg],
                                 copy=False)

    def close(self) -> None:
        self.sock.close()


@dataclass
class _Job:
    pose: Pose
    seq: int


@dataclass
class CameraStats:
    rendered: int = 0
    dropped: int = 0
    render_s: float = 0.0
    encode_s: float = 0.0
    per_vehicle: dict = field(default_factory=dict)


class CameraService:
    """Renders and publishes the frames of every vehicle that films one world through one endpoint."""

    def __init__(self, site, world, endpoint: str, jpeg_quality: int = 85, conditions: Conditions | None = None):
        self.site, self.world = site, world
        self.K = Intrinsics.of_site(site)
        self.scene = Scene(site, world)
        self.renderer = Renderer(self.scene, self.K)
        self.cond = conditions or Conditions.from_environment(world.environment, seed=world.seed)
        self.quality = int(jpeg_quality)
        self.publisher = FramePublisher(endpoint)
        self.endpoint = self.publisher.endpoint
        self.queue: queue.Queue = queue.Queue(maxsize=QUEUE_FRAMES)
        self.stats = CameraStats()
        self.users = 0
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="camera", daemon=True)
        self._thread.start()

    def submit(self, pose: Pose, seq: int) -> bool:
        try:
            self.queue.put(_Job(pose, seq), timeout=BLOCK_S)
            return True
        except queue.Full:
            self.stats.dropped += 1
            return False

    def _run(self) -> None:
        import time
        from dataclasses import replace
        while True:
            job = self.queue.get()
            if job is None:
                break
            if isinstance(job, _Flush):
                job.done.set()
                continue
            try:
                t0 = time.perf_counter()
                pose = job.pose
                film = pose if pose.true_lat is None else replace(
                    pose, lat=pose.true_lat, lon=pose.true_lon,
                    alt_home_m=pose.true_alt_home_m if pose.true_alt_home_m is not None else pose.alt_home_m)
                view = view_of_pose(film, self.K, self.scene.frame)
                cond = replace(self.cond, seed=(self.cond.seed * 1000003 + job.seq) & 0x7FFFFFFF)
                img = self.renderer.render(view, cond).image
                t1 = time.perf_counter()
                jpeg = encode_jpeg(img, self.quality)
                t2 = time.perf_counter()
                meta = frame_metadata(pose, job.seq, self.K, len(jpeg), self.quality, self.site.info.water_level_m,
                                      self.site.name, self.world.name)
                self.publisher.send(meta, jpeg)
                self.stats.rendered += 1
                self.stats.render_s += t1 - t0
                self.stats.encode_s += t2 - t1
                self.stats.per_vehicle[pose.vehicle] = self.stats.per_vehicle.get(pose.vehicle, 0) + 1
            except Exception as exc:  # a bad pose must not kill the camera for the rest of the flight
                import sys
                print(f"camera: frame {job.seq} of vehicle {job.pose.vehicle} failed: {exc!r}", file=sys.stderr)

    def drain(self, timeout: float = 30.0) -> bool:
        """Wait until every frame queued so far is published (tests, benchmarks)."""
        done = threading.Event()
        self.queue.put(_Flush(done), timeout=timeout)
        return done.wait(timeout)

    def acquire(self) -> "CameraService":
        with self._lock:
            self.users += 1
        return self

    def release(self) -> None:
        with self._lock:
            self.users -= 1
            last = self.users <= 0
        if last:
            self.close()

    def close(self) -> None:
        if self._thread.is_alive():
            self.queue.put(None)
            self._thread.join(timeout=BLOCK_S)
        self.publisher.close()
        _SERVICES.pop(self.endpoint, None)


class _Flush:
    def __init__(self, done: threading.Event):
        self.done = done


_SERVICES: dict[str, CameraService] = {}
_SERVICES_LOCK = threading.Lock()


def shared_service(site, world, endpoint: str, jpeg_quality: int = 85) -> CameraService:
    """The service for an endpoint, started on first use: vehicles of one process share a socket."""
    with _SERVICES_LOCK:
        svc = _SERVICES.get(endpoint)
        if svc is None:
            svc = CameraService(site, world, endpoint, jpeg_quality)
            _SERVICES[endpoint] = svc
        return svc.acquire()


class CameraPayload:
    """The Payload riding on one vehicle: frames every 1/fps simulated seconds while airborne."""

    def __init__(self, service: CameraService, sysid: int, fps: float = 1.0):
        if not (fps > 0 and math.isfinite(fps)):
            raise UserError(f"--fps {fps}: must be a positive number of frames per simulated second")
        self.service, self.sysid, self.fps = service, sysid, float(fps)
        self.next_due = 0.0
        self.seq = 0
        self.closed = False

    def on_pose(self, pose: Pose) -> None:
        if self.closed or pose.time_s + 1e-9 < self.next_due:
            return
        self.next_due = (math.floor(pose.time_s * self.fps + 1e-9) + 1) / self.fps
        if pose.alt_home_m < MIN_ALT_M:
            return
        self.service.submit(pose, self.seq)
        self.seq += 1

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.service.release()
