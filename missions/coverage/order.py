"""Order the cells of one area, and choose how each is flown, for the shortest path (OR-Tools)."""
from __future__ import annotations

import itertools
import math

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from ..transit import Transit

EXACT_UP_TO = 4  # cells; above this OR-Tools searches, below it every order is tried


def _dist_matrix(a: np.ndarray, b: np.ndarray, transit: Transit) -> np.ndarray:
    d = np.hypot(a[:, None, 0] - b[None, :, 0], a[:, None, 1] - b[None, :, 1])
    if not transit.empty:
        for i in range(len(a)):
            clear = transit.clear_from(b, tuple(a[i]))
            for j in np.flatnonzero(~clear):
                d[i, j] = transit.distance(tuple(a[i]), tuple(b[j]))
    return d


def order_cells(variants: list[list[np.ndarray]], start: np.ndarray, end: np.ndarray,
                transit: Transit, time_limit_s: float = 2.0) -> list[tuple[int, int]]:
    """[(cell, variant)] in flying order; each variant is a waypoint array (entry first, exit last)."""
    n_cells = len(variants)
    if n_cells == 0:
        return []
    keys = [(c, v) for c in range(n_cells) for v in range(len(variants[c]))]
    entry = np.array([variants[c][v][0] for c, v in keys])
    exit_ = np.array([variants[c][v][-1] for c, v in keys])
    inner = np.array([float(np.hypot(*np.diff(variants[c][v], axis=0).T).sum()) if len(variants[c][v]) > 1 else 0.0
                      for c, v in keys])
    between = _dist_matrix(exit_, entry, transit)
    from_start = _dist_matrix(start[None], entry, transit)[0]
    to_end = _dist_matrix(exit_, end[None], transit)[:, 0]

    def cost(seq: list[int]) -> float:
        total = from_start[seq[0]] + inner[seq[0]]
        for a, b in zip(seq, seq[1:]):
            total += between[a, b] + inner[b]
        return total + to_end[seq[-1]]

    by_cell = [[i for i, (c, _) in enumerate(keys) if c == cell] for cell in range(n_cells)]
    if n_cells <= EXACT_UP_TO:
        best, best_cost = None, math.inf
        for perm in itertools.permutations(range(n_cells)):
            for choice in itertools.product(*(by_cell[c] for c in perm)):
                c = cost(list(choice))
                if c < best_cost:
                    best, best_cost = list(choice), c
        return [keys[i] for i in best]

    greedy = _greedy(by_cell, from_start, between, inner)
    solved = _ortools(keys, by_cell, from_start, between, to_end, inner, time_limit_s)
    seq = min((s for s in (greedy, solved) if s), key=cost)
    return [keys[i] for i in seq]


def _greedy(by_cell, from_start, between, inner) -> list[int]:
    left = set(range(len(by_cell)))
    seq: list[int] = []
    while left:
        row = from_start if not seq else between[seq[-1]]
        best = min(((row[i] + 1e-6 * inner[i], i, c) for c in left for i in by_cell[c]))
        seq.append(best[1])
        left.discard(best[2])
    return seq


def _ortools(keys, by_cell, from_start, between, to_end, inner, time_limit_s) -> list[int] | None:
    n = len(keys)
    depot, sink = n, n + 1
    scale = 10.0  # decimetres

    m = np.zeros((n + 2, n + 2))
    m[:n, :n] = between + inner[None, :]
    m[depot, :n] = from_start + inner
    m[:n, sink] = to_end
    m = np.rint(m * scale).astype(np.int64)
    manager = pywrapcp.RoutingIndexManager(n + 2, 1, [depot], [sink])
    routing = pywrapcp.RoutingModel(manager)
    cb = routing.RegisterTransitMatrix(m.tolist())
    routing.SetArcCostEvaluatorOfAllVehicles(cb)
    big = int(1e12)
    for members in by_cell:
        routing.AddDisjunction([manager.NodeToIndex(i) for i in members], big, 1)
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GREEDY_DESCENT
    params.time_limit.FromMilliseconds(int(time_limit_s * 1000))
    sol = routing.SolveWithParameters(params)
    if sol is None:
        return None
    seq, idx = [], routing.Start(0)
    while not routing.IsEnd(idx):
        node = manager.IndexToNode(idx)
        if node < n:
            seq.append(node)
        idx = sol.Value(routing.NextVar(idx))
    return seq if len(seq) == len(by_cell) else None
