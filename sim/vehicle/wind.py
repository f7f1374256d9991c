"""Wind: a steady wind, turbulence around it, and gusts scheduled by fault injection.

Follows the SITL's SIM_WIND_SPD / SIM_WIND_DIR (direction the wind comes FROM, degrees) /
SIM_WIND_TURB (turbulence amplitude, m/s). Turbulence is a first-order Gauss-Markov process per
axis, drawn from the vehicle's seeded generator, so a run is repeatable.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass

TURBULENCE_TAU_S = 2.0


@dataclass
class Gust:
    start_s: float
    end_s: float
    speed_mps: float
    from_deg: float

    def vector(self, t: float) -> tuple[float, float]:
        """Raised-cosine envelope: a gust builds and fades rather than switching."""
        if not self.start_s <= t <= self.end_s:
            return 0.0, 0.0
        span = max(1e-3, self.end_s - self.start_s)
        k = 0.5 - 0.5 * math.cos(2.0 * math.pi * (t - self.start_s) / span)
        to = math.radians(self.from_deg + 180.0)
        return k * self.speed_mps * math.cos(to), k * self.speed_mps * math.sin(to)


class Wind:
    def __init__(self, rng: random.Random):
        self._rng = rng
        self.speed = 0.0
        self.from_deg = 180.0
        self.turbulence = 0.0
        self._tn = self._te = 0.0
        self.gusts: list[Gust] = []
        self.n = self.e = 0.0   # wind now, blowing toward north / east (m/s)

    def set_steady(self, speed: float | None = None, from_deg: float | None = None,
                   turbulence: float | None = None) -> None:
        if speed is not None:
            self.speed = max(0.0, speed)
        if from_deg is not None:
            self.from_deg = from_deg
        if turbulence is not None:
            self.turbulence = max(0.0, turbulence)

    def add_gust(self, gust: Gust) -> None:
        self.gusts.append(gust)

    def update(self, t: float, dt: float) -> tuple[float, float]:
        to = math.radians(self.from_deg + 180.0)
        n = self.speed * math.cos(to)
        e = self.speed * math.sin(to)
        if self.turbulence > 0.0:
            a = dt / TURBULENCE_TAU_S
            s = self.turbulence * math.sqrt(2.0 * a)
            self._tn += -a * self._tn + s * self._rng.gauss(0.0, 1.0)
            self._te += -a * self._te + s * self._rng.gauss(0.0, 1.0)
            n += self._tn
            e += self._te
        if self.gusts:
            self.gusts = [g for g in self.gusts if g.end_s >= t]
            for g in self.gusts:
                gn, ge = g.vector(t)
                n += gn
                e += ge
        self.n, self.e = n, e
        return n, e

    @property
    def speed_now(self) -> float:
        return math.hypot(self.n, self.e)
