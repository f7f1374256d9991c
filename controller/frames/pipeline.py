"""The frame pipeline: frames from a source handed, with their pose, to hooks on a worker thread.

Detection and tickets plug in as hooks. When the hooks are slower than the frames, the oldest
waiting frames are dropped (and counted) rather than the newest: a patrol cares about now.
"""
from __future__ import annotations

import collections
import logging
import threading
from typing import Callable

from .frame import Frame
from .source import FrameSource

log = logging.getLogger("waterpatrol.frames")
Hook = Callable[[Frame], None]


class FramePipeline:
    def __init__(self, source: FrameSource, hooks: list[Hook] | None = None, backlog: int = 8):
        self.source = source
        self.hooks = list(hooks or [])
        self._q: collections.deque[Frame] = collections.deque(maxlen=backlog)
        self._cv = threading.Condition()
        self._stop = threading.Event()
        self.dropped = 0
        self.processed = 0
        self.errors: list[str] = []
        self.per_drone: dict[int, int] = {}
        self.last_time: dict[int, float] = {}
        self._threads = [threading.Thread(target=self._receive, name="frames-rx", daemon=True),
                         threading.Thread(target=self._work, name="frames-work", daemon=True)]

    def add_hook(self, hook: Hook) -> None:
        self.hooks.append(hook)

    def start(self) -> "FramePipeline":
        for t in self._threads:
            t.start()
        return self

    def _receive(self) -> None:
        while not self._stop.is_set():
            frame = self.source.next(0.2)
            if frame is None:
                continue
            with self._cv:
                if len(self._q) == self._q.maxlen:
                    self.dropped += 1
                self._q.append(frame)
                self._cv.notify()

    def _work(self) -> None:
        while not self._stop.is_set():
            with self._cv:
                while not self._q and not self._stop.is_set():
                    self._cv.wait(0.2)
                if self._stop.is_set():
                    return
                frame = self._q.popleft()
            for hook in self.hooks:
                try:
                    hook(frame)
                except Exception as exc:  # one bad frame or hook must not stop the patrol's eyes
                    msg = f"vehicle {frame.drone} frame {frame.seq}: {exc.__class__.__name__}: {exc}"
                    self.errors.append(msg)
                    del self.errors[:-50]
                    log.warning("frame hook failed: %s", msg)
            self.processed += 1
            self.per_drone[frame.drone] = self.per_drone.get(frame.drone, 0) + 1
            self.last_time[frame.drone] = frame.pose.time_s

    def drain(self, timeout_s: float = 10.0) -> None:
        """Wait until queued frames are processed (at the end of a patrol)."""
        import time
        deadline = time.monotonic() + timeout_s
        while self._q and time.monotonic() < deadline:
            time.sleep(0.05)

    def stop(self) -> None:
        self._stop.set()
        with self._cv:
            self._cv.notify_all()
        for t in self._threads:
            t.join(2)
        self.source.close()

    @property
    def backlog(self) -> int:
        return len(self._q)

    @property
    def stats(self) -> dict:
        return {**self.source.stats, "processed": self.processed, "dropped_backlog": self.dropped,
                "per_drone": dict(self.per_drone), "hook_errors": len(self.errors)}
