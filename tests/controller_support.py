"""Flying the controller against the SITL in tests: a simulator on free ports, a patrol, helpers to wait."""
from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from pathlib import Path

from controller.flight.drone import Settings
from controller.flight.patrol import Patrol
from missions.planner import plan_patrol
from missions.site import load_site
from sim.testing import running_sim

ROOT = Path(__file__).resolve().parents[1]
POND = ROOT / "tests" / "data" / "pond.yaml"
SPEEDUP = 30.0
BOOT_S = 20.0


def pond():
    return load_site(POND)


@contextmanager
def sim_for(site, vehicles: int = 1, speedup: float = SPEEDUP, **config):
    with running_sim(site, speedup=speedup, boot_s=BOOT_S, vehicles=vehicles, **config) as sim:
        yield sim


class Flight:
    """A Patrol running on its own thread, so the test can watch and meddle while it flies."""

    def __init__(self, site, sim, out: Path, drones: int = 1, settings: Settings | None = None, patterns=None):
        self.site = site
        self.plan = plan_patrol(site, drones=drones, patterns=patterns)
        self.patrol = Patrol(site, self.plan, [sim.url(k) for k in range(1, drones + 1)], out,
                             settings or Settings(overlap_m=20.0))
        self.outcome = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        try:
            self.outcome = self.patrol.run()
        except BaseException as exc:
            self.error = exc

    def start(self) -> "Flight":
        self.thread.start()
        return self

    def join(self, timeout: float = 240.0):
        self.thread.join(timeout)
        if self.thread.is_alive():
            self.patrol.request_abort()
            self.thread.join(60)
            raise AssertionError(f"patrol still running after {timeout:.0f} s: "
                                 f"{[(s.state, s.last_event) for s in self.patrol.statuses()]}")
        if self.error is not None:
            raise self.error
        return self.outcome

    def wait_for(self, cond, what: str, timeout: float = 120.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            st = self.patrol.statuses()
            if st and cond(st):
                return st
            if not self.thread.is_alive():
                raise AssertionError(f"patrol ended before {what}: {self.error or self.outcome}")
            time.sleep(0.02)
        raise AssertionError(f"timed out waiting for {what}: {[(s.state, s.mode, s.last_event) for s in self.patrol.statuses()]}")


def in_auto_past(item: int):
    return lambda st: st[0].mode == "AUTO" and st[0].progress is not None and (st[0].progress.current or 0) >= item
