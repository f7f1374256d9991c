"""One vehicle over one MAVLink connection string: dronekit owns the socket, we add the rest.

dronekit (package dronekit2) keeps vehicle state, modes and arming. On top of it this adds what a
patrol controller needs: raw-message listeners that survive reconnects, waiters for request/reply
exchanges, GCS heartbeats at a rate that keeps the vehicle's GCS failsafe quiet whatever its clock
speed, and a watchdog that notices a silent link and reconnects with backoff.
"""
from __future__ import annotations

import contextlib
import io
import logging
import math
import queue
import socket
import threading
import time
from typing import Any, Callable, Iterator

from pymavlink import mavutil

from .clock import VehicleClock
from .errors import LinkLost, VehicleError

log = logging.getLogger("waterpatrol.link")

GCS_SYSID = 255  # ArduPilot's SYSID_MYGCS default: only its heartbeats keep the GCS failsafe quiet
HEARTBEAT_VEHICLE_S = 1.0  # one GCS heartbeat per second of vehicle time
MAX_HEARTBEAT_HZ = 50.0
LINK_TIMEOUT_VEHICLE_S = 3.0
LINK_TIMEOUT_MIN_WALL_S = 0.3  # scheduling jitter on a busy host; the vehicle-time limit rules otherwise
STALE_VEHICLE_S = 15.0
STALE_MIN_WALL_S = 3.0
BACKOFF_S = (0.5, 1.0, 2.0, 4.0, 8.0, 10.0)

Listener = Callable[[Any], None]
EventSink = Callable[[str, str], None]


class Waiter:
    """Collects messages of some types until taken; register before sending the request."""

    def __init__(self, types: set[str]):
        self.types = types
        self.q: queue.Queue = queue.Queue()

    def get(self, timeout_wall: float, match: Callable[[Any], bool] | None = None):
        deadline = time.monotonic() + timeout_wall
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            try:
                msg = self.q.get(timeout=left)
            except queue.Empty:
                return None
            if match is None or match(msg):
                return msg


def _describe_connect_failure(conn: str, exc: BaseException) -> str:
    text = str(exc) or exc.__class__.__name__
    if isinstance(exc, ConnectionRefusedError) or "refused" in text.lower():
        return f"{conn}: connection refused (is the vehicle or simulator running, and is the port right?)"
    if isinstance(exc, FileNotFoundError) or "No such file" in text:
        return f"{conn}: no such device"
    if isinstance(exc, PermissionError):
        return f"{conn}: permission denied (add yourself to the dialout group for serial ports)"
    if isinstance(exc, (socket.gaierror,)):
        return f"{conn}: unknown host"
    if "heartbeat" in text.lower() or "timeout" in text.lower():
        return f"{conn}: no heartbeat from a vehicle (is this a MAVLink port, and is the vehicle on?)"
    return f"{conn}: cannot connect ({text})"


class Link:
    def __init__(self, conn: str, *, name: str = "", events: EventSink | None = None,
                 connect_timeout_s: float = 30.0, stream_rate_hz: int = 4):
        self.conn = conn
        self.name = name or conn
        self.events = events or (lambda kind, detail: None)
        self.connect_timeout_s = connect_timeout_s
        self.stream_rate_hz = stream_rate_hz
        self.clock = VehicleClock()
        self.vehicle = None
        self.target_system = 1
        self.target_component = 1
        self._listeners: dict[str, list[Listener]] = {}
        self._waiters: list[Waiter] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._last_hb_rx = 0.0
        self._lost = False
        self._threads: list[threading.Thread] = []
        self.reconnects = 0

    # ---- opening and closing -------------------------------------------------------------------
    def open(self) -> "Link":
        self._connect()
        for fn in (self._heartbeat_loop, self._watchdog_loop):
            t = threading.Thread(target=fn, name=f"{self.name}-{fn.__name__}", daemon=True)
            t.start()
            self._threads.append(t)
        return self

    def _connect(self) -> None:
        import dronekit  # dronekit2

        try:
            with contextlib.redirect_stdout(io.StringIO()):  # pymavlink prints each TCP retry
                v = dronekit.connect(self.conn, wait_ready=False, heartbeat_timeout=self.connect_timeout_s,
                                     source_system=GCS_SYSID, rate=self.stream_rate_hz)
        except dronekit.APIException as exc:
            raise VehicleError(_describe_connect_failure(self.conn, exc)) from None
        except OSError as exc:
            raise VehicleError(_describe_connect_failure(self.conn, exc)) from None
        except Exception as exc:  # pymavlink raises plain Exceptions for bad connection strings
            raise VehicleError(_describe_connect_failure(self.conn, exc)) from None
        v._heartbeat_error = 0  # our watchdog decides when the link is lost, not dronekit's fatal timer
        master = v._handler.master
        if isinstance(master, mavutil.mavtcp):
            # pymavlink prints "EOF on TCP socket" forever once the peer closes; end the reader instead,
            # and the watchdog opens a new connection with backoff
            master.handle_eof = master.handle_disconnect = _peer_closed
        v.add_message_listener("*", self._on_message)
        self.vehicle = v
        self.target_system = v._handler.target_system or 1
        self._last_hb_rx = time.monotonic()
        self._lost = False

    def close(self) -> None:
        self._stop.set()
        v, self.vehicle = self.vehicle, None
        if v is not None:
            _close_quietly(v)

    # ---- messages --------------------------------------------------------------------------------
    def _on_message(self, _vehicle, name: str, msg) -> None:
        if name == "BAD_DATA":
            return
        if msg.get_srcSystem() != self.target_system and name != "HEARTBEAT":
            return
        if name == "HEARTBEAT":
            if msg.type == mavutil.mavlink.MAV_TYPE_GCS or msg.autopilot == mavutil.mavlink.MAV_AUTOPILOT_INVALID:
                return
            if msg.get_srcSystem() != self.target_system:
                return
            self._last_hb_rx = time.monotonic()
            if self._lost:
                self._lost = False
                self.events("link_restored", f"heartbeats from {self.name} again")
        tb = getattr(msg, "time_boot_ms", None)
        if tb is not None and name in ("ATTITUDE", "GLOBAL_POSITION_INT", "SYSTEM_TIME"):
            self.clock.observe(tb)
        for fn in [*self._listeners.get(name, ()), *self._listeners.get("*", ())]:
            try:
                fn(msg)
            except Exception:  # a bad listener must not kill the link
                log.exception("listener for %s failed", name)
        with self._lock:
            waiters = list(self._waiters)
        for w in waiters:
            if name in w.types:
                w.q.put(msg)

    def on(self, msg_type: str, fn: Listener) -> None:
        """Call fn(msg) for every message of this type (or '*'), across reconnects."""
        self._listeners.setdefault(msg_type, []).append(fn)

    @contextlib.contextmanager
    def waiter(self, *types: str) -> Iterator[Waiter]:
        w = Waiter(set(types))
        with self._lock:
            self._waiters.append(w)
        try:
            yield w
        finally:
            with self._lock:
                self._waiters.remove(w)

    @property
    def mav(self):
        if self.vehicle is None:
            raise LinkLost(f"{self.name}: not connected")
        return self.vehicle._master.mav

    def send(self, build: Callable[[Any], Any]) -> None:
        """build(mav) sends one message, e.g. `lambda m: m.mission_count_send(...)`."""
        try:
            build(self.mav)
        except OSError as exc:
            raise LinkLost(f"{self.name}: send failed ({exc})") from None

    def wall(self, vehicle_s: float, floor_s: float = 0.2) -> float:
        return self.clock.wall(vehicle_s, floor_s)

    # ---- health ----------------------------------------------------------------------------------
    @property
    def heartbeat_age_s(self) -> float:
        return time.monotonic() - self._last_hb_rx

    @property
    def healthy(self) -> bool:
        return self.vehicle is not None and not self._lost

    def _heartbeat_loop(self) -> None:
        while not self._stop.is_set():
            # until the vehicle's clock rate is known, beat fast: a sped-up SITL would see a 1 Hz GCS as silent
            rate = self.clock.rate if self.clock.known else MAX_HEARTBEAT_HZ
            period = max(1.0 / MAX_HEARTBEAT_HZ, HEARTBEAT_VEHICLE_S / max(rate, 1.0))
            v = self.vehicle
            if v is not None and v._handler._alive:
                try:
                    v._master.mav.heartbeat_send(mavutil.mavlink.MAV_TYPE_GCS, mavutil.mavlink.MAV_AUTOPILOT_INVALID,
                                                 0, 0, mavutil.mavlink.MAV_STATE_ACTIVE)
                except Exception:
                    pass
            self._stop.wait(period)

    def _watchdog_loop(self) -> None:
        attempt = 0
        while not self._stop.wait(0.1):
            v = self.vehicle
            quiet = self.heartbeat_age_s > max(self.wall(LINK_TIMEOUT_VEHICLE_S), LINK_TIMEOUT_MIN_WALL_S)
            # silent for long: the socket may be stale (a radio bridge restarted); a fresh one costs nothing
            stale = self.heartbeat_age_s > max(self.wall(STALE_VEHICLE_S), STALE_MIN_WALL_S)
            dead = v is None or not v._handler._alive or stale
            if (dead or quiet) and not self._lost:
                self._lost = True
                self.events("link_lost", f"no heartbeat from {self.name} for {self.heartbeat_age_s:.1f} s")
            if not dead:
                attempt = 0
                continue
            # the socket is gone (TCP closed, serial unplugged): open a new one, backing off
            if v is not None:
                self.vehicle = None
                threading.Thread(target=_close_quietly, args=(v,), daemon=True).start()
            delay = BACKOFF_S[min(attempt, len(BACKOFF_S) - 1)]
            if self._stop.wait(delay):
                return
            attempt += 1
            try:
                self._connect()
                self.reconnects += 1
                self.events("reconnected", f"{self.name} after {attempt} attempt(s)")
                attempt = 0
            except VehicleError as exc:
                log.info("reconnect %d to %s failed: %s", attempt, self.name, exc)

    def wait_healthy(self, timeout_wall: float) -> bool:
        deadline = time.monotonic() + timeout_wall
        while time.monotonic() < deadline:
            if self.healthy:
                return True
            time.sleep(0.05)
        return self.healthy


def _peer_closed() -> None:
    raise ConnectionResetError("the vehicle closed the TCP connection")


def _close_quietly(v) -> None:
    try:
        v._handler._alive = False
        v._handler.out_queue = queue.Queue()
        v.close()
    except Exception:
        pass


def finite(x: float) -> bool:
    return x is not None and math.isfinite(x)
