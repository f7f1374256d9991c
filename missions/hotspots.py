"""Hotspot tour: orbit each dumping or fishing hotspot, higher priority first, shortest way within a priority."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from .transit import Transit


@dataclass(frozen=True)
class Orbit:
    hotspot: str
    kind: str
    center: tuple[float, float]
    radius_m: float  # as ArduCopter will fly it (see `ardupilot_radius`)
    turns: int
    rank: int        # 0 = high priority

    def entry_from(self, pos) -> tuple[float, float]:
        """ArduCopter's LOITER_TURNS first flies to the circle's edge nearest the vehicle."""
        dx, dy = pos[0] - self.center[0], pos[1] - self.center[1]
        d = math.hypot(dx, dy)
        if d < 1e-6:
            return (self.center[0] + self.radius_m, self.center[1])
        return (self.center[0] + dx / d * self.radius_m, self.center[1] + dy / d * self.radius_m)


def ardupilot_radius(radius_m: float) -> float:
    """AP_Mission stores a copter loiter radius in one byte: whole metres up to 255, tens of metres above."""
    if radius_m <= 255:
        return float(max(1, int(radius_m)))
    return float(min(2550, int(radius_m / 10) * 10))


def tour(orbits: list[Orbit], start, transit: Transit) -> list[int]:
    """Visiting order: never a lower priority before a higher one; shortest path otherwise (OR-Tools)."""
    n = len(orbits)
    if n <= 1:
        return list(range(n))
    pts = [tuple(start)] + [o.center for o in orbits]
    d = np.zeros((n + 2, n + 2))
    for i in range(n + 1):
        for j in range(1, n + 1):
            if i != j:
                d[i, j] = transit.distance(pts[i], pts[j])
    penalty = 10.0 * (d.max() + 1.0) * (n + 1)
    for i in range(1, n + 1):
        for j in range(1, n + 1):
            if orbits[j - 1].rank < orbits[i - 1].rank:
                d[i, j] += penalty  # going back up in priority
    m = np.rint(d).astype(np.int64)
    m[:, 0] = 0
    m[n + 1, :] = 0
    m[0, n + 1] = int(penalty) * 10
    manager = pywrapcp.RoutingIndexManager(n + 2, 1, [0], [n + 1])
    routing = pywrapcp.RoutingModel(manager)
    cb = routing.RegisterTransitMatrix(m.tolist())
    routing.SetArcCostEvaluatorOfAllVehicles(cb)
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GREEDY_DESCENT
    sol = routing.SolveWithParameters(params)
    order, idx = [], routing.Start(0)
    while not routing.IsEnd(idx):
        node = manager.IndexToNode(idx)
        if 1 <= node <= n:
            order.append(node - 1)
        idx = sol.Value(routing.NextVar(idx))
    return order
