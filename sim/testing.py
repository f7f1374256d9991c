"""Helpers for flying the simulator from tests: a runner on free ports in a background thread, a
pymavlink ground station that sends its heartbeats in simulated time, and waits that fail with
what was last seen instead of hanging.

The controller's tests can use these too; they touch the vehicle only through MAVLink sockets
(the runner object is exposed for fault injection and for reading the truth in assertions).
"""
from __future__ import annotations

import os
import threading
import time
from contextlib import contextmanager

os.environ.setdefault("MAVLINK20", "1")

from pymavlink import mavutil  # noqa: E402

from .runner import RunConfig, SimRunner  # noqa: E402
from .vehicle.boot import BootTimeline  # noqa: E402


class RunningSim:
    """A SimRunner on its own thread; stop() (or leaving the `with`) ends it and closes its sockets."""

    def __init__(self, runner: SimRunner):
        self.runner = runner
        self._stop = threading.Event()
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="sim", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self.runner.run(stop=self._stop)
        except BaseException as exc:   # surfaced by stop(): a test must see a crashed simulator
            self.error = exc

    @property
    def endpoints(self):
        return self.runner.endpoints()

    def url(self, sysid: int = 1) -> str:
        return self.runner.endpoints()[sysid - 1].tcp

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        self.runner.close()
        if self.error is not None:
            raise self.error


@contextmanager
def running_sim(site, speedup: float = 50.0, boot_s: float = 41.0, **config):
    """`with running_sim(site) as sim:` a simulator on free local ports, stopped afterwards."""
    cfg = RunConfig(speedup=speedup, base_port=0, boot=BootTimeline(boot_s), **config)
    sim = RunningSim(SimRunner(site, cfg))
    try:
        yield sim
    finally:
        sim.stop()


class Gcs:
    """A pymavlink ground station (sysid 255) whose heartbeats follow simulated time."""

    def __init__(self, url: str, speedup: float, sysid: int = 255, heartbeat_period_s: float = 1.0):
        self.conn = mavutil.mavlink_connection(url, source_system=sysid, source_component=190, autoreconnect=False)
        self.speedup = speedup
        self.period = heartbeat_period_s
        self._beating = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._hb = threading.Thread(target=self._pump, daemon=True)
        self._hb.start()
        self.texts: list[str] = []

    # heartbeats ----------------------------------------------------------------------------------
    def heartbeats(self, on: bool) -> None:
        (self._beating.set if on else self._beating.clear)()

    def _pump(self) -> None:
        while not self._stop.is_set():
            if self._beating.is_set():
                self.send("heartbeat_send", mavutil.mavlink.MAV_TYPE_GCS, mavutil.mavlink.MAV_AUTOPILOT_INVALID, 0, 0, 0)
            self._stop.wait(self.period / max(self.speedup, 1e-3))

    def send(self, method: str, *args) -> None:
        with self._lock:
            getattr(self.conn.mav, method)(*args)

    def close(self) -> None:
        self._stop.set()
        self._hb.join(timeout=2)
        self.conn.close()

    # receiving -----------------------------------------------------------------------------------
    def recv(self, types=None, timeout: float = 5.0, condition=None):
        """The next message of `types` (satisfying `condition`), or AssertionError after `timeout` wall seconds."""
        deadline = time.monotonic() + timeout
        last = None
        if isinstance(types, str):
            types = [types]
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {types} within {timeout:g} s (last: {last}; texts: {self.texts[-5:]})")
            msg = self.conn.recv_match(blocking=True, timeout=min(left, 0.2))
            if msg is None:
                continue
            mtype = msg.get_type()
            if mtype == "STATUSTEXT":
                self.texts.append(msg.text)
            if types is not None and mtype not in types:
                continue
            last = msg
            if condition is None or condition(msg):
                return msg

    def text(self, contains: str, timeout: float = 5.0) -> str:
        """Wait for a STATUSTEXT containing `contains` (including ones already received)."""
        for t in self.texts:
            if contains in t:
                return t
        return self.recv("STATUSTEXT", timeout, lambda m: contains in m.text).text

    def drain(self) -> None:
        while self.conn.recv_match(blocking=False) is not None:
            pass

    def command(self, command: int, *params: float, timeout: float = 5.0):
        """COMMAND_LONG to the vehicle; returns its COMMAND_ACK."""
        p = list(params) + [0.0] * (7 - len(params))
        self.send("command_long_send", 1, 1, command, 0, *p)
        return self.recv("COMMAND_ACK", timeout, lambda m: m.command == command)

    def request_streams(self, rate_hz: int) -> None:
        self.send("request_data_stream_send", 1, 1, mavutil.mavlink.MAV_DATA_STREAM_ALL, rate_hz, 1)

    def set_mode(self, number: int):
        return self.command(mavutil.mavlink.MAV_CMD_DO_SET_MODE, 1, number)

    def set_param(self, name: str, value: float, timeout: float = 5.0):
        self.send("param_set_send", 1, 1, name.encode(), value, mavutil.mavlink.MAV_PARAM_TYPE_REAL32)
        return self.recv("PARAM_VALUE", timeout, lambda m: m.param_id == name)


@contextmanager
def connected_gcs(sim: RunningSim, speedup: float, sysid: int = 255, vehicle: int = 1):
    """`with connected_gcs(sim, speedup) as g:` a beating Gcs that has heard the vehicle once."""
    g = Gcs(sim.url(vehicle), speedup, sysid=sysid)
    try:
        g.heartbeats(True)
        g.recv("HEARTBEAT")
        yield g
    finally:
        g.close()


def wait_sim_time(sim: RunningSim, t: float, timeout: float = 60.0) -> None:
    """Block until the simulator's clock reaches t simulated seconds."""
    deadline = time.monotonic() + timeout
    while sim.runner.sim_time < t:
        if time.monotonic() > deadline:
            raise AssertionError(f"simulated time stuck at {sim.runner.sim_time:.1f} s (waiting for {t} s)")
        if not sim.alive:
            raise AssertionError(f"simulator stopped: {sim.error!r}")
        time.sleep(0.002)
