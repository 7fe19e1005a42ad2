"""plan_greedy: the baseline dispatch, one order per trip to the rider who can reach it soonest.

Orders are taken earliest due first. Each goes alone to the rider who would arrive first,
counting when that rider is free again: a rider on the road first delivers what it carries
(earliest due first) and rides back to the store. Every trip ends back at the store. Riders
that accept no new orders only finish what they carry. Deterministic: ties go to the rider
listed first.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from services.delivery.routing.model import Job, Plan, Problem, Route, Vehicle, Visit
from services.delivery.routing.schedule import plan


@dataclass
class _Rider:
    vehicle: Vehicle
    free_at: float  # when it can leave `place`
    place: int
    visits: list[Visit] = field(default_factory=list)
    distance: float = 0.0

    def arrival(self, problem: Problem, job: Job) -> float:
        return self.free_at + problem.durations[self.place][job.node]

    def ride(self, problem: Problem, job: Job) -> None:
        """Deliver `job` from where the rider is now (no return)."""
        arrival = self.arrival(problem, job)
        departure = max(arrival, job.earliest) + job.service_s
        late = max(0.0, arrival - job.latest)
        self.visits.append(
            Visit(job_id=job.job_id, arrival=arrival, departure=departure, late_s=late)
        )
        self.distance += problem.distances[self.place][job.node]
        self.free_at, self.place = departure, job.node

    def back(self, problem: Problem) -> None:
        end = self.vehicle.end
        self.free_at += problem.durations[self.place][end]
        self.distance += problem.distances[self.place][end]
        self.place = end


def plan_greedy(problem: Problem) -> Plan:
    started = time.perf_counter()
    riders = [_Rider(v, float(v.available_at), v.start) for v in problem.vehicles]
    carried = {job_id for v in problem.vehicles for job_id in v.carried}
    by_id = {job.job_id: job for job in problem.jobs}
    for rider in riders:
        on_board = [by_id[j] for j in rider.vehicle.carried if j in by_id]
        for job in sorted(on_board, key=lambda j: j.latest):
            rider.ride(problem, job)
        if on_board:
            rider.back(problem)
    waiting = sorted((j for j in problem.jobs if j.job_id not in carried), key=lambda j: j.latest)
    for job in waiting:
        able = [r for r in riders if r.vehicle.accepts_new and r.vehicle.capacity >= job.demand]
        if able:
            rider = min(able, key=lambda r: r.arrival(problem, job))
            rider.ride(problem, job)
            rider.back(problem)
    routes = [
        Route(
            vehicle_id=r.vehicle.vehicle_id,
            visits=r.visits,
            start_at=float(r.vehicle.available_at),
            end_at=r.free_at,
            distance=r.distance,
        )
        for r in riders
    ]
    return plan(problem, routes, solve_s=time.perf_counter() - started, solver="greedy")
