"""A LiPo pack whose draw follows the flight and whose voltage sags under load.

Current is a multiple of hover current set by airspeed (a quadcopter's U-shaped power curve:
translational lift helps up to ~8 m/s, parasite drag dominates beyond), tilt (thrust ratio) and
climb. Hover current is calibrated from the site's vehicle profile so a full pack hovers for
`endurance_s`: cruising at 8-12 m/s in still air costs ~16% less than hovering, so the planner's
time-based battery figures stay a little conservative in calm air, and a strong headwind (which
raises airspeed, and power with its cube) eats into the margin as it would on the lake.
Terminal voltage is the open-circuit voltage at the state of charge, minus current times internal
resistance, minus any injected sag. Unlike ArduPilot's default SITL battery (constant voltage),
this one discharges; SIM_BATT_VOLTAGE still sets the full-charge voltage, so lowering it at run
time drops the voltage at once, as autotests do to trigger a failsafe.
"""
from __future__ import annotations

import math

# LiPo open-circuit voltage per cell against state of charge
_OCV = ((0.0, 3.27), (0.05, 3.61), (0.10, 3.69), (0.15, 3.71), (0.20, 3.73), (0.30, 3.77), (0.40, 3.79),
        (0.50, 3.82), (0.60, 3.87), (0.70, 3.92), (0.80, 3.98), (0.90, 4.06), (1.00, 4.20))
CELL_FULL_V = 4.20
R_CELL_OHM = 0.02
IDLE_A = 0.6          # electronics and motors at spin-armed


def _ocv_exact(soc: float) -> float:
    soc = min(1.0, max(0.0, soc))
    for (s0, v0), (s1, v1) in zip(_OCV, _OCV[1:]):
        if soc <= s1:
            return v0 + (v1 - v0) * (soc - s0) / (s1 - s0)
    return _OCV[-1][1]


_OCV_TABLE = [_ocv_exact(i / 1000.0) for i in range(1001)]   # every step looks this up


def ocv_per_cell(soc: float) -> float:
    if soc <= 0.0:
        return _OCV_TABLE[0]
    if soc >= 1.0:
        return _OCV_TABLE[1000]
    return _OCV_TABLE[int(soc * 1000.0)]


def power_factor(airspeed: float, thrust_ratio: float, climb: float) -> float:
    """Electrical power relative to hover in still air."""
    a = airspeed / 6.0
    aero = 0.7 + 0.3 * math.exp(-a * a) + 0.00012 * airspeed * airspeed * airspeed
    vertical = 0.16 * climb if climb > 0.0 else 0.05 * climb
    f = aero * thrust_ratio * math.sqrt(thrust_ratio) + vertical
    return f if f > 0.2 else 0.2


class Battery:
    def __init__(self, capacity_mah: float, full_voltage: float, endurance_s: float):
        self.cells = max(1, round(full_voltage / CELL_FULL_V))
        self.full_voltage = full_voltage
        self.capacity_mah = capacity_mah                # what the pack really holds
        self.hover_a = capacity_mah / 1000.0 * 3600.0 / max(60.0, endurance_s) - IDLE_A
        self.consumed_mah = 0.0
        self.consumed_wh = 0.0
        self.current_a = 0.0
        self.voltage = full_voltage
        self.sag_v = 0.0

    @property
    def soc(self) -> float:
        s = 1.0 - self.consumed_mah / self.capacity_mah
        return s if s > 0.0 else 0.0

    @property
    def resistance(self) -> float:
        return R_CELL_OHM * self.cells

    def update(self, dt: float, spinning: bool, factor: float) -> None:
        i = (IDLE_A + self.hover_a * factor) if spinning else 0.0
        self.current_a = i
        v = (self.full_voltage / CELL_FULL_V) * ocv_per_cell(self.soc) - i * R_CELL_OHM * self.cells - self.sag_v
        self.voltage = v if v > 0.0 else 0.0
        self.consumed_mah += i * dt / 3.6
        self.consumed_wh += i * self.voltage * dt / 3600.0

    def resting_voltage(self) -> float:
        """Voltage with the load's sag added back (ArduPilot's sag-compensated estimate)."""
        return self.voltage + self.current_a * self.resistance
