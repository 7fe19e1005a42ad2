"""Exact recombination of route pairs: the jobs of two nearby routes shared out again between
their two vehicles in the shortest way there is, each side in its best order (a label-setting
dynamic programme over the subsets of their jobs, waiting allowed, hard windows and capacity
in the model's integers as in `eject`). Hard windows only.

Why: on store evenings (`bench.solomon_store`: boxes of 6 bags, about 3 doors a route) guided
local search stops 0.4-1.7 % above VROOM's distance at VROOM's time. A route pair there holds
4-8 jobs, few enough to try every split of them, and one split covers every move OR-Tools'
operators make between two routes (relocate, exchange, cross, 2-opt, or-opt) and those they
lack (VROOM's SWAP*, a job swapped into the best place of the other route, and any chain of
such moves through plans that break a window on the way).
"""

from __future__ import annotations

import itertools
import time

from services.delivery.routing import partition
from services.delivery.routing.eject import Fleet
from services.delivery.routing.model import Problem

MAX_JOBS = 10  # per group: 2^n subsets, each with up to n x n extensions (10 jobs: ~0.1 s)
NEIGHBOURS = (6, 4)  # for pairs, for triples: routes tried with each route, nearest first
Best = dict[int, tuple[float, tuple[int, ...]]]  # subset (a bit per job) -> length, order


def improve(
    problem: Problem,
    routes: list[list[int]],
    *,
    until: float,
    pool: partition.Pool | None = None,
) -> list[list[int]]:
    """`routes` (job indices per vehicle) with pairs, then triples, of used routes recombined
    while one gets shorter, until none does or `until` (a `time.perf_counter()` instant).
    Vehicles that carry jobs keep their routes; no vehicle that was unused is used. Every
    route ordered on the way goes into `pool`, for `partition`."""
    fleet = Fleet(problem, list(range(len(problem.vehicles))))
    found = [list(route) for route in routes]
    free = [v for v, route in enumerate(found) if route and not problem.vehicles[v].carried]
    tried: set[tuple[tuple[int, ...], ...]] = set()
    size = 2
    while size <= len(NEIGHBOURS) + 1:
        improved = False
        for group in _groups(fleet, found, free, size):
            if time.perf_counter() >= until:
                return found
            key = tuple(tuple(found[v]) for v in group)
            if key in tried or sum(map(len, key)) > MAX_JOBS:
                continue
            tried.add(key)
            better = _split(fleet, group, key, pool)
            if better is not None:
                for v, sequence in zip(group, better, strict=True):
                    found[v] = sequence
                improved = True
        size = 2 if improved else size + 1  # back to pairs after any change
    return found


def _groups(fleet: Fleet, routes: list[list[int]], free: list[int], size: int) -> list[tuple]:
    """Each used route with `size - 1` of its nearest (by the closest two of their doors), the
    groups of nearest neighbours first: those the time left should try before it runs out."""
    used = [v for v in free if routes[v]]
    groups: dict[tuple[int, ...], int] = {}
    for a in used:
        near = sorted(
            (v for v in used if v != a),
            key=lambda v: min(
                fleet.distance[fleet.node[i]][fleet.node[j]] for i in routes[a] for j in routes[v]
            ),
        )
        ranked = list(enumerate(near[: NEIGHBOURS[size - 2]]))
        for others in itertools.combinations(ranked, size - 1):
            group = tuple(sorted((a, *(v for _, v in others))))
            rank = sum(k for k, _ in others)
            groups[group] = min(rank, groups.get(group, rank))
    return sorted(groups, key=lambda group: (groups[group], group))


def _split(
    fleet: Fleet,
    group: tuple[int, ...],
    routes: tuple[tuple[int, ...], ...],
    pool: partition.Pool | None,
) -> list[list[int]] | None:
    """The shortest share of the routes' jobs between the `group`'s vehicles, if shorter."""
    jobs = [j for route in routes for j in route]
    best: dict[tuple[int, ...], list[tuple[int, float, tuple[int, ...]]]] = {}
    tables = []
    for v in group:  # vehicles alike (Solomon's, a store's free riders) share one table
        alike = (fleet.start[v], fleet.end[v], fleet.ready[v], fleet.capacity[v])
        if alike not in best:
            table = _best_routes(fleet, v, jobs)
            if pool is not None:
                partition.remember(pool, table.values())
            best[alike] = sorted(((s, *table[s]) for s in table), key=lambda row: row[1])
        tables.append(best[alike])
    lookups = [{subset: (length, order) for subset, length, order in t} for t in tables]
    now = sum(fleet.length(v, list(r)) for v, r in zip(group, routes, strict=True))
    shortest, choice = now - 1e-6, None

    def share(k: int, left: int, length: float, orders: list[tuple[int, ...]]) -> None:
        nonlocal shortest, choice
        if k == len(group) - 1:
            last = lookups[k].get(left)
            if last is not None and length + last[0] < shortest:
                shortest, choice = length + last[0], [*orders, last[1]]
            return
        for subset, part, order in tables[k]:
            if length + part >= shortest:
                break  # the table is sorted: every later subset is longer
            if subset & ~left == 0:
                share(k + 1, left ^ subset, length + part, [*orders, order])

    share(0, (1 << len(jobs)) - 1, 0.0, [])
    return None if choice is None else [list(order) for order in choice]


def _best_routes(fleet: Fleet, r: int, jobs: list[int]) -> Best:
    """For every subset of `jobs` that vehicle `r` can serve on time within its capacity, its
    shortest order (the empty subset included: the vehicle stays home). Labels per subset and
    last job are the (distance, ready-to-leave time) pairs that no other beats in both."""
    n, d, travel = len(jobs), fleet.distance, fleet.travel
    labels: list[dict[int, list[tuple[float, int, tuple[int, ...]]]]] = [{} for _ in range(1 << n)]
    load = [0] * (1 << n)
    for subset in range(1, 1 << n):
        low = (subset & -subset).bit_length() - 1
        load[subset] = load[subset & (subset - 1)] + fleet.demand[jobs[low]]
    start = fleet.start[r]
    for i, j in enumerate(jobs):
        if fleet.demand[j] <= fleet.capacity[r]:
            at = max(fleet.ready[r] + travel[start][fleet.node[j]], fleet.earliest[j])
            if at <= fleet.latest[j]:
                labels[1 << i][i] = [(d[start][fleet.node[j]], at + fleet.service[j], (j,))]
    best: Best = {0: (0.0, ())}
    end = fleet.end[r]
    for subset in range(1, 1 << n):
        for last, kept in labels[subset].items():
            here = fleet.node[jobs[last]]
            length, order = min((dist + d[here][end], order) for dist, _, order in kept)
            if subset not in best or length < best[subset][0]:
                best[subset] = (length, order)
            for i, j in enumerate(jobs):
                bit = 1 << i
                if subset & bit or load[subset] + fleet.demand[j] > fleet.capacity[r]:
                    continue
                node = fleet.node[j]
                for dist, leaves, order in kept:
                    at = max(leaves + travel[here][node], fleet.earliest[j])
                    if at <= fleet.latest[j]:
                        _add(
                            labels[subset | bit].setdefault(i, []),
                            (dist + d[here][node], at + fleet.service[j], (*order, j)),
                        )
    return best


def _add(kept: list[tuple[float, int, tuple[int, ...]]], label) -> None:
    """`label` among `kept` unless one there is as short and ready as soon; drops those it beats."""
    dist, leaves, _ = label
    if any(d <= dist and t <= leaves for d, t, _ in kept):
        return
    kept[:] = [k for k in kept if not (dist <= k[0] and leaves <= k[1])]
    kept.append(label)
