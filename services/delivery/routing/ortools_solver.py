"""plan_routes: a `Problem` solved with OR-Tools' routing library, answered as a `Plan`. Pure.

The model: one node per job; arc costs are distances and the time dimension is service plus
travel, both in hundredths (travel rounded up, so a plan on time in integers is on time in the
float matrix); waiting is allowed (slack); a capacity dimension in bags; each job in a
disjunction at `unassigned_cost`; carried jobs may only go to their vehicle, others only to
vehicles that accept new jobs; a vehicle starts no earlier than `available_at`. Windows are hard
(Solomon) or soft: `SetCumulVarSoftUpperBound` at `late_cost_per_s`, so that when no on-time
plan exists the total lateness is minimised. `previous` routes warm-start the search.

Defaults, chosen by measurement on this project's 2-core machine (python -m bench.solomon,
python -m bench.dispatch; other work running; figures of single runs, ±1 % between runs):
- Operators: relocate, exchange, cross, 2-opt, or-opt and make-active only. OR-Tools 9.15's
  default set adds insertion LNS, Lin-Kernighan, expensive-chain and inactive-chain operators
  that cost most of the time: with them guided local search reaches R101 19 vehicles /
  1672-1678 (+1.6-2.0 %) in 1 s; without them 1654-1663 (+0.5-1.0 %), and a greedy descent
  converges in 0.1 s instead of 0.3-1 s. Enabling relocate-neighbors, cross-exchange,
  extended-swap-active, relocate-and-make-active, exchange-subtrip, LK or tsp-opt on top
  changed nothing or cost up to 0.4 points at 1 s; dropping cross or exchange cost 0.9-1.2.
- First solution PARALLEL_CHEAPEST_INSERTION: the fewest vehicles after a greedy descent on all
  three Solomon instances (R101 20, C101 10, RC101 16; LOCAL_CHEAPEST_INSERTION 21/11/16,
  SAVINGS 22/10/19, PATH_CHEAPEST_ARC 23/11/18 and it leaves 6-15 customers out at first), and
  the least lateness on the 80-order dispatch snapshots (407 min; LOCAL_CHEAPEST 455).
  SWEEP needs coordinates the model does not have.
- Guided local search, lambda 0.1: better than simulated annealing (R101 +1.7-2.1 % at 1-2 s)
  and tabu (+2.2 %); lambda 0.05/0.2/0.4 were worse at 1 s. Iterated local search (SISR ruin
  and recreate) matched it on dispatch at 1 s and wins with more time (80 orders: 368 min of
  lateness at 20 s against 400), but cannot start from a given assignment in 9.15
  (SolveFromAssignmentWithParameters ignores it), and warm starts matter more to a dispatcher.
- `ls_operator_neighbors_ratio` < 1 is left at 1: with time windows in 9.15 no neighbour then
  passes the filters (R101: 2.7 million neighbours in 2 s, none accepted) unless
  `ls_operator_min_neighbors` covers every node.
- With a `vehicle_cost`, two phases. A vehicle's fixed cost sits on its first arc, and guided
  local search penalises arcs by their cost, so the fixed cost swamps its penalties (R101 stayed
  at +2.0-2.2 % from 1 to 5 s). So: 30 % of the time minimises vehicles (the first solution, a
  greedy descent with the fixed cost, then routes emptied one at a time, smallest first, each
  given 0.1 s to fit its jobs elsewhere), the rest minimises distance on the vehicles kept.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import msgspec
from google.protobuf import text_format
from ortools.constraint_solver import pywrapcp, routing_enums_pb2
from ortools.util.optional_boolean_pb2 import BOOL_FALSE, BOOL_TRUE

from services.delivery.routing import schedule
from services.delivery.routing.model import Plan, Problem

# Times and costs are integers in the solver: hundredths of a second and of a metre (or of a
# Solomon unit). One scale for both keeps a second late at `late_cost_per_s` metres.
SCALE = 100
OPERATORS = ("use_relocate", "use_exchange", "use_cross", "use_two_opt", "use_or_opt")


class Search(msgspec.Struct, frozen=True, kw_only=True):
    """How to search; the defaults are the measured best (see the module docstring)."""

    first_solution: str = "PARALLEL_CHEAPEST_INSERTION"
    metaheuristic: str = "GUIDED_LOCAL_SEARCH"
    operators: tuple[str, ...] = OPERATORS  # use_make_active is always on
    fleet_share: float = 0.3  # of the time, to minimise vehicles first (vehicle_cost > 0)
    eliminate_s: float = 0.1  # per attempt to empty one route
    overrides: str = ""  # RoutingSearchParameters text merged last, for studies

    def name(self, phases: bool) -> str:
        name = f"ortools:{self.first_solution}+{_short(self.metaheuristic)}"
        return f"{name} (vehicles first)" if phases else name


DEFAULT_SEARCH = Search()


def plan_routes(problem: Problem, search: Search = DEFAULT_SEARCH) -> Plan:
    """The cheapest plan OR-Tools finds within `problem.time_limit_s` (never more, +model)."""
    started = time.perf_counter()
    phases = problem.vehicle_cost > 0 and search.fleet_share > 0
    if phases:
        sequences = _two_phases(problem, search, deadline=started + problem.time_limit_s)
    else:
        sequences = _search(problem, search, problem.time_limit_s, descent_only=False)
    elapsed = time.perf_counter() - started
    return schedule.plan_of_sequences(
        problem, sequences, solve_s=elapsed, solver=search.name(phases)
    )


def _two_phases(problem: Problem, search: Search, *, deadline: float) -> list[list[int]]:
    """Fewest vehicles first (construction, descent, route elimination), then distance."""
    fleet_until = deadline - problem.time_limit_s * (1 - search.fleet_share)
    fleet = _search(problem, search, problem.time_limit_s * search.fleet_share, descent_only=True)
    if sum(map(len, fleet)) < len(problem.jobs):
        return fleet  # some job is still out: no vehicle to spare
    fleet = _eliminate(problem, search, fleet, until=fleet_until)
    used = [v for v, sequence in enumerate(fleet) if sequence]
    return _on_vehicles(problem, search, fleet, used, deadline - time.perf_counter())


def _eliminate(
    problem: Problem, search: Search, fleet: list[list[int]], *, until: float
) -> list[list[int]]:
    """Empty routes one at a time, smallest first, while their jobs fit on the others."""
    keep = {v for v, vehicle in enumerate(problem.vehicles) if vehicle.carried}
    failed: set[int] = set()
    while (left := until - time.perf_counter()) > 0:
        used = [v for v, sequence in enumerate(fleet) if sequence]
        candidates = [v for v in used if v not in keep | failed]
        if len(used) < 2 or not candidates:
            break
        dropped = min(candidates, key=lambda v: len(fleet[v]))
        kept = [v for v in used if v != dropped]
        attempt = _on_vehicles(problem, search, fleet, kept, min(search.eliminate_s, left))
        if sum(map(len, attempt)) == len(problem.jobs):
            fleet, failed = attempt, set()
        else:
            failed.add(dropped)
    return fleet


def _on_vehicles(
    problem: Problem, search: Search, start: list[list[int]], used: list[int], time_s: float
) -> list[list[int]]:
    """A search from `start` restricted to the vehicles `used`, with no cost per vehicle."""
    narrowed = msgspec.structs.replace(
        problem,
        vehicles=[problem.vehicles[v] for v in used],
        vehicle_cost=0,
        previous=[[problem.jobs[j].job_id for j in start[v]] for v in used],
    )
    found = _search(narrowed, search, time_s, descent_only=False)
    sequences: list[list[int]] = [[] for _ in problem.vehicles]
    for v, sequence in zip(used, found, strict=True):
        sequences[v] = sequence
    return sequences


@dataclass
class _Model:
    manager: pywrapcp.RoutingIndexManager
    routing: pywrapcp.RoutingModel
    jobs: int


def _search(
    problem: Problem, search: Search, time_s: float, *, descent_only: bool
) -> list[list[int]]:
    """Job indices per vehicle as the search leaves them after `time_s` (or a local optimum)."""
    if not problem.jobs or not problem.vehicles:
        return [[] for _ in problem.vehicles]  # OR-Tools aborts the process on no vehicles
    model = _model(problem)
    parameters = _parameters(search, time_s, descent_only=descent_only)
    initial = _warm_start(model, problem, parameters) if problem.previous else None
    if initial is not None:
        solution = model.routing.SolveFromAssignmentWithParameters(initial, parameters)
        if solution is None:  # no time left to search at all: the start is still a plan
            solution = initial
    else:
        solution = model.routing.SolveWithParameters(parameters)
    return _sequences(model, solution, len(problem.vehicles))


def _model(problem: Problem) -> _Model:
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
    model = _Model(manager=manager, routing=pywrapcp.RoutingModel(manager), jobs=len(problem.jobs))
    _costs(model, problem, places)
    _capacity(model, problem, len(places))
    _time(model, problem, places)
    _who_may_serve(model, problem)
    return model


def _costs(model: _Model, problem: Problem, places: list[int]) -> None:
    d = problem.distances
    costs = [[round(d[a][b] * SCALE) for b in places] for a in places]
    model.routing.SetArcCostEvaluatorOfAllVehicles(model.routing.RegisterTransitMatrix(costs))
    model.routing.SetFixedCostOfAllVehicles(problem.vehicle_cost * SCALE)


def _capacity(model: _Model, problem: Problem, node_count: int) -> None:
    demands = [job.demand for job in problem.jobs] + [0] * (node_count - model.jobs)
    model.routing.AddDimensionWithVehicleCapacity(
        model.routing.RegisterUnaryTransitVector(demands),
        0,
        [v.capacity for v in problem.vehicles],
        True,
        "bags",
    )


def _time(model: _Model, problem: Problem, places: list[int]) -> None:
    service = [job.service_s for job in problem.jobs] + [0] * (len(places) - model.jobs)
    t = problem.durations
    transits = [
        [service[i] * SCALE + math.ceil(t[a][b] * SCALE - 1e-6) for b in places]
        for i, a in enumerate(places)
    ]
    latest = max([j.latest for j in problem.jobs] + [v.available_at for v in problem.vehicles])
    # Late enough for any route that does not wait for nothing.
    horizon = latest * SCALE + sum(max(row) for row in transits) + 1
    routing, manager = model.routing, model.manager
    routing.AddDimension(routing.RegisterTransitMatrix(transits), horizon, horizon, False, "time")
    dimension = routing.GetDimensionOrDie("time")
    for i, job in enumerate(problem.jobs):
        index = manager.NodeToIndex(i)
        if problem.hard_windows:
            dimension.CumulVar(index).SetRange(job.earliest * SCALE, job.latest * SCALE)
        else:
            dimension.CumulVar(index).SetMin(job.earliest * SCALE)
            dimension.SetCumulVarSoftUpperBound(index, job.latest * SCALE, problem.late_cost_per_s)
    for v, vehicle in enumerate(problem.vehicles):
        dimension.CumulVar(routing.Start(v)).SetMin(vehicle.available_at * SCALE)


def _who_may_serve(model: _Model, problem: Problem) -> None:
    routing, manager = model.routing, model.manager
    carried_by = {job_id: v for v, veh in enumerate(problem.vehicles) for job_id in veh.carried}
    open_to_new = [v for v, veh in enumerate(problem.vehicles) if veh.accepts_new]
    for i, job in enumerate(problem.jobs):
        index = manager.NodeToIndex(i)
        routing.AddDisjunction([index], problem.unassigned_cost * SCALE)
        allowed = [carried_by[job.job_id]] if job.job_id in carried_by else open_to_new
        if len(allowed) < len(problem.vehicles):
            # -1 is "unperformed". (SetAllowedVehiclesForIndex rejects Python lists in 9.15.)
            routing.VehicleVar(index).SetValues([-1, *allowed])


def _parameters(search: Search, time_s: float, *, descent_only: bool):
    parameters = pywrapcp.DefaultRoutingSearchParameters()
    parameters.first_solution_strategy = getattr(
        routing_enums_pb2.FirstSolutionStrategy, search.first_solution
    )
    metaheuristic = "GREEDY_DESCENT" if descent_only else search.metaheuristic
    parameters.local_search_metaheuristic = getattr(
        routing_enums_pb2.LocalSearchMetaheuristic, metaheuristic
    )
    operators = parameters.local_search_operators
    for field in operators.DESCRIPTOR.fields:
        wanted = field.name in search.operators or field.name == "use_make_active"
        setattr(operators, field.name, BOOL_TRUE if wanted else BOOL_FALSE)
    if search.overrides:
        text_format.Merge(search.overrides, parameters)
    parameters.time_limit.FromMilliseconds(max(1, round(time_s * 1000)))
    return parameters


def _warm_start(model: _Model, problem: Problem, parameters):
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


def _sequences(model: _Model, solution, vehicle_count: int) -> list[list[int]]:
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


def _short(name: str) -> str:
    return {"GUIDED_LOCAL_SEARCH": "GLS", "GREEDY_DESCENT": "GD"}.get(name, name)
