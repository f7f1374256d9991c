"""Where frames come from. Two kinds: the SITL's ZeroMQ stream, and any OpenCV video source."""
from __future__ import annotations

from typing import Protocol

from .frame import Frame


class FrameSource(Protocol):
    def next(self, timeout_s: float) -> Frame | None:
        """The next frame, or None if none came within the timeout."""

    def close(self) -> None:
        ...

    @property
    def stats(self) -> dict:
        """Counters a person can read: received, rejected (with the last reason), gaps."""
