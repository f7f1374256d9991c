"""A payload rides on a simulated vehicle and is told its pose after every physics step (simulated time).

The SITL vehicle knows nothing of cameras; the world-and-camera stage plugs in through this.
"""
from __future__ import annotations

from typing import Protocol

from .pose import Pose


class Payload(Protocol):
    def on_pose(self, pose: Pose) -> None:
        """Called by the simulator's thread after each step; must return quickly (hand heavy work off)."""

    def close(self) -> None:
        """Called once when the simulator stops."""
