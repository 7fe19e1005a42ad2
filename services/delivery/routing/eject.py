"""Route elimination by an ejection pool: the jobs a shorter fleet could not take are put in,
one at a time, each where it fits, or where it fits once one or two jobs are taken out (those
whose insertion failed least often), the ejected going back to the pool (Nagata and Bräysy,
"A powerful route minimization heuristic for the vehicle routing problem with time windows",
Operations Research Letters 37, 2009, without the squeeze). Hard windows only, in the model's
integers (`ortools_model.SCALE`, travel rounded up), so that a plan found here is one OR-Tools
accepts as a warm start.

Why: OR-Tools' moves keep every route feasible, and in tight windows (Solomon RC101) its search
accepts about one neighbour in 5,000; an attempt to empty a route converges with 2-5 jobs out
whatever the metaheuristic. Moving through plans with a job out, priced by how often that job
failed, is what route-minimisation heuristics do instead.
"""

from __future__ import annotations

import itertools
import math
import random
import time

from services.delivery.routing.model import Problem
from services.delivery.routing.ortools_model import SCALE

PERTURB_MOVES = 20  # random relocations tried after each ejection


class Fleet:
    """The problem's times, windows and loads in the model's integers, and the checks on them."""

    def __init__(self, problem: Problem, used: list[int]) -> None:
        jobs, vehicles = problem.jobs, [problem.vehicles[v] for v in used]
        self.node = [job.node for job in jobs]
        self.earliest = [job.earliest * SCALE for job in jobs]
        self.latest = [job.latest * SCALE for job in jobs]
        self.service = [job.service_s * SCALE for job in jobs]
        self.demand = [job.demand for job in jobs]
        self.travel = [[math.ceil(d * SCALE - 1e-6) for d in row] for row in problem.durations]
        self.distance = problem.distances
        self.start = [v.start for v in vehicles]
        self.end = [v.end for v in vehicles]
        self.ready = [v.available_at * SCALE for v in vehicles]
        self.capacity = [v.capacity for v in vehicles]

    def on_time(self, r: int, sequence: list[int]) -> bool:
        at, place = self.ready[r], self.start[r]
        for j in sequence:
            at = max(at + self.travel[place][self.node[j]], self.earliest[j])
            if at > self.latest[j]:
                return False
            at, place = at + self.service[j], self.node[j]
        return True

    def length(self, r: int, sequence: list[int]) -> float:
        """Vehicle `r`'s distance riding `sequence` from its start to its end."""
        nodes = [self.start[r], *(self.node[j] for j in sequence), self.end[r]]
        return sum(self.distance[p][q] for p, q in itertools.pairwise(nodes))

    def added(self, r: int, sequence: list[int], k: int, j: int) -> float:
        """Distance added by putting job `j` at position `k` of `sequence`."""
        nodes = [self.start[r], *(self.node[i] for i in sequence), self.end[r]]
        a, b, n = nodes[k], nodes[k + 1], self.node[j]
        return self.distance[a][n] + self.distance[n][b] - self.distance[a][b]


def repair(
    problem: Problem, routes: list[list[int]], used: list[int], *, until: float, seed: int = 0
) -> list[list[int]] | None:
    """`routes[v]` for the vehicles `used` (job indices), with every job of `problem` placed, or
    None if the pool is not empty by `until` (a `time.perf_counter()` instant)."""
    fleet = Fleet(problem, used)
    sequences = [list(routes[v]) for v in used]
    placed = {j for sequence in sequences for j in sequence}
    pool = [j for j in range(len(problem.jobs)) if j not in placed]
    failed = [1] * len(problem.jobs)
    rng = random.Random(seed)
    while pool:
        if time.perf_counter() >= until:
            return None
        j = pool.pop()
        if _insert(fleet, sequences, j):
            continue
        failed[j] += 1
        ejected = _insert_ejecting(fleet, sequences, j, failed, until)
        if ejected is None:
            pool.insert(0, j)  # not even with two out: try the others first
        else:
            pool += ejected
        _perturb(fleet, sequences, rng)
    found = [list(r) for r in routes]
    for v, sequence in zip(used, sequences, strict=True):
        found[v] = sequence
    return found


def _load(fleet: Fleet, sequence: list[int]) -> int:
    return sum(fleet.demand[j] for j in sequence)


def _insert(fleet: Fleet, sequences: list[list[int]], j: int) -> bool:
    """Job `j` where it adds the least distance among the places it fits; False if none."""
    best: tuple[float, int, int] | None = None
    for r, sequence in enumerate(sequences):
        if _load(fleet, sequence) + fleet.demand[j] > fleet.capacity[r]:
            continue
        for k in range(len(sequence) + 1):
            if fleet.on_time(r, [*sequence[:k], j, *sequence[k:]]):
                cost = fleet.added(r, sequence, k, j)
                if best is None or cost < best[0]:
                    best = (cost, r, k)
    if best is None:
        return False
    sequences[best[1]].insert(best[2], j)
    return True


def _insert_ejecting(
    fleet: Fleet, sequences: list[list[int]], j: int, failed: list[int], until: float
) -> list[int] | None:
    """Job `j` in, one or else two jobs of one route out: those that failed least often in
    sum (then the least distance added); the ejected, or None if no such move fits (or
    `until` comes first: two out of every route of R101 takes about 0.1 s)."""
    for size in (1, 2):
        best: tuple[int, float, int, list[int], tuple[int, ...]] | None = None
        for r, sequence in enumerate(sequences):
            if time.perf_counter() >= until:
                return None
            for out in itertools.combinations(range(len(sequence)), size):
                score = sum(failed[sequence[i]] for i in out)
                if best is not None and score > best[0]:
                    continue
                kept = [i for k, i in enumerate(sequence) if k not in out]
                if _load(fleet, kept) + fleet.demand[j] > fleet.capacity[r]:
                    continue
                for k in range(len(kept) + 1):
                    if fleet.on_time(r, [*kept[:k], j, *kept[k:]]):
                        cost = fleet.added(r, kept, k, j)
                        if best is None or (score, cost) < best[:2]:
                            best = (score, cost, r, [*kept[:k], j, *kept[k:]], out)
        if best is not None:
            _, _, r, new, out = best
            ejected = [sequences[r][i] for i in out]
            sequences[r] = new
            return ejected
    return None


def _perturb(fleet: Fleet, sequences: list[list[int]], rng: random.Random) -> None:
    """A few random relocations that keep every route feasible: a different plan for the next
    insertion to fit into (the method's perturbation)."""
    for _ in range(PERTURB_MOVES):
        a, b = rng.randrange(len(sequences)), rng.randrange(len(sequences))
        if not sequences[a]:
            continue
        i = rng.randrange(len(sequences[a]))
        j = sequences[a][i]
        source = sequences[a][:i] + sequences[a][i + 1 :]
        target = source if a == b else sequences[b]
        if a != b and _load(fleet, target) + fleet.demand[j] > fleet.capacity[b]:
            continue
        k = rng.randrange(len(target) + 1)
        moved = [*target[:k], j, *target[k:]]
        if fleet.on_time(b, moved):
            if a != b:
                sequences[a] = source
            sequences[b] = moved
