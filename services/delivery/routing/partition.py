"""Set partitioning over the routes `recombine` has met: of every subset of jobs it ordered
exactly (each group's table, `Pool`), the cheapest choice that serves every job once on no
more vehicles than the plan uses, by mixed-integer programming (SCIP, in OR-Tools). Hard
windows only; the plan's free vehicles must be alike (Solomon's, a store's free riders), so that
a route fits any of them.

Why: recombination changes two or three routes at a time, and on store evenings it stops at a
plan that no such move improves, 0.1-0.9 % above VROOM's (seeds 1-3). The tables it built on
the way hold better plans: on seed 2, 6,053 routes, whose best partition is 0.67 % shorter and
changes 28 of 36 routes in one chain of swaps no local move reaches. Route pools solved as a
set partitioning problem are how hybrid heuristics finish (Subramanian, Uchoa and Ochi, "A
hybrid algorithm for a class of vehicle routing problems", Computers & Operations Research 40,
2013). The whole pool took SCIP 3.5 s on seed 2 (CP-SAT found nothing better in 5 s); routes
first kept only while their reduced cost in the linear relaxation is within a share of the gap
between the plan and its bound: 717 routes (a fifth of the gap), the same optimum in 0.5 s. A
share that proves nothing is doubled (see `improve`).
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from ortools.linear_solver import pywraplp

from services.delivery.routing.eject import Fleet
from services.delivery.routing.model import Problem

Pool = dict[frozenset[int], tuple[float, tuple[int, ...]]]  # jobs -> shortest length, order
FIRST_SHARE = 0.1  # of the gap, the reduced cost of the routes in the first programme
# SCIP notices its time limit late: 7.6 s for 7.2 s asked (2,340 routes, load average 4).
SCIP_TIME_SHARE = 0.9


def remember(pool: Pool, routes: Iterable[tuple[float, tuple[int, ...]]]) -> None:
    """Each (length, order) in `pool`, where it is the shortest order of its jobs seen yet."""
    for length, order in routes:
        if order:
            jobs = frozenset(order)
            if jobs not in pool or length < pool[jobs][0]:
                pool[jobs] = (length, order)


def improve(
    problem: Problem, routes: list[list[int]], pool: Pool, *, until: float
) -> list[list[int]] | None:
    """`routes` (job indices per vehicle) with the free vehicles' routes replaced by the
    shortest partition of their jobs into routes of `pool`, or None when none shorter is found
    by `until` (a `time.perf_counter()` instant). Vehicles carrying jobs keep their routes."""
    fleet = Fleet(problem, list(range(len(problem.vehicles))))
    free = [v for v, route in enumerate(routes) if route and not problem.vehicles[v].carried]
    alike = {(fleet.start[v], fleet.end[v], fleet.ready[v], fleet.capacity[v]) for v in free}
    if len(alike) != 1:
        return None
    now = [(fleet.length(free[0], routes[v]), tuple(routes[v])) for v in free]
    remember(pool, now)
    jobs = frozenset(j for v in free for j in routes[v])
    columns = [column for key, column in pool.items() if key <= jobs]
    current = {frozenset(order) for _, order in now}
    plan = sum(length for length, _ in now)
    relaxed = _relaxation(columns, jobs, len(free), until)
    if relaxed is None:
        return None
    bound, reduced = relaxed
    share, chosen = FIRST_SHARE, None
    while time.perf_counter() < until:
        gap = plan - bound
        kept = [
            c for c, r in zip(columns, reduced, strict=True)
            if r <= share * gap or frozenset(c[1]) in current
        ]  # fmt: skip
        found, optimal = _partition(kept, jobs, len(free), current, until)
        if found and sum(length for length, _ in found) < plan - 1e-6:
            chosen, plan = found, sum(length for length, _ in found)
        if not optimal or plan - bound <= share * gap:
            break  # out of time, or a route left out costs more than the plan could save
        share *= 2
    if chosen is None:
        return None
    kept_orders = {frozenset(order): order for _, order in chosen}
    found = [list(route) for route in routes]
    vacant = [v for v in free if frozenset(routes[v]) not in kept_orders]
    new = [order for jobs_of, order in kept_orders.items() if jobs_of not in current]
    for v in vacant:
        found[v] = list(new.pop()) if new else []
    return found


def _rows(solver, columns, jobs: frozenset[int], vehicles: int, variables) -> None:
    """Every job on exactly one chosen route; no more routes than `vehicles`."""
    on: dict[int, list] = {j: [] for j in jobs}
    for (_, order), x in zip(columns, variables, strict=True):
        for j in order:
            on[j].append(x)
    for xs in on.values():
        solver.Add(solver.Sum(xs) == 1)
    solver.Add(solver.Sum(variables) <= vehicles)
    lengths = [length * x for (length, _), x in zip(columns, variables, strict=True)]
    solver.Minimize(solver.Sum(lengths))


def _relaxation(
    columns, jobs: frozenset[int], vehicles: int, until: float
) -> tuple[float, list[float]] | None:
    """The linear relaxation's optimum (a bound on every partition) and each route's reduced
    cost there: a partition with a route of reduced cost r costs at least bound + r. None if
    it is not solved by `until`."""
    solver = pywraplp.Solver.CreateSolver("GLOP")
    variables = [solver.NumVar(0, 1, "") for _ in columns]
    _rows(solver, columns, jobs, vehicles, variables)
    time_ms = int((until - time.perf_counter()) * 1000)
    if time_ms <= 0:
        return None
    solver.SetTimeLimit(time_ms)
    if solver.Solve() != pywraplp.Solver.OPTIMAL:
        return None
    return solver.Objective().Value(), [max(0.0, x.reduced_cost()) for x in variables]


def _partition(columns, jobs: frozenset[int], vehicles: int, current, until: float):
    """The cheapest partition of `jobs` into `columns` SCIP finds by `until` from the plan's
    own routes (`current`), and whether it proved it the cheapest."""
    solver = pywraplp.Solver.CreateSolver("SCIP")
    variables = [solver.BoolVar("") for _ in columns]
    _rows(solver, columns, jobs, vehicles, variables)
    solver.SetHint(variables, [float(frozenset(order) in current) for _, order in columns])
    time_ms = int((until - time.perf_counter()) * 1000 * SCIP_TIME_SHARE)
    if time_ms <= 0:
        return [], False
    solver.SetTimeLimit(time_ms)
    status = solver.Solve()
    if status not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        return [], False
    chosen = [c for c, x in zip(columns, variables, strict=True) if x.solution_value() > 0.5]
    return chosen, status == pywraplp.Solver.OPTIMAL
