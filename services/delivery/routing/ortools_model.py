"""The OR-Tools routing model of a `Problem`, its warm start and how to read its routes.

One node per job (two jobs at one address are two nodes), then one per distinct start or end
place. Arc costs are distances; the time dimension is service plus travel; both in hundredths
(SCALE), travel rounded up so that a plan on time in integers is on time in the float matrix.
Waiting is allowed (slack). Capacity in bags. Every job sits in a disjunction at
`unassigned_cost` times its `urgency`; carried jobs may go to their vehicle only, other jobs to
vehicles that accept new ones; a vehicle starts no earlier than `available_at`. Windows are
hard, or soft: arriving after `latest` (less `aim_inside_s`) costs `late_cost_per_s` per second
(SetCumulVarSoftUpperBound), and jobs held `on_time` may not pass `latest`. The dispatcher
also pays for each vehicle's span (rider time) and each job's arrival (the shopper's wait).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ortools.constraint_solver import pywrapcp

from services.delivery.routing.model import Problem

# Integers for the solver: hundredths of a second and of a metre (or of a Solomon unit). One
# scale for both keeps a second late worth `late_cost_per_s` metres.
SCALE = 100


@dataclass
class Model:
    manager: pywrapcp.RoutingIndexManager
    routing: pywrapcp.RoutingModel
    jobs: int


def build(problem: Problem) -> Model:
    # Node i < len(jobs) is job i (two jobs at one address are two nodes); then one node per
    # distinct start or end place.
    places = [job.node for job in problem.jobs]
    depots: dict[int, int] = {}
    for vehicle in problem.vehicles:
        for place in (vehicle.start, vehicle.end):
            depots.setdefault(place, len(places) + len(depots))
    places += list(depots)
    manager = pywrapcp.RoutingIndexManager(
        len(places),
        len(problem.vehicles),
        [depots[v.start] for v in problem.vehicles],
        [depots[v.end] for v in problem.vehicles],
    )
    model = Model(manager=manager, routing=pywrapcp.RoutingModel(manager), jobs=len(problem.jobs))
    _costs(model, problem, places)
    _capacity(model, problem, len(places))
    _time(model, problem, places)
    _who_may_serve(model, problem)
    return model


def _costs(model: Model, problem: Problem, places: list[int]) -> None:
    costs = _scaled(problem.distances, places, np.rint).tolist()
    model.routing.SetArcCostEvaluatorOfAllVehicles(model.routing.RegisterTransitMatrix(costs))
    model.routing.SetFixedCostOfAllVehicles(problem.vehicle_cost * SCALE)


def _scaled(matrix: list[list[float]], places: list[int], to_int) -> np.ndarray:
    """`matrix` between `places`, in hundredths made whole by `to_int`: in numpy, 3.5 ms
    less per model of 190 places than Python's loops (10 ms a build; `_eliminate` builds one
    per attempt)."""
    scaled = np.asarray(matrix, dtype=float)[np.ix_(places, places)] * SCALE
    return to_int(scaled).astype(np.int64)


def _capacity(model: Model, problem: Problem, node_count: int) -> None:
    demands = [job.demand for job in problem.jobs] + [0] * (node_count - model.jobs)
    model.routing.AddDimensionWithVehicleCapacity(
        model.routing.RegisterUnaryTransitVector(demands),
        0,
        [v.capacity for v in problem.vehicles],
        True,
        "bags",
    )


def _time(model: Model, problem: Problem, places: list[int]) -> None:
    service = [job.service_s for job in problem.jobs] + [0] * (len(places) - model.jobs)
    travel = _scaled(problem.durations, places, lambda m: np.ceil(m - 1e-6))
    transits = (np.array(service)[:, None] * SCALE + travel).tolist()
    latest = max([j.latest for j in problem.jobs] + [v.available_at for v in problem.vehicles])
    # Late enough for any route that does not wait for nothing.
    horizon = latest * SCALE + sum(max(row) for row in transits) + 1
    routing, manager = model.routing, model.manager
    transit = routing.RegisterTransitMatrix(transits)
    routing.AddDimension(transit, horizon, horizon, False, "time")
    dimension = routing.GetDimensionOrDie("time")
    for i, job in enumerate(problem.jobs):
        index = manager.NodeToIndex(i)
        dimension.CumulVar(index).SetMin(job.earliest * SCALE)
        if problem.hard_windows or job.on_time:
            dimension.CumulVar(index).SetMax(job.latest * SCALE)
        if not problem.hard_windows:
            aim = max(job.earliest, job.latest - problem.aim_inside_s)
            dimension.SetCumulVarSoftUpperBound(index, aim * SCALE, problem.late_cost_per_s)
    for v, vehicle in enumerate(problem.vehicles):
        dimension.CumulVar(routing.Start(v)).SetMin(vehicle.available_at * SCALE)
    if problem.rider_cost_per_s:
        dimension.SetSpanCostCoefficientForAllVehicles(problem.rider_cost_per_s)
    if problem.wait_cost_per_s:
        _door(model, problem, transit, horizon)


def _door(model: Model, problem: Problem, transit: int, horizon: int) -> None:
    """The shopper's wait: a second dimension on the same transits without waiting (slack 0),
    each vehicle starting when it is available, so a job's cumul is its arrival; every unit
    of it costs `wait_cost_per_s` (a soft upper bound of zero). The time dimension cannot carry
    this too: a node takes one soft upper bound, and the time dimension's is the promise."""
    routing, manager = model.routing, model.manager
    routing.AddDimension(transit, 0, horizon, False, "door")
    door = routing.GetDimensionOrDie("door")
    for i in range(model.jobs):
        door.SetCumulVarSoftUpperBound(manager.NodeToIndex(i), 0, problem.wait_cost_per_s)
    for v, vehicle in enumerate(problem.vehicles):
        door.CumulVar(routing.Start(v)).SetMin(vehicle.available_at * SCALE)


def _who_may_serve(model: Model, problem: Problem) -> None:
    routing, manager = model.routing, model.manager
    carried_by = {job_id: v for v, veh in enumerate(problem.vehicles) for job_id in veh.carried}
    open_to_new = [v for v, veh in enumerate(problem.vehicles) if veh.accepts_new]
    for i, job in enumerate(problem.jobs):
        index = manager.NodeToIndex(i)
        routing.AddDisjunction([index], round(problem.unassigned_cost * job.urgency * SCALE))
        allowed = [carried_by[job.job_id]] if job.job_id in carried_by else open_to_new
        if len(allowed) < len(problem.vehicles):
            # -1 is "unperformed". (SetAllowedVehiclesForIndex rejects Python lists in 9.15.)
            routing.VehicleVar(index).SetValues([-1, *allowed])


def warm_start(model: Model, problem: Problem, parameters):
    """The previous routes as a first solution (jobs no longer there or no longer allowed on
    that vehicle left out), or None when they break a hard constraint."""
    index_of = {job.job_id: i for i, job in enumerate(problem.jobs)}
    carried_by = {job_id: v for v, veh in enumerate(problem.vehicles) for job_id in veh.carried}

    def allowed(job_id: str, v: int) -> bool:
        if job_id in carried_by:
            return carried_by[job_id] == v
        return problem.vehicles[v].accepts_new

    routes = [
        [model.manager.NodeToIndex(index_of[j]) for j in route if j in index_of and allowed(j, v)]
        for v, route in enumerate(problem.previous[: len(problem.vehicles)])
    ]
    routes += [[] for _ in range(len(problem.vehicles) - len(routes))]
    model.routing.CloseModelWithParameters(parameters)
    return model.routing.ReadAssignmentFromRoutes(routes, True)


def sequences(model: Model, solution, vehicle_count: int) -> list[list[int]]:
    if solution is None:
        return [[] for _ in range(vehicle_count)]
    routing, manager = model.routing, model.manager
    sequences = []
    for v in range(vehicle_count):
        index, sequence = solution.Value(routing.NextVar(routing.Start(v))), []
        while not routing.IsEnd(index):
            sequence.append(manager.IndexToNode(index))
            index = solution.Value(routing.NextVar(index))
        sequences.append(sequence)
    return sequences
