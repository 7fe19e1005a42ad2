"""VROOM (pyvroom) on a `Problem`, for comparison in the benchmarks only (a dev dependency).

The same integer scaling as `plan_routes`: hundredths, travel time rounded up, cost rounded.
Carried jobs are pinned with a skill only their rider has; riders that accept no new jobs lack
the skill every new job needs. VROOM has no soft time windows: with soft windows it is solved
twice, the second time with the deadline lifted from the jobs the first solve could not serve
on time (so that every job is planned, the late ones as VROOM sees fit, not by least lateness).
"""

from __future__ import annotations

import math
import time

import vroom

from services.delivery.routing import schedule
from services.delivery.routing.model import Plan, Problem

SCALE = 100
NEW = 0  # the skill a job that nobody carries yet requires


def plan_vroom(problem: Problem, *, exploration: int = 5, threads: int = 2) -> Plan:
    started = time.perf_counter()
    sequences = _solve(problem, exploration, threads, relaxed=set())
    planned = {j for sequence in sequences for j in sequence}
    if not problem.hard_windows and len(planned) < len(problem.jobs):
        relaxed = set(range(len(problem.jobs))) - planned
        sequences = _solve(problem, exploration, threads, relaxed=relaxed)
    return schedule.plan_of_sequences(
        problem,
        sequences,
        solve_s=time.perf_counter() - started,
        solver=f"vroom:x{exploration}" + ("" if problem.hard_windows else "+relaxed"),
    )


def _solve(problem: Problem, exploration: int, threads: int, relaxed: set[int]) -> list[list[int]]:
    nodes = sorted(
        {j.node for j in problem.jobs}
        | {v.start for v in problem.vehicles}
        | {v.end for v in problem.vehicles}
    )
    at = {node: i for i, node in enumerate(nodes)}
    problem_input = vroom.Input()
    problem_input.set_durations_matrix(
        profile="car",
        matrix_input=[
            [math.ceil(problem.durations[a][b] * SCALE - 1e-6) for b in nodes] for a in nodes
        ],
    )
    problem_input.set_costs_matrix(
        profile="car",
        matrix_input=[[round(problem.distances[a][b] * SCALE) for b in nodes] for a in nodes],
    )
    horizon = _horizon(problem)
    for v, vehicle in enumerate(problem.vehicles):
        skills = {v + 1} | ({NEW} if vehicle.accepts_new else set())
        problem_input.add_vehicle(
            vroom.Vehicle(
                id=v,
                start=at[vehicle.start],
                end=at[vehicle.end],
                capacity=[vehicle.capacity],
                skills=skills,
                time_window=vroom.TimeWindow(vehicle.available_at * SCALE, horizon),
                costs=vroom.VehicleCosts(fixed=problem.vehicle_cost * SCALE),
            )
        )
    carried_by = {job_id: v for v, veh in enumerate(problem.vehicles) for job_id in veh.carried}
    for j, job in enumerate(problem.jobs):
        latest = horizon if j in relaxed else job.latest * SCALE
        problem_input.add_job(
            vroom.Job(
                id=j,
                location=at[job.node],
                default_service=job.service_s * SCALE,
                delivery=[job.demand],
                skills={carried_by[job.job_id] + 1} if job.job_id in carried_by else {NEW},
                time_windows=[vroom.TimeWindow(job.earliest * SCALE, latest)],
            )
        )
    solution = problem_input.solve(exploration_level=exploration, nb_threads=threads)
    sequences: list[list[int]] = [[] for _ in problem.vehicles]
    routes = solution.routes
    for vehicle_id, kind, job_id in zip(
        routes["vehicle_id"], routes["type"], routes["id"], strict=True
    ):
        if kind == "job":
            sequences[int(vehicle_id)].append(int(job_id))
    return sequences


def _horizon(problem: Problem) -> int:
    latest = max([j.latest for j in problem.jobs] + [v.available_at for v in problem.vehicles])
    longest = max(max(row) for row in problem.durations)
    service = sum(j.service_s for j in problem.jobs)
    return math.ceil((latest + service + longest * (len(problem.jobs) + 1)) * SCALE)
