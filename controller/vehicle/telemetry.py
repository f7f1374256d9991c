"""Telemetry: the vehicle's state as one consistent snapshot, plus the events a patrol cares about.

dronekit owns the connection and carries out mode changes, arming and takeoff (see `action`). The
snapshot is built here from the same messages dronekit parses, under one lock, so that a reader
never sees a position from one instant and a mode from another; it also keeps what dronekit does
not surface: MISSION_CURRENT, MISSION_ITEM_REACHED, STATUSTEXT and the raw EKF flags.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Callable

from pymavlink import mavutil

from .link import Link

COPTER_MODES = dict(mavutil.mode_mapping_acm)  # custom_mode -> name (STABILIZE 0, AUTO 3, GUIDED 4, RTL 6, LAND 9...)
MODE_NUMBERS = {v: k for k, v in COPTER_MODES.items()}

# EKF_STATUS_REPORT flags an ArduCopter needs before it will arm (attitude, velocity, position)
EKF_REQUIRED = (mavutil.mavlink.EKF_ATTITUDE | mavutil.mavlink.EKF_VELOCITY_HORIZ | mavutil.mavlink.EKF_POS_HORIZ_ABS
                | mavutil.mavlink.EKF_POS_VERT_ABS)


@dataclass
class Snapshot:
    time_wall: float = 0.0
    boot_s: float | None = None
    mode: str = "UNKNOWN"
    armed: bool = False
    system_status: int = 0
    lat: float | None = None
    lon: float | None = None
    alt_rel_m: float | None = None
    heading_deg: float | None = None
    groundspeed_mps: float = 0.0
    vn_mps: float = 0.0
    ve_mps: float = 0.0
    roll_deg: float = 0.0
    pitch_deg: float = 0.0
    yaw_deg: float = 0.0
    battery_pct: float | None = None
    voltage_v: float | None = None
    current_a: float | None = None
    gps_fix: int = 0
    satellites: int = 0
    ekf_flags: int = 0
    home: tuple[float, float] | None = None
    mission_current: int | None = None
    last_reached: int | None = None
    link_ok: bool = True
    heartbeat_age_s: float = 0.0

    @property
    def ekf_ok(self) -> bool:
        return (self.ekf_flags & EKF_REQUIRED) == EKF_REQUIRED and not (self.ekf_flags & mavutil.mavlink.EKF_UNINITIALIZED)


@dataclass
class StatusText:
    severity: int
    text: str
    time_wall: float = field(default_factory=time.monotonic)


class Telemetry:
    def __init__(self, link: Link):
        self.link = link
        self._snap = Snapshot()
        self._lock = threading.Lock()
        self.texts: list[StatusText] = []
        self._reached_cbs: list[Callable[[int], None]] = []
        self._text_cbs: list[Callable[[StatusText], None]] = []
        self._mode_cbs: list[Callable[[str, str], None]] = []
        link.on("HEARTBEAT", self._heartbeat)
        link.on("GLOBAL_POSITION_INT", self._position)
        link.on("ATTITUDE", self._attitude)
        link.on("SYS_STATUS", self._sys_status)
        link.on("BATTERY_STATUS", self._battery)
        link.on("GPS_RAW_INT", self._gps)
        link.on("EKF_STATUS_REPORT", self._ekf)
        link.on("HOME_POSITION", self._home)
        link.on("MISSION_CURRENT", self._current)
        link.on("MISSION_ITEM_REACHED", self._reached)
        link.on("STATUSTEXT", self._text)
        link.on("VFR_HUD", self._hud)

    # ---- listeners (dronekit's reader thread) ------------------------------------------------------
    def _heartbeat(self, m) -> None:
        if m.type == mavutil.mavlink.MAV_TYPE_GCS or m.get_srcSystem() != self.link.target_system:
            return
        mode = COPTER_MODES.get(m.custom_mode, f"MODE{m.custom_mode}")
        with self._lock:
            old = self._snap.mode
            self._snap.mode = mode
            self._snap.armed = bool(m.base_mode & mavutil.mavlink.MAV_MODE_FLAG_SAFETY_ARMED)
            self._snap.system_status = m.system_status
        if old != mode:
            for cb in self._mode_cbs:
                cb(old, mode)

    def _position(self, m) -> None:
        with self._lock:
            s = self._snap
            s.lat, s.lon = m.lat / 1e7, m.lon / 1e7
            s.alt_rel_m = m.relative_alt / 1000.0
            s.vn_mps, s.ve_mps = m.vx / 100.0, m.vy / 100.0
            s.heading_deg = None if m.hdg == 65535 else m.hdg / 100.0
            s.boot_s = m.time_boot_ms / 1000.0

    def _attitude(self, m) -> None:
        import math
        with self._lock:
            self._snap.roll_deg, self._snap.pitch_deg = math.degrees(m.roll), math.degrees(m.pitch)
            self._snap.yaw_deg = math.degrees(m.yaw) % 360

    def _sys_status(self, m) -> None:
        with self._lock:
            if m.voltage_battery != 65535:
                self._snap.voltage_v = m.voltage_battery / 1000.0
            if m.current_battery >= 0:
                self._snap.current_a = m.current_battery / 100.0
            if m.battery_remaining >= 0:
                self._snap.battery_pct = float(m.battery_remaining)

    def _battery(self, m) -> None:
        with self._lock:
            if m.battery_remaining >= 0:
                self._snap.battery_pct = float(m.battery_remaining)

    def _gps(self, m) -> None:
        with self._lock:
            self._snap.gps_fix, self._snap.satellites = m.fix_type, m.satellites_visible

    def _ekf(self, m) -> None:
        with self._lock:
            self._snap.ekf_flags = m.flags

    def _home(self, m) -> None:
        with self._lock:
            self._snap.home = (m.latitude / 1e7, m.longitude / 1e7)

    def _current(self, m) -> None:
        with self._lock:
            self._snap.mission_current = m.seq

    def _reached(self, m) -> None:
        with self._lock:
            self._snap.last_reached = m.seq
        for cb in self._reached_cbs:
            cb(m.seq)

    def _text(self, m) -> None:
        text = m.text.decode("utf-8", "replace") if isinstance(m.text, bytes) else str(m.text)
        st = StatusText(m.severity, text.rstrip("\x00"))
        self.texts.append(st)
        del self.texts[:-200]
        for cb in self._text_cbs:
            cb(st)

    def _hud(self, m) -> None:
        with self._lock:
            self._snap.groundspeed_mps = m.groundspeed

    # ---- public ----------------------------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        with self._lock:
            s = Snapshot(**self._snap.__dict__)
        s.time_wall = time.monotonic()
        s.link_ok = self.link.healthy
        s.heartbeat_age_s = self.link.heartbeat_age_s
        return s

    def on_reached(self, cb: Callable[[int], None]) -> None:
        self._reached_cbs.append(cb)

    def on_text(self, cb: Callable[[StatusText], None]) -> None:
        self._text_cbs.append(cb)

    def on_mode(self, cb: Callable[[str, str], None]) -> None:
        self._mode_cbs.append(cb)

    def texts_since(self, t_wall: float) -> list[StatusText]:
        return [t for t in self.texts if t.time_wall >= t_wall]

    def request_rates(self, rates_hz: dict[str, float]) -> None:
        """SET_MESSAGE_INTERVAL for the messages this controller reads (in vehicle time)."""
        for name, hz in rates_hz.items():
            msg_id = getattr(mavutil.mavlink, f"MAVLINK_MSG_ID_{name}")
            self.link.send(lambda mav, i=msg_id, h=hz: mav.command_long_send(
                self.link.target_system, self.link.target_component, mavutil.mavlink.MAV_CMD_SET_MESSAGE_INTERVAL,
                0, i, 1e6 / h, 0, 0, 0, 0, 0))
