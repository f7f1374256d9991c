"""Live progress of a sortie: distance flown and left, ETA, battery now and projected at landing."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from missions.energy import FlightModel
from missions.geo import LocalFrame
from missions.plan import MAV_CMD_NAV_LOITER_TURNS, MAV_CMD_NAV_RETURN_TO_LAUNCH, NAV_COMMANDS, MissionItem


@dataclass
class Progress:
    current: int | None
    total: int
    flown_m: float
    left_m: float
    eta_s: float           # vehicle seconds to landing
    battery_pct: float | None
    landing_pct: float | None  # projected at landing if the sortie is flown to the end
    home_pct: float | None     # projected at landing if it turned home now


class SortieGeometry:
    """Positions of a sortie's items in metres, for remaining-distance sums."""

    def __init__(self, items: list[MissionItem], frame: LocalFrame, home: tuple[float, float]):
        self.items = items
        self.frame = frame
        self.home = np.asarray(frame.to_xy(*home))
        self.nav = [i for i, it in enumerate(items) if it.command in NAV_COMMANDS and i >= 2
                    and it.command != MAV_CMD_NAV_RETURN_TO_LAUNCH]
        self.xy = {i: np.asarray(frame.to_xy(items[i].lat, items[i].lon)) for i in self.nav}

    def left_m(self, current: int | None, pos_xy: np.ndarray) -> float:
        rest = [i for i in self.nav if current is None or i >= current]
        d, p = 0.0, pos_xy
        for i in rest:
            it = self.items[i]
            d += float(np.hypot(*(self.xy[i] - p)))
            if it.command == MAV_CMD_NAV_LOITER_TURNS:
                d += 2 * math.pi * abs(it.param3) * max(it.param1, 1)
            p = self.xy[i]
        return d + float(np.hypot(*(self.home - p)))


class BatteryWatch:
    """Battery drain per vehicle second, measured, never assumed better than the plan's model."""

    def __init__(self, model: FlightModel, window_s: float = 120.0):
        self.model = model
        self.nominal = 100.0 / model.vehicle.endurance_s  # % per second at cruise
        self.samples: list[tuple[float, float]] = []
        self.window = window_s

    def observe(self, boot_s: float | None, pct: float | None) -> None:
        if boot_s is None or pct is None:
            return
        if self.samples and boot_s < self.samples[-1][0]:
            self.samples.clear()
        self.samples.append((boot_s, pct))
        while self.samples and boot_s - self.samples[0][0] > self.window:
            self.samples.pop(0)

    @property
    def rate(self) -> float:
        if len(self.samples) >= 2:
            (t0, p0), (t1, p1) = self.samples[0], self.samples[-1]
            if t1 - t0 >= 30.0:
                return max(self.nominal, (p0 - p1) / (t1 - t0))
        return self.nominal

    def projection(self, pct: float | None, seconds: float) -> float | None:
        return None if pct is None else pct - self.rate * seconds


def progress(geom: SortieGeometry, model: FlightModel, watch: BatteryWatch, current: int | None,
             pos_latlon: tuple[float, float] | None, flown_m: float, pct: float | None) -> Progress:
    if pos_latlon is None:
        return Progress(current, len(geom.items), flown_m, 0.0, 0.0, pct, None, None)
    p = np.asarray(geom.frame.to_xy(*pos_latlon))
    left = geom.left_m(current, p)
    home = float(np.hypot(*(geom.home - p)))
    eta = model.cruise_s(left) + model.land_s()
    return Progress(current, len(geom.items), flown_m, left, eta, pct,
                    watch.projection(pct, eta), watch.projection(pct, model.home_s(home) + model.land_s()))
