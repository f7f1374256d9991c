"""Share sorties among drones so the last one lands as early as possible (makespan)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Schedule:
    drone_of: list[int]            # per sortie, 0-based drone
    start_s: list[float]           # per sortie, scheduled takeoff
    end_s: list[float]             # per sortie, scheduled landing
    makespan_s: float


def _load(durs: list[float], turnaround: float) -> float:
    return sum(durs) + turnaround * max(len(durs) - 1, 0)


def assign(durations: list[float], drones: int, turnaround_s: float) -> Schedule:
    """Longest-first onto the least-loaded drone, then moves and swaps while the makespan drops."""
    n = len(durations)
    drones = max(1, min(drones, max(n, 1)))
    bins: list[list[int]] = [[] for _ in range(drones)]
    for i in sorted(range(n), key=lambda i: (-durations[i], i)):
        d = min(range(drones), key=lambda d: (_load([durations[j] for j in bins[d]] + [durations[i]], turnaround_s), d))
        bins[d].append(i)

    def loads():
        return [_load([durations[j] for j in b], turnaround_s) for b in bins]

    improved = True
    while improved:
        improved = False
        ld = loads()
        worst = max(range(drones), key=lambda d: ld[d])
        for i in list(bins[worst]):
            for d in range(drones):
                if d == worst:
                    continue
                trial = [list(b) for b in bins]
                trial[worst].remove(i)
                trial[d].append(i)
                new = [_load([durations[j] for j in b], turnaround_s) for b in trial]
                if max(new) < max(ld) - 1e-6:
                    bins, improved = trial, True
                    break
                for k in bins[d]:
                    trial = [list(b) for b in bins]
                    trial[worst].remove(i)
                    trial[worst].append(k)
                    trial[d].remove(k)
                    trial[d].append(i)
                    new = [_load([durations[j] for j in b], turnaround_s) for b in trial]
                    if max(new) < max(ld) - 1e-6:
                        bins, improved = trial, True
                        break
                if improved:
                    break
            if improved:
                break

    drone_of = [0] * n
    start = [0.0] * n
    end = [0.0] * n
    for d, b in enumerate(bins):
        t = 0.0
        for k, i in enumerate(sorted(b)):
            if k:
                t += turnaround_s
            drone_of[i], start[i] = d, t
            t += durations[i]
            end[i] = t
    return Schedule(drone_of, start, end, max(end) if end else 0.0)
