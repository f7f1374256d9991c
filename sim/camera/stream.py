"""The camera payload: renders what each vehicle sees and publishes it over ZeroMQ (docs/frames.md).

`on_pose` runs on the simulator's thread after every physics step; it only decides whether a frame
is due (every 1/fps simulated seconds) and queues the pose. One service per endpoint renders,
encodes and publishes, for every vehicle of the process that films the same world, through one PUB
socket: on a thread, or on worker processes (the simulator's own Python thread then keeps its core,
and two workers use two cores), publishing in order. When rendering falls behind (a high
--speedup), `on_pose` waits for room in the queue, so the simulated clock slows down rather than
frames being lost: in lockstep the camera is part of the simulation. Only after a long stall
(BLOCK_S) is a frame dropped, and counted.
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


class Camera:
    """Renders and encodes one frame from a pose: what every render worker holds."""

    def __init__(self, site, world, cond: Conditions, quality: int):
        self.site, self.world, self.cond, self.quality = site, world, cond, int(quality)
        self.K = Intrinsics.of_site(site)
        self.scene = Scene(site, world)
        self.renderer = Renderer(self.scene, self.K)

    def shoot(self, pose: Pose, seq: int) -> tuple[dict, bytes, float, float]:
        import time
        from dataclasses import replace
        t0 = time.perf_counter()
        film = pose if pose.true_lat is None else replace(
            pose, lat=pose.true_lat, lon=pose.true_lon,
            alt_home_m=pose.true_alt_home_m if pose.true_alt_home_m is not None else pose.alt_home_m)
        view = view_of_pose(film, self.K, self.scene.frame)
        cond = replace(self.cond, seed=(self.cond.seed * 1000003 + seq) & 0x7FFFFFFF)
        img = self.renderer.render(view, cond).image
        t1 = time.perf_counter()
        jpeg = encode_jpeg(img, self.quality)
        t2 = time.perf_counter()
        meta = frame_metadata(pose, seq, self.K, len(jpeg), self.quality, self.site.info.water_level_m,
                              self.site.name, self.world.name)
        return meta, jpeg, t1 - t0, t2 - t1


_WORKER: Camera | None = None


def _orphan_watch(parent: int) -> None:
    """End this render process when the simulator is gone (killed, or stopped before it could shut the pool)."""
    import os
    import time
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


def _init_worker(site, world, cond, quality) -> None:
    """A render process: one core each (OpenCV's own threads would only fight the other workers)."""
    import os
    import threading

    import cv2

    from . import textures
    global _WORKER
    threading.Thread(target=_orphan_watch, args=(os.getppid(),), daemon=True).start()
    cv2.setNumThreads(1)
    _WORKER = Camera(site, world, cond, quality)
    textures.waves(), textures.land(), textures.broad()


def _ready(hold_s: float) -> bool:
    import time
    time.sleep(hold_s)      # held a moment, so that each worker of the pool gets one of these
    return _WORKER is not None


def _shoot_in_worker(pose: Pose, seq: int):
    return _WORKER.shoot(pose, seq)


class CameraService:
    """Renders and publishes the frames of every vehicle that films one world through one endpoint.

    workers = 0 renders on a thread of this process; workers = N on N processes (spawned, so
    the simulator's threads and sockets are not inherited), frames still published in order."""

    def __init__(self, site, world, endpoint: str, jpeg_quality: int = 85, conditions: Conditions | None = None,
                 workers: int = 0):
        self.site, self.world = site, world
        self.K = Intrinsics.of_site(site)
        self.cond = conditions or Conditions.from_environment(world.environment, seed=world.seed)
        self.quality = int(jpeg_quality)
        self.workers = int(workers)
        self.publisher = FramePublisher(endpoint)
        self.endpoint = self.publisher.endpoint
        self.camera: Camera | None = None
        self.pool = None
        if self.workers > 0:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor
            self.pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                            initializer=_init_worker, initargs=(site, world, self.cond, self.quality))
            # start every worker now (scene, textures: seconds), not while the simulated clock waits for frames
            for f in [self.pool.submit(_ready, 0.3) for _ in range(self.workers)]:
                f.result(timeout=300)
        else:
            self.camera = Camera(site, world, self.cond, self.quality)
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

    def _publish(self, job: _Job, result) -> None:
        try:
            meta, jpeg, t_render, t_encode = result() if callable(result) else result.result(timeout=BLOCK_S)
        except Exception as exc:  # a bad pose must not kill the camera for the rest of the flight
            import sys
            print(f"camera: frame {job.seq} of vehicle {job.pose.vehicle} failed: {exc!r}", file=sys.stderr)
            return
        self.publisher.send(meta, jpeg)
        st = self.stats
        st.rendered += 1
        st.render_s += t_render
        st.encode_s += t_encode
        st.per_vehicle[meta["vehicle"]] = st.per_vehicle.get(meta["vehicle"], 0) + 1

    def _run(self) -> None:
        from collections import deque
        inflight: deque = deque()
        limit = 2 * max(self.workers, 1)
        while True:
            try:   # with frames in flight, wake up now and then to publish the finished ones
                job = self.queue.get(timeout=0.01 if inflight else None)
            except queue.Empty:
                while inflight and inflight[0][1].done():
                    self._publish(*inflight.popleft())
                continue
            if job is None or isinstance(job, _Flush):
                while inflight:
                    self._publish(*inflight.popleft())
                if job is None:
                    break
                job.done.set()
                continue
            if self.pool is None:
                self._publish(job, lambda j=job: self.camera.shoot(j.pose, j.seq))
                continue
            try:
                inflight.append((job, self.pool.submit(_shoot_in_worker, job.pose, job.seq)))
            except Exception as exc:  # a broken pool (a worker killed): say so, keep the simulator going
                import sys
                self.stats.dropped += 1
                print(f"camera: frame {job.seq} of vehicle {job.pose.vehicle} not rendered: {exc!r}", file=sys.stderr)
            while len(inflight) >= limit or (inflight and inflight[0][1].done()):
                self._publish(*inflight.popleft())

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
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
        self.publisher.close()
        _SERVICES.pop(self.endpoint, None)


class _Flush:
    def __init__(self, done: threading.Event):
        self.done = done


_SERVICES: dict[str, CameraService] = {}
_SERVICES_LOCK = threading.Lock()


def shared_service(site, world, endpoint: str, jpeg_quality: int = 85, workers: int = 0) -> CameraService:
    """The service for an endpoint, started on first use: vehicles of one process share a socket."""
    with _SERVICES_LOCK:
        svc = _SERVICES.get(endpoint)
        if svc is None:
            svc = CameraService(site, world, endpoint, jpeg_quality, workers=workers)
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
