"""A plan repaired, not searched: the previous routes kept, what is gone dropped, what is new
inserted where it costs least. Pure.

Most re-plans of a busy evening change one thing: a rider back at the store, an order packed,
an order taken. The previous plan was the search's answer for a world that has moved by that
one thing, so it stays the answer for everything else: each new job goes, most urgent first,
to the place in any route (an idle vehicle's too) that adds least to the objective the search
minimises (`_cost`), and the plan is timed anew from this moment (`schedule`). No search
runs; the caller searches when the repair misses an aim.
"""

from __future__ import annotations

from collections.abc import Sequence

from services.delivery.routing import schedule
from services.delivery.routing.model import Plan, Problem


def plan_repaired(problem: Problem, *, solver: str) -> Plan | None:
    """The previous plan (`problem.previous`) with jobs no longer there, or no longer allowed on
    their vehicle, left out, and every job it lacks inserted at its cheapest place; a vehicle
    that takes nothing new rides what it carries in the order given. None when a route no
    longer fits its vehicle or a new job fits nowhere: then only a search will do."""
    index = {job.job_id: j for j, job in enumerate(problem.jobs)}
    pinned = {j for v in problem.vehicles for j in v.carried}
    previous = [*problem.previous, *([[]] * (len(problem.vehicles) - len(problem.previous)))]
    sequences: list[list[int]] = []
    for vehicle, before in zip(problem.vehicles, previous, strict=False):
        if vehicle.accepts_new:
            ids = [j for j in dict.fromkeys(before) if j in index and j not in pinned]
        else:
            ids = [j for j in vehicle.carried if j in index]
        sequence = [index[j] for j in ids]
        if _load(problem, sequence) > vehicle.capacity:
            return None
        sequences.append(sequence)
    placed = {j for sequence in sequences for j in sequence}
    new = sorted(
        (j for j in range(len(problem.jobs)) if j not in placed),
        key=lambda j: problem.jobs[j].latest,
    )
    aims = [job.latest - problem.aim_inside_s for job in problem.jobs]
    for j in new:
        if not _insert(problem, aims, sequences, j):
            return None
    return schedule.plan_of_sequences(
        problem, sequences, solve_s=0.0, solver=f"{solver}:{'repaired' if new else 'kept'}"
    )


def _load(problem: Problem, sequence: list[int]) -> int:
    return sum(problem.jobs[j].demand for j in sequence)


def _insert(problem: Problem, aims: Sequence[float], sequences: list[list[int]], job: int) -> bool:
    """Job `job` into the route and place that add least to `_cost`; False if none has
    room for it."""
    best: tuple[float, int, int] | None = None
    demand = problem.jobs[job].demand
    for v, (vehicle, sequence) in enumerate(zip(problem.vehicles, sequences, strict=True)):
        if not vehicle.accepts_new or _load(problem, sequence) + demand > vehicle.capacity:
            continue
        before = _cost(problem, aims, v, sequence)
        for at in range(len(sequence) + 1):
            added = _cost(problem, aims, v, [*sequence[:at], job, *sequence[at:]]) - before
            if best is None or added < best[0]:
                best = (added, v, at)
    if best is None:
        return False
    _, v, at = best
    sequences[v].insert(at, job)
    return True


def _cost(problem: Problem, aims: Sequence[float], v: int, sequence: list[int]) -> float:
    """What the search's objective (`ortools_model`) charges for vehicle `v` riding `sequence`:
    its metres, every second it is out, every second from time zero to each door, and every
    second past each job's aim (`aims`, by job); nothing for a vehicle left idle."""
    if not sequence:
        return 0.0
    route = schedule.route(problem, problem.vehicles[v], [problem.jobs[j] for j in sequence])
    late = sum(
        max(0.0, visit.arrival - aims[j]) for j, visit in zip(sequence, route.visits, strict=True)
    )
    return (
        route.distance
        + problem.rider_cost_per_s * (route.end_at - route.start_at)
        + problem.wait_cost_per_s * sum(visit.arrival for visit in route.visits)
        + problem.late_cost_per_s * late
    )
