"""What a routing solver is given and what it answers: msgspec structs, no I/O.

The dispatcher builds a `Problem` from a store's snapshot (ready orders, riders and where they
are) and the benchmarks build one from a Solomon instance or a seeded store; every solver
(`plan_routes` with OR-Tools, `plan_greedy`) answers a `Plan`. Times are seconds from the
problem's time zero (the dispatcher's "now"), distances metres (or a Solomon instance's units),
quantities whole bags (or a Solomon instance's demand units).
"""

from __future__ import annotations

import msgspec


class Job(msgspec.Struct, frozen=True, kw_only=True):
    """A delivery: a node to visit with `demand` bags, within a time window.

    `earliest`/`latest` bound the arrival. Arriving after `latest` is forbidden when the problem
    has hard windows, else allowed at a cost per second late (the dispatcher: the promise).
    """

    job_id: str
    node: int
    demand: int = 1
    earliest: int = 0
    latest: int
    service_s: int = 0
    on_time: bool = False  # with soft windows, still never later than `latest`
    # Leaving the job out costs the problem's `unassigned_cost` times this: the dispatcher
    # weighs an order that cannot wait for a later trip above one that can.
    urgency: float = 1.0


class Vehicle(msgspec.Struct, frozen=True, kw_only=True):
    """A rider: starts at `start` (a node) when free, ends at `end` (the store), carries at most
    `capacity`. `carried` jobs are on board already and must stay with this vehicle; a vehicle
    with `accepts_new` false takes no other job (a rider on the road cannot fetch bags)."""

    vehicle_id: str
    start: int
    end: int
    capacity: int
    available_at: int = 0
    carried: list[str] = []
    accepts_new: bool = True


class Problem(msgspec.Struct, frozen=True, kw_only=True):
    """`durations[i][j]` seconds and `distances[i][j]` metres between nodes (float, asymmetric
    allowed). `hard_windows`: lateness is forbidden (Solomon); otherwise every second late costs
    `late_cost_per_s`. `vehicle_cost` is charged per vehicle used (minimise vehicles first when
    it dominates). Jobs may stay unassigned only at `unassigned_cost` each, times the job's
    `urgency`."""

    durations: list[list[float]]
    distances: list[list[float]]
    jobs: list[Job]
    vehicles: list[Vehicle]
    hard_windows: bool = False
    late_cost_per_s: int = 100
    # With soft windows, lateness is priced from this many seconds before `latest`: the
    # dispatcher aims a minute inside each promise (a slow scan is not a broken promise), yet
    # a job is late, and held on time, only by `latest` itself.
    aim_inside_s: int = 0
    vehicle_cost: int = 0
    # The dispatcher's objective beside lateness: every second a vehicle is out (leaving its
    # start to back at its end) and every second from time zero to a job's arrival (the
    # shopper's wait) cost this much, in the same units as `late_cost_per_s`.
    rider_cost_per_s: int = 0
    wait_cost_per_s: int = 0
    unassigned_cost: int = 10_000_000
    time_limit_s: float = 1.0
    previous: list[list[str]] = []  # job ids per vehicle (in `vehicles` order) to warm start


class Visit(msgspec.Struct, frozen=True, kw_only=True):
    job_id: str
    arrival: float  # seconds from time zero
    departure: float
    late_s: float


class Route(msgspec.Struct, frozen=True, kw_only=True):
    vehicle_id: str
    visits: list[Visit]
    start_at: float  # when the vehicle leaves its start
    end_at: float  # back at its end
    distance: float


class Plan(msgspec.Struct, frozen=True, kw_only=True):
    routes: list[Route]  # only vehicles that are used
    unassigned: list[str]
    vehicles_used: int
    distance: float
    lateness_s: float  # total over all visits
    late_jobs: int
    feasible: bool  # every job assigned and, with hard windows, none late
    solve_s: float
    solver: str  # e.g. "ortools:PARALLEL_CHEAPEST_INSERTION+GLS" or "greedy"
