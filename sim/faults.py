"""Faults injected into a simulated vehicle: from a scenario file at set simulated times, or at
run time (Python `SimRunner.inject`, or any ground station setting the SIM_* parameters).

Each fault is expressed through the same SIM_* parameters ArduPilot's SITL uses where one exists
(SIM_WIND_*, SIM_GPS1_ENABLE, SIM_GPS1_GLTCH_*), plus waterpatrol's SIM_BATT_SAG, SIM_LINK_LOSS
and SIM_LINK_OUT, so a scenario, a test and a ground station all act on one knob. A fault with a
duration puts the knob back as it found it when the duration ends.

Scenario file (YAML or JSON):

    faults:
      - {at: 60, fault: wind, speed_mps: 8, direction_deg: 270, turbulence_mps: 2}
      - {at: 120, fault: gps_loss, duration: 20}
      - {at: 200, vehicle: 2, fault: gps_glitch, north_m: 40, east_m: 0, duration: 15}
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from missions.errors import UserError

from .vehicle.geo import M_PER_DEG
from .vehicle.wind import Gust

# kind -> (required keys, optional keys with defaults)
KINDS: dict[str, tuple[tuple[str, ...], dict[str, float]]] = {
    "wind": ((), {"speed_mps": 0.0, "direction_deg": 180.0, "turbulence_mps": 0.0}),
    "gust": (("speed_mps",), {"direction_deg": 180.0}),
    "gps_loss": ((), {}),
    "gps_glitch": ((), {"north_m": 0.0, "east_m": 0.0, "up_m": 0.0}),
    "battery_sag": (("volts",), {}),
    "battery_level": (("percent",), {}),
    "link_outage": ((), {}),
    "packet_loss": (("percent",), {}),
    "param": (("name", "value"), {}),
}
HELP = {
    "wind": "steady wind (speed_mps, direction_deg it blows FROM, turbulence_mps)",
    "gust": "one gust (speed_mps, direction_deg), 5 s unless duration is given",
    "gps_loss": "the GPS loses its fix (EKF dead-reckons, then stops aiding: EKF failsafe)",
    "gps_glitch": "the GPS position jumps (north_m, east_m, up_m)",
    "battery_sag": "the battery voltage drops by volts (battery failsafe by voltage)",
    "battery_level": "the battery is suddenly at percent remaining (battery failsafe by capacity)",
    "link_outage": "every MAVLink message is lost both ways for duration seconds",
    "packet_loss": "percent of MAVLink messages are lost both ways",
    "param": "set any parameter (name, value), e.g. FS_GCS_ENABLE",
}
_COMMON = {"at", "fault", "vehicle", "duration"}


@dataclass(frozen=True)
class Fault:
    kind: str
    values: dict = field(default_factory=dict)
    duration_s: float | None = None

    def __post_init__(self):
        if self.kind not in KINDS:
            raise UserError(f"unknown fault '{self.kind}' (one of: {', '.join(KINDS)})")


@dataclass(frozen=True)
class ScheduledFault:
    at_s: float
    fault: Fault
    vehicle: int | None = None     # sysid, None: every vehicle


def _number(value, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise UserError(f"{where}: expected a number, got {value!r}")
    return float(value)


def parse_scenario(data, source: str = "<faults>") -> list[ScheduledFault]:
    """Validate a scenario document; every mistake is named with its file and event number."""
    if not isinstance(data, dict) or set(data) != {"faults"} or not isinstance(data["faults"], list):
        raise UserError(f"{source}: expected a mapping with one key 'faults' holding a list of events")
    out = []
    for i, ev in enumerate(data["faults"], start=1):
        where = f"{source}: fault {i}"
        if not isinstance(ev, dict):
            raise UserError(f"{where}: expected a mapping like {{at: 60, fault: gps_loss}}")
        kind = ev.get("fault")
        if kind not in KINDS:
            raise UserError(f"{where}: 'fault' must be one of {', '.join(KINDS)} (got {kind!r})")
        if "at" not in ev:
            raise UserError(f"{where}: missing 'at' (simulated seconds after boot)")
        at = _number(ev["at"], f"{where}.at")
        if at < 0:
            raise UserError(f"{where}.at: must be >= 0")
        required, optional = KINDS[kind]
        unknown = set(ev) - _COMMON - set(required) - set(optional)
        if unknown:
            raise UserError(f"{where}: unknown key(s) {', '.join(sorted(unknown))} for fault '{kind}'")
        missing = [k for k in required if k not in ev]
        if missing:
            raise UserError(f"{where}: fault '{kind}' needs {', '.join(missing)}")
        values: dict = dict(optional)
        for k in list(required) + list(optional):
            if k in ev:
                values[k] = ev[k] if (kind == "param" and k == "name") else _number(ev[k], f"{where}.{k}")
        if kind == "param" and not isinstance(values["name"], str):
            raise UserError(f"{where}.name: expected a parameter name")
        duration = None
        if "duration" in ev:
            duration = _number(ev["duration"], f"{where}.duration")
            if duration <= 0:
                raise UserError(f"{where}.duration: must be > 0")
        if kind == "link_outage" and duration is None:
            raise UserError(f"{where}: fault 'link_outage' needs duration")
        vehicle = ev.get("vehicle", "all")
        if vehicle == "all":
            vehicle = None
        elif isinstance(vehicle, bool) or not isinstance(vehicle, int) or not 1 <= vehicle <= 255:
            raise UserError(f"{where}.vehicle: expected a system id 1..255 or 'all'")
        out.append(ScheduledFault(at, Fault(kind, values, duration), vehicle))
    return sorted(out, key=lambda s: s.at_s)


def load_scenario(path: Path) -> list[ScheduledFault]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UserError(f"--faults {path}: cannot read ({exc.strerror})") from None
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        raise UserError(f"{path}: not valid {'JSON' if path.suffix == '.json' else 'YAML'} ({str(exc).splitlines()[0]})") from None
    return parse_scenario(data, str(path))


class FaultInjector:
    """Applies faults to one copter, and undoes those with a duration when it ends."""

    def __init__(self, copter, scheduled: list[ScheduledFault] = ()):
        self.copter = copter
        self._pending = [s for s in scheduled if s.vehicle in (None, copter.sysid)]
        self._restores: list[tuple[float, dict[str, float]]] = []
        self.log: list[tuple[float, str]] = []

    def update(self, t: float) -> None:
        while self._pending and self._pending[0].at_s <= t:
            self.apply(self._pending.pop(0).fault)
        if self._restores:
            keep = []
            for end, saved in self._restores:
                if end <= t:
                    for name, value in saved.items():
                        self.copter.params.set(name, value)
                    self.log.append((t, "restored " + ", ".join(saved)))
                else:
                    keep.append((end, saved))
            self._restores = keep

    def _set(self, values: dict[str, float]) -> dict[str, float]:
        p = self.copter.params
        saved = {name: p[name] for name in values}
        for name, value in values.items():
            if p.set(name, value) is None:
                raise UserError(f"fault: unknown parameter {name}")
        return saved

    def apply(self, fault: Fault) -> None:
        c = self.copter
        v = fault.values
        t = c.t
        self.log.append((t, fault.kind))
        if fault.kind == "gust":
            c.wind.add_gust(Gust(t, t + (fault.duration_s or 5.0), v["speed_mps"], v["direction_deg"]))
            return
        if fault.kind == "battery_level":
            cap = c.battery.capacity_mah
            c.battery.consumed_mah = max(c.battery.consumed_mah, cap * (1.0 - min(100.0, max(0.0, v["percent"])) / 100.0))
            return
        lat_scale = M_PER_DEG
        lon_scale = M_PER_DEG * math.cos(math.radians(c.geo.lat0))
        values = {
            "wind": lambda: {"SIM_WIND_SPD": v["speed_mps"], "SIM_WIND_DIR": v["direction_deg"],
                             "SIM_WIND_TURB": v["turbulence_mps"]},
            "gps_loss": lambda: {"SIM_GPS1_ENABLE": 0},
            "gps_glitch": lambda: {"SIM_GPS1_GLTCH_X": v["north_m"] / lat_scale,
                                   "SIM_GPS1_GLTCH_Y": v["east_m"] / lon_scale, "SIM_GPS1_GLTCH_Z": v["up_m"]},
            "battery_sag": lambda: {"SIM_BATT_SAG": v["volts"]},
            "link_outage": lambda: {"SIM_LINK_OUT": fault.duration_s or 0.0},
            "packet_loss": lambda: {"SIM_LINK_LOSS": v["percent"]},
            "param": lambda: {str(v["name"]): v["value"]},
        }[fault.kind]()
        saved = self._set(values)
        if fault.duration_s and fault.kind != "link_outage":
            self._restores.append((t + fault.duration_s, saved))
