"""N simulated vehicles on one lockstep clock, each with its own MAVLink endpoints.

One thread does everything (sockets, physics, protocols) in a fixed order, which is what makes a
run with a given seed repeatable and what lets the clock run hundreds of times faster than real
time: there are no locks and nothing waits on a client. Vehicle i (sysid i, from 1) listens on
TCP base_port + 10*(i-1) and on the same UDP port number (a client connects with
udpout:HOST:PORT; the vehicle answers whoever last sent to it).
"""
from __future__ import annotations

import selectors
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

from missions.errors import UserError

from .clock import LockstepClock
from .faults import Fault, FaultInjector, ScheduledFault
from .mavlink.gcs import VehicleMavlink
from .mavlink.transport import Link, accept, tcp_listener, udp_socket
from .vehicle.boot import BootTimeline
from .vehicle.copter import Copter, VehicleConfig

POLL_EVERY_S = 0.0005       # while running behind the clock, look at the sockets at most this often
PORT_STEP = 10


@dataclass(frozen=True)
class RunConfig:
    speedup: float = 1.0             # 0: as fast as possible
    vehicles: int = 1
    seed: int = 0
    host: str = "127.0.0.1"
    base_port: int = 5760            # 0: let the OS choose free ports (tests)
    udp: bool = True
    boot: BootTimeline = field(default_factory=BootTimeline)
    physics_hz: float = 50.0
    home_amsl_m: float = 5.0
    params: tuple[tuple[str, float], ...] = ()
    wait_for_gcs: bool = False       # hold the clock at 0 until a client connects (SITL's default)
    unix_start_s: float | None = None


@dataclass(frozen=True)
class Endpoint:
    sysid: int
    host: str
    tcp_port: int
    udp_port: int | None

    @property
    def tcp(self) -> str:
        return f"tcp:{self.host}:{self.tcp_port}"

    @property
    def udp(self) -> str | None:
        return f"udpout:{self.host}:{self.udp_port}" if self.udp_port else None


class _Vehicle:
    def __init__(self, copter: Copter, faults: FaultInjector, listener, udp):
        self.copter = copter
        self.mav = VehicleMavlink(copter)
        self.faults = faults
        self.listener = listener
        self.udp = udp
        self.udp_link: Link | None = None


class SimRunner:
    def __init__(self, site, config: RunConfig = RunConfig(), faults: list[ScheduledFault] = ()):
        self.site = site
        self.config = config
        self.clock = LockstepClock(1.0 / config.physics_hz, config.speedup)
        self.vehicles: list[_Vehicle] = []
        self._sel = selectors.DefaultSelector()
        self._connected = False
        self._closed = False
        self._lock = threading.Lock()
        self._commands: list[Callable[[], None]] = []
        unix_start = config.unix_start_s if config.unix_start_s is not None else time.time()
        lat, lon = site.info.home
        try:
            for i in range(config.vehicles):
                sysid = i + 1
                vcfg = VehicleConfig(sysid=sysid, home_lat=lat, home_lon=lon, home_amsl_m=config.home_amsl_m,
                                     water_level_m=site.info.water_level_m,
                                     endurance_s=site.vehicle.endurance_s, boot=config.boot, seed=config.seed,
                                     physics_hz=config.physics_hz, params=config.params, unix_start_s=unix_start)
                copter = Copter(vcfg)
                copter.params.set_internal("SIM_SPEEDUP", config.speedup)
                copter.params.set_internal("SIM_RATE_HZ", config.physics_hz)
                copter.params.on_change("SIM_SPEEDUP", self._speedup_param, persistent=True)
                port = config.base_port + PORT_STEP * i if config.base_port else 0
                listener = tcp_listener(config.host, port)
                udp = udp_socket(config.host, listener.getsockname()[1] if port == 0 else port) if config.udp else None
                v = _Vehicle(copter, FaultInjector(copter, faults), listener, udp)
                self.vehicles.append(v)
                self._sel.register(listener, selectors.EVENT_READ, ("accept", v, None))
                if udp is not None:
                    v.udp_link = Link(udp, f"udp:{sysid}", sysid, udp=True)
                    ch = v.mav.add_link(v.udp_link)
                    self._sel.register(udp, selectors.EVENT_READ, ("udp", v, ch))
        except OSError as exc:
            self.close()
            raise UserError(f"cannot listen on {config.host}:{config.base_port or 'any'} ({exc.strerror or exc})") from None

    # --- what a caller sees ------------------------------------------------------------------
    def endpoints(self) -> list[Endpoint]:
        out = []
        for v in self.vehicles:
            host, port = v.listener.getsockname()[:2]
            udp_port = v.udp.getsockname()[1] if v.udp is not None else None
            out.append(Endpoint(v.copter.sysid, host, port, udp_port))
        return out

    def copter(self, sysid: int) -> Copter:
        return self.vehicles[sysid - 1].copter

    @property
    def sim_time(self) -> float:
        return self.clock.now

    def _speedup_param(self, _name: str, value: float) -> None:
        """SIM_SPEEDUP set by a ground station changes the shared clock (as on ArduPilot's SITL)."""
        value = max(0.0, value)
        self.clock.set_speedup(value)
        for v in self.vehicles:
            v.copter.params.set_internal("SIM_SPEEDUP", value)

    def attach(self, sysid: int, payload) -> None:
        """A payload (the camera) told the pose of vehicle sysid after every physics step."""
        self.vehicles[sysid - 1].copter.payloads.append(payload)

    def inject(self, fault: Fault, vehicle: int | None = None) -> None:
        """Apply a fault now (thread-safe: it happens between two steps)."""
        def apply():
            for v in self.vehicles:
                if vehicle in (None, v.copter.sysid):
                    v.faults.apply(fault)
        self.call_soon(apply)

    def call_soon(self, fn: Callable[[], None]) -> None:
        """Run fn on the simulator's thread between two steps."""
        with self._lock:
            self._commands.append(fn)

    # --- the loop ----------------------------------------------------------------------------
    def run(self, stop: threading.Event | None = None, until_s: float | None = None,
            on_status: Callable[["SimRunner"], None] | None = None, status_every_s: float = 5.0) -> None:
        """Run until `stop` is set or simulated time reaches `until_s`."""
        clock = self.clock
        next_status = time.monotonic() + status_every_s
        last_poll = 0.0
        if not self.config.wait_for_gcs:
            clock.start()
        while not (stop is not None and stop.is_set()):
            if until_s is not None and clock.now >= until_s:
                break
            if self._commands:
                with self._lock:
                    cmds, self._commands = self._commands, []
                for fn in cmds:
                    fn()
            if not clock.started:
                self._poll(0.05)
                if self._connected:
                    clock.start()
                continue
            now = time.monotonic()
            wait = clock.wait_s()
            if wait > 1e-9:                     # ahead of the wall clock: serve the sockets meanwhile
                self._flush()
                self._poll(min(wait, 0.05))
                last_poll = time.monotonic()
                if not clock.due():
                    continue
            elif now - last_poll >= POLL_EVERY_S:
                self._flush()
                self._poll(0.0)
                last_poll = now
            self.step()
            if on_status is not None and now >= next_status:
                next_status = now + status_every_s
                on_status(self)
        self._flush()

    def step(self) -> None:
        """One lockstep tick for every vehicle (also usable without sockets, from a test)."""
        t = self.clock.advance()
        dt = self.clock.dt
        for v in self.vehicles:
            v.faults.update(t)
            v.copter.step(dt)
            v.mav.update()

    def _flush(self) -> None:
        for v in self.vehicles:
            v.mav.flush()
            if any(ch.link.closed and not ch.link.udp for ch in v.mav.channels):
                self._reap(v)

    def _reap(self, v: _Vehicle) -> None:
        """Forget TCP links that died (peer gone, send failed): selector, socket, channel."""
        for ch in v.mav.channels:
            link = ch.link
            if link.closed and not link.udp:
                try:
                    self._sel.unregister(link.sock)
                except (KeyError, ValueError):
                    pass
                try:
                    link.sock.close()
                except OSError:
                    pass
        v.mav.drop_closed()

    def _poll(self, timeout: float) -> None:
        for key, _ in self._sel.select(timeout):
            kind, v, ch = key.data
            if kind == "accept":
                conn = accept(key.fileobj)
                if conn is None:
                    continue
                link = Link(conn, f"tcp:{v.copter.sysid}", v.copter.sysid)
                new_ch = v.mav.add_link(link)
                self._sel.register(conn, selectors.EVENT_READ, ("tcp", v, new_ch))
                self._connected = True
            elif kind == "tcp":
                try:
                    data = key.fileobj.recv(65536)
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError:
                    data = b""
                if not data:
                    ch.link.close()
                    self._reap(v)
                    continue
                v.mav.receive(ch, data)
            else:
                try:
                    data, addr = key.fileobj.recvfrom(65536)
                except (BlockingIOError, InterruptedError, OSError):
                    continue
                ch.link.peer = addr
                self._connected = True
                v.mav.receive(ch, data)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for v in self.vehicles:
            for ch in v.mav.channels:
                ch.link.close()
            self._reap(v)
            for s in (v.listener, v.udp):
                if s is not None:
                    try:
                        self._sel.unregister(s)
                    except (KeyError, ValueError):
                        pass
                    s.close()
            for p in v.copter.payloads:
                p.close()
        self._sel.close()

    def __enter__(self) -> "SimRunner":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
