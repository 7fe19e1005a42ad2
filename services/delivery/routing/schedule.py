"""From job sequences to a `Plan`: arrival times, lateness and distance from the float matrices.

Every solver answers job sequences; the times a plan reports are recomputed here from the
problem's own (unrounded) matrices, so that they never depend on how a solver rounded them.
A vehicle leaves its start at `available_at`, waits when it arrives before a job's `earliest`
and is late by how far its arrival passes `latest`.
"""

from __future__ import annotations

from collections.abc import Sequence

from services.delivery.routing.model import Job, Plan, Problem, Route, Vehicle, Visit


def route(problem: Problem, vehicle: Vehicle, jobs: Sequence[Job]) -> Route:
    """One vehicle's trip from its start through `jobs` in order, then to its end."""
    at, node, distance, visits = float(vehicle.available_at), vehicle.start, 0.0, []
    for job in jobs:
        arrival = at + problem.durations[node][job.node]
        distance += problem.distances[node][job.node]
        at = max(arrival, job.earliest) + job.service_s
        late = max(0.0, arrival - job.latest)
        visits.append(Visit(job_id=job.job_id, arrival=arrival, departure=at, late_s=late))
        node = job.node
    return Route(
        vehicle_id=vehicle.vehicle_id,
        visits=visits,
        start_at=float(vehicle.available_at),
        end_at=at + problem.durations[node][vehicle.end],
        distance=distance + problem.distances[node][vehicle.end],
    )


def plan(problem: Problem, routes: Sequence[Route], *, solve_s: float, solver: str) -> Plan:
    """The plan made of `routes` (empty ones left out); jobs on none of them are unassigned."""
    used = [r for r in routes if r.visits]
    visits = [v for r in used for v in r.visits]
    served = {v.job_id for v in visits}
    unassigned = [j.job_id for j in problem.jobs if j.job_id not in served]
    late = [v for v in visits if v.late_s > 0]
    return Plan(
        routes=used,
        unassigned=unassigned,
        vehicles_used=len(used),
        distance=sum(r.distance for r in used),
        lateness_s=sum(v.late_s for v in late),
        late_jobs=len(late),
        feasible=not unassigned and not (problem.hard_windows and late),
        solve_s=solve_s,
        solver=solver,
    )


def place_left_out(problem: Problem, sequences: Sequence[Sequence[int]]) -> list[list[int]]:
    """Each job no sequence holds (a search out of time on a large evening can leave some out)
    goes alone to the idle vehicle that reaches it first, the most urgent job first; a job
    with no idle vehicle that can carry it stays out. No order waits for want of a search
    while a rider stands idle."""
    placed = [list(s) for s in sequences]
    served = {j for s in placed for j in s}
    left = sorted(
        (j for j in range(len(problem.jobs)) if j not in served),
        key=lambda j: problem.jobs[j].latest,
    )
    for j in left:
        job = problem.jobs[j]
        idle = [
            v
            for v, vehicle in enumerate(problem.vehicles)
            if vehicle.accepts_new and not placed[v] and vehicle.capacity >= job.demand
        ]
        if idle:
            first = min(
                idle,
                key=lambda v: (
                    problem.vehicles[v].available_at
                    + problem.durations[problem.vehicles[v].start][job.node]
                ),
            )
            placed[first] = [j]
    return placed


def plan_of_sequences(
    problem: Problem, sequences: Sequence[Sequence[int]], *, solve_s: float, solver: str
) -> Plan:
    """`sequences[v]`: indices into `problem.jobs` that vehicle `v` visits, in order."""
    routes = [
        route(problem, vehicle, [problem.jobs[j] for j in sequence])
        for vehicle, sequence in zip(problem.vehicles, sequences, strict=True)
    ]
    return plan(problem, routes, solve_s=solve_s, solver=solver)
