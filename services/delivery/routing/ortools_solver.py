"""plan_routes: a `Problem` solved with OR-Tools' routing library, answered as a `Plan`. Pure.

The model is in `ortools_model`; here, how it is searched. The plan's times and distances are
recomputed from the float matrices (`schedule`). The whole call keeps to `time_limit_s` (plus
~10 ms to build the model); with `previous` routes the search starts from them.

Defaults, chosen by measurement on this project's 2-core machine with other work running
(python -m bench.solomon, python -m bench.dispatch; R101 figures vary by ±0.5 point between
runs, dispatch figures are means over 8-10 seeded snapshots):
- Operators: relocate, exchange, cross, 2-opt, or-opt, make-active. OR-Tools 9.15 also turns
  on insertion LNS, Lin-Kernighan, expensive-chain and (in)active-chain operators by default;
  they take most of the time: with them R101 reached 19 vehicles / +1.6-2.0 % in 1 s, without
  them +0.5-1.0 %, and a greedy descent converges in 0.1 s instead of 0.3-1 s. Adding
  relocate-neighbors, cross-exchange, extended-swap-active, relocate-and-make-active,
  exchange-subtrip, LK or tsp-opt back moved R101 by -0.2 to +0.4 point at 1-2 s; dropping
  cross or exchange cost 0.6-1.2 points.
- First solution PARALLEL_CHEAPEST_INSERTION: after a greedy descent it has the fewest
  vehicles on all three Solomon instances (R101/C101/RC101: 20/10/16; LOCAL_CHEAPEST_INSERTION
  21/11/16, SAVINGS 22/10/19, PATH_CHEAPEST_ARC 23/11/18, which also leaves up to 15
  customers out of its first solution; SWEEP needs coordinates), and on dispatch it is best
  or within 2 % of the best (80 orders x 20 riders: 381 min of lateness; PATH_CHEAPEST_ARC
  375, LOCAL_CHEAPEST_COST_INSERTION 383, SEQUENTIAL_CHEAPEST_INSERTION 393; 20 x 8: 97
  against 98-101).
- Metaheuristic by objective. Hard windows (distance): guided local search, lambda 0.1; at
  1-2 s R101 +0.8 % against simulated annealing +1.7-2.1 % and tabu +2.2 %; lambda 0.05, 0.2
  and 0.4 were worse at 1 s. Soft windows (lateness): tabu search. Guided local search
  penalises arcs by their cost, distance, and lateness is on no arc, so it hardly moves past a
  descent (20 x 8 at 1 s: 102.5 min, the same as the descent alone); tabu at 1 s 97.4 / 124.2
  / 381.1 min for 20 x 8 / 40 x 12 / 80 x 20 against 102.5 / 131.1 / 385.4, at 2 s 387.7
  against 397.1 for 80 x 20. Iterated local search (SISR ruin and recreate, 9.15) ties at 1 s
  and wins with time (80 x 20: 368 min at 20 s against 400), but cannot start from given
  routes (SolveFromAssignmentWithParameters runs a plain descent), and a re-plan warm-started
  from the last plan does in 0.3 s what a cold start does in 1 s (80 x 20 with 4 new orders:
  387 against 393 min).
- Soft windows: broken promises first. 30 % of the time solves with hard windows, an order that
  cannot be on time left out at the cost of 20 km of riding; the rest starts from that plan with
  those on-time orders held to their windows and the others placed with lateness minimised.
  Lateness alone (tabu, 1 s) broke 1.5x the promises VROOM does: late orders per snapshot
  14.8 / 25.5 / 56.0 for 20 x 8 / 40 x 12 / 80 x 20; on time first 9.0 / 15.4 / 35.6 (VROOM x1
  9.0 / 14.4 / 32.8), for more total lateness (142 / 204 / 591 min against 111 / 164 / 475):
  the 30-minute promise counts orders, not minutes. On a tie in late orders the lateness of the
  late ones is not minimised further (tests/unit/test_routing.py shows one such case).
- `ls_operator_neighbors_ratio` stays 1: below it, with time windows, no neighbour passes
  OR-Tools 9.15's filters (R101: 2.7 million neighbours in 2 s, none accepted) unless
  `ls_operator_min_neighbors` covers every node.
- With a `vehicle_cost`, two phases. The fixed cost sits on a route's first arc, where guided
  local search's penalties (lambda x arc cost) swamp everything else: R101 stayed at 19 /
  +2.0-2.2 % from 1 s to 5 s. So 30 % of the time minimises vehicles (first solution and a
  descent with the fixed cost, then routes emptied one at a time, smallest first, each given
  0.1 s of search on the other vehicles to take its jobs), the rest minimises distance on the
  vehicles kept: R101 19 / +0.8 % at 1 s. Shares of 20 % and 50 % and attempts of 0.05 s and
  0.2 s were no better. After two attempts in a row left jobs out, the better of them has up
  to 0.6 s of an ejection pool (`eject`: each job in where it fits, or where it fits once one
  or two jobs that failed least often are taken out), even past the vehicles' share of the
  time: RC101 15 vehicles in 0.08-0.46 s (load average 6, six runs) where the search alone
  left 2-5 jobs out in every attempt (VROOM at exploration 5: 15, best known 14). With 0.3 s,
  cut at the end of the share, RC101 at 2.5-2.7 s kept 16 in 5 of 6 runs (2026-12-07, load
  average 5-7); with 0.6 s 15 in 7 of 7 (and at 5 s in 8 of 9). R101 cannot go below 19
  (one pool spent, which costs its distance up to 0.3 s of search at short limits) and store
  evenings stop at the bags' bound before any attempt. A pool that fails is
  tried again, with its own seed, after every `eject_after` further failures: at 4.5 s with
  load average 5-7 on 2 cores RC101 had 15 vehicles in 2 of 6 runs with one pool a fleet
  size, 15 in 5 and 14 (the best known, 1696.95) in 1 of 6 with one every two failures.
- Vehicles first starts from two descents, PARALLEL_CHEAPEST_INSERTION's and SAVINGS', and
  keeps the one with fewer jobs out, then fewer vehicles, then less distance: on the Solomon
  instances the first (SAVINGS needs 22/10/19), on store evenings (`bench.solomon_store`: 100
  doors within 3 km, 1-3 bags, boxes of 6, 30-minute windows) SAVINGS, same vehicles and
  a distance phase that ends +1.0 / +1.2 / +1.5 % from VROOM's instead of +4.4 / +2.9 / +4.6 %
  (seeds 1-3, at 2.6 / 2.1 / 1.9 s). No route is emptied below what the bags need (largest
  boxes filled first): on store evenings the descent is there already.
- Vehicles first ends, with hard windows and distance alone to minimise, with the last 40 % of
  the time for `recombine`: pairs, then triples, of nearby routes whose jobs it shares out
  again exactly, then `partition`: the shortest set of the routes recombining ordered on the
  way that serves every job on as many vehicles, from which recombining again, while that is
  shorter. What it leaves of the time, 70 % at a time, goes to guided local search again from
  its plan (Solomon's routes of 5-10 jobs give recombining little to do: R101 at 2.5 s had
  used 2.0 s). Against the start commit with 25 % for recombining alone, at VROOM's time in
  the same sitting (load average 7-10, 2026-12-07): stores seeds 1-3 +0.10 / +0.16 / -0.55 %
  against +0.10 / +0.86 / +0.13 %, R101 +0.11 % against +0.14 %, RC101 15 / -3.0 % against
  15 / -0.4 %, C101 +0.00 % both. A share of 25 % left seed 2 at +0.86 % at 2.5 s; 50 % cost
  R101 up to 0.5 point at 2.5 s. Guided local search had stopped before recombining (store
  evenings: the same metre at 7 and at 10 s); from its 2 s plans recombining took seeds 1-5
  down 0.96 / 0.41 / 1.64 / 0.99 / 2.62 % in 0.5-1.4 s (pairs alone 0.91 / 0.34 / 0.51 /
  0.99 / 2.68 % in 0.1-0.2 s; groups of up to 12 jobs and 8 / 6 neighbours 0.41 / 1.18 % on
  seeds 2 and 4, in 3-5 s). Guided local search again from the recombined plan (1 s) gained
  nothing on seed 2 (it stops at the first round that gains nothing).
- Against VROOM at exploration 5 given its own time (`bench.solomon FILE --time-limit vroom
  --repeat 3`; VROOM took 0.3-5 s with other work on the machine, and OR-Tools' answer at a
  given time hardly varies between runs): C101 10 / +0.00 %, R101 19 / +0.14 %, RC101 16
  vehicles where VROOM has 15 (-1.8 % distance), store evenings the same vehicles and
  +0.4 / +1.2 / +0.4-1.3 % at VROOM's 5.0 / 4.3 / 4.3 s. With the ejection pool (2026-12-06,
  load average 2.9-4.3 on 2 cores): C101 10 / +0.00 % (0.55 s), R101 19 / -0.17 % (5.06 s),
  RC101 15 / -1.65 % (4.73 s; 15 / -1.5 % at 3.24 s), store evenings seeds 1-3 32 / 36 / 33
  vehicles as VROOM, +0.41 / +1.21 / +1.30 % at 6.5 / 5.2 / 4.4 s, to the metre what they
  are without it; R101 at 3.1 / 3.9 / 6.1 s within 0.07 % of it. With `recombine` and pools
  again (2026-12-06, two runs, load average 4-9): C101 10 / +0.00 %, R101 19 / -0.17 % and
  +0.14 %, RC101 15 / -0.39 % and -1.15 %, store evenings seeds 1-5 the same vehicles and
  +0.10 / +0.86 / +0.13 / +0.70 / -0.29 % in both (the start commit in the same sitting:
  +0.41 / +1.21 / +0.35-1.30 / +1.71 / +1.59 %, RC101 16 in 2 of 4 runs). Tried without gain, at
  VROOM's time,
  before the SAVINGS descent: in the distance phase GLS lambda 0.05-0.4, penalties reset on a
  new best or per vehicle class, simulated annealing, tabu, and each of relocate-neighbors,
  cross-exchange, sub-trip exchange and relocate, LK, path and close-nodes insertion LNS
  (store evenings +4.4 to +7.6 %; one setting's runs spread 1.3 points); one phase without
  route elimination (fleet_share 0: R101 +1.0 %, RC101 16, stores +2.3 / +4.7 / +3.6 %). For
  RC101's 16th route: attempts of 0.3 s, a fleet share of 0.6-0.8, the insert-unperformed,
  swap-active and insertion LNS operators during attempts, dropping routes by demand or window
  width, continuing an attempt from its partial plan: every attempt leaves 2-3 jobs out.
  Iterated local search (`use_iterated_local_search`, SISR ruin) ran a plain descent here
  (0.1 s, stores +6.8 %) whatever the metaheuristic: not understood, left. (Without a
  `ruin_strategies` entry OR-Tools 9.15 rejects the parameters, the solve answers None and
  `_search` keeps its warm start: a run that looks like a descent. With SISR given, one phase
  from scratch: RC101 16 / 1680.88 at 4.7 s, 16 / 1661.23 at 8 s.)
  Tried for RC101's 16th route before the ejection pool, all still 16 at VROOM's 4.7 s (and
  at 15-20 s): an attempt that leaves jobs out retried with soft windows (lateness at
  100-10,000 a unit, tabu, GLS or annealing; 0.3-1 s) ends with 1-13 late jobs, at best one
  7.6 units late; alternating that
  with ejecting the late jobs (alone or with their 5 nearest) and a hard search never placed
  the last job; raising the lateness price of jobs late again; elimination again after half
  the distance phase; GLS lambda 1 or 5, annealing, relocate/exchange-and-make-active or
  path/inactive LNS in attempts; other first solutions (LOCAL/SEQUENTIAL_CHEAPEST_INSERTION,
  PARALLEL_SAVINGS, farthest seeds 0.05-0.5, savings arc coefficient 0.5-2: every descent 16
  or more); one search on 15 vehicles from scratch (4-5 jobs out after 3 s); two short
  routes emptied onto one empty vehicle (15 pairs, 0.2 s each: 1-9 jobs out). The attempts'
  searches accept about one neighbour in 5,000 (RC101's windows): they converge, not explore.
"""

from __future__ import annotations

import itertools
import time

import msgspec
from google.protobuf import text_format
from ortools.constraint_solver import pywrapcp, routing_enums_pb2
from ortools.util.optional_boolean_pb2 import BOOL_FALSE, BOOL_TRUE

from services.delivery.routing import eject, ortools_model, partition, recombine, schedule
from services.delivery.routing.model import Plan, Problem

LATE_ORDER_M = 20_000  # a broken promise weighs like 20 km of riding, in the on-time phase
LATE_SEARCH_JOBS = 40  # beyond this many orders the search has no time to spare (below)
OPERATORS = ("use_relocate", "use_exchange", "use_cross", "use_two_opt", "use_or_opt")


class Search(msgspec.Struct, frozen=True, kw_only=True):
    """How to search; the defaults are the measured best (see the module docstring)."""

    first_solution: str = "PARALLEL_CHEAPEST_INSERTION"
    # None: guided local search with hard windows (distance), tabu search with soft (lateness).
    metaheuristic: str | None = None
    operators: tuple[str, ...] = OPERATORS  # use_make_active is always on
    # None: on with soft windows. An order in a route is swapped for one left out only by
    # this operator: without it a plan of one trip a rider, too small for a peak's orders,
    # kept whichever orders its first solution took (`planning.urgency`).
    swap_active: bool | None = None
    fleet_share: float = 0.3  # of the time, to minimise vehicles first (vehicle_cost > 0)
    eliminate_s: float = 0.1  # per attempt to empty one route
    eject_s: float = 0.6  # to place what attempts left out by an ejection pool (`eject`)
    eject_after: int = 2  # failed attempts in a row before it
    also_first: tuple[str, ...] = ("SAVINGS",)  # vehicles first: descents from these too
    recombine_share: float = 0.4  # of the time, vehicles first: route groups (`recombine`)
    again_share: float = 0.7  # of what recombining leaves, for guided local search again
    on_time_share: float = 0.3  # of the time, soft windows: most orders on time first
    late_share: float = 0.3  # of the time, when some order must be late: late by least
    overrides: str = ""  # RoutingSearchParameters text merged last, for studies

    def name(self, phases: bool) -> str:
        name = f"ortools:{self.first_solution}+{_short(self.metaheuristic)}"
        return f"{name} (vehicles first)" if phases else name


DEFAULT_SEARCH = Search()


def plan_routes(problem: Problem, search: Search = DEFAULT_SEARCH) -> Plan:
    """The cheapest plan OR-Tools finds within `problem.time_limit_s` (never more, +model).

    Vehicles that take nothing new (riders on the road) ride what they carry in the order
    given, the order their rider follows, and stay out of the search: on an evening with 50
    riders out and 50 free, the search is half the size (at 1 s it had left 63 of 115 orders
    unplanned with 43 riders idle). With soft windows, whatever the search still leaves out
    goes to idle vehicles (`schedule.place_left_out`)."""
    started = time.perf_counter()
    if search.metaheuristic is None:
        chosen = "GUIDED_LOCAL_SEARCH" if problem.hard_windows else "TABU_SEARCH"
        search = msgspec.structs.replace(search, metaheuristic=chosen)
    if search.swap_active is None:
        search = msgspec.structs.replace(search, swap_active=not problem.hard_windows)
    phases = problem.vehicle_cost > 0 and search.fleet_share > 0
    open_problem, jobs_of, vehicles_of = _open_part(problem)
    if phases:
        found = _two_phases(open_problem, search, deadline=started + problem.time_limit_s)
    elif not problem.hard_windows and search.on_time_share > 0:
        found = _on_time_first(open_problem, search)
    else:
        found = _search(open_problem, search, problem.time_limit_s, descent_only=False)
    index = {job.job_id: j for j, job in enumerate(problem.jobs)}
    sequences = [[index[j] for j in vehicle.carried if j in index] for vehicle in problem.vehicles]
    for v, sequence in zip(vehicles_of, found, strict=True):
        sequences[v] = [jobs_of[j] for j in sequence]
    if not problem.hard_windows:
        sequences = schedule.place_left_out(problem, sequences)
    elapsed = time.perf_counter() - started
    return schedule.plan_of_sequences(
        problem, sequences, solve_s=elapsed, solver=search.name(phases)
    )


def _open_part(problem: Problem) -> tuple[Problem, list[int], list[int]]:
    """The problem without the vehicles that take nothing new and the jobs they carry; with
    the indices, in `problem`, of its jobs and of its vehicles."""
    vehicles_of = [v for v, vehicle in enumerate(problem.vehicles) if vehicle.accepts_new]
    pinned = {j for vehicle in problem.vehicles if not vehicle.accepts_new for j in vehicle.carried}
    jobs_of = [j for j, job in enumerate(problem.jobs) if job.job_id not in pinned]
    previous = problem.previous[: len(problem.vehicles)]
    open_problem = msgspec.structs.replace(
        problem,
        jobs=[problem.jobs[j] for j in jobs_of],
        vehicles=[problem.vehicles[v] for v in vehicles_of],
        previous=[previous[v] for v in vehicles_of if v < len(previous)],
    )
    return open_problem, jobs_of, vehicles_of


def _on_time_first(problem: Problem, search: Search) -> list[list[int]]:
    """As many orders on time as can be (hard windows, an order that cannot be is left out at
    the cost of a late order), then every order with lateness minimised from there. When some
    order must be late, a last share of the time lets any order be late, from that plan, and
    its plan wins when it breaks no more promises and by fewer seconds: the on-time phase
    chooses whom to fail by kilometres (its cost is the same for every late order), and a
    starved smoke evening failed a far door by 5.7 minutes rather than a near one by seconds.
    bench.dispatch, 10 seeds at 1 s, lateness min per snapshot without -> with that share:
    6 x 3 69.5 -> 56.1, 10 x 3 174.9 -> 163.3 (late orders 7.7 -> 7.5), 12 x 4 143.3 -> 127.1;
    20 x 8 the same to the metre; at 80 x 20 the time it takes from the search cost a late
    order (36.3 -> 37.3, 6 seeds), so above `LATE_SEARCH_JOBS` orders it is not taken."""
    first_s = problem.time_limit_s * search.on_time_share
    on_time = msgspec.structs.replace(
        problem,
        hard_windows=True,
        unassigned_cost=LATE_ORDER_M,
        time_limit_s=first_s,
        # Promises alone here: priced beside a late order, a rider's 20-minute trip (at 20 m a
        # second) outweighed it and the phase kept 16 of 20 x 8 late, not 9 (bench.dispatch).
        rider_cost_per_s=0,
        wait_cost_per_s=0,
    )
    found = _search(on_time, msgspec.structs.replace(search, metaheuristic="GUIDED_LOCAL_SEARCH"),
                    first_s, descent_only=False)  # fmt: skip
    kept = {j for route in found for j in route}
    warm = msgspec.structs.replace(
        problem,
        jobs=[
            msgspec.structs.replace(job, on_time=i in kept) for i, job in enumerate(problem.jobs)
        ],
        previous=_ids(problem, found),
    )
    if (
        len(kept) == len(problem.jobs)
        or len(problem.jobs) > LATE_SEARCH_JOBS
        or search.late_share <= 0
    ):
        return _search(warm, search, problem.time_limit_s - first_s, descent_only=False)
    last_s = problem.time_limit_s * search.late_share
    held = _search(warm, search, problem.time_limit_s - first_s - last_s, descent_only=False)
    free = msgspec.structs.replace(problem, previous=_ids(problem, held))
    loose = _search(free, search, last_s, descent_only=False)
    return min(held, loose, key=lambda found: _broken(problem, found))


def _ids(problem: Problem, found: list[list[int]]) -> list[list[str]]:
    return [[problem.jobs[j].job_id for j in route] for route in found]


def _broken(problem: Problem, found: list[list[int]]) -> tuple[int, int, float]:
    """Jobs left out, jobs late, seconds late: what a plan of soft windows fails, in order."""
    plan = schedule.plan_of_sequences(problem, found, solve_s=0, solver="")
    return len(plan.unassigned), plan.late_jobs, plan.lateness_s


def _two_phases(problem: Problem, search: Search, *, deadline: float) -> list[list[int]]:
    """Fewest vehicles first (construction, descent, route elimination), then distance."""
    fleet_until = deadline - problem.time_limit_s * (1 - search.fleet_share)
    descents = [
        _search(
            problem,
            msgspec.structs.replace(search, first_solution=first),
            max(0.0, fleet_until - time.perf_counter()),
            descent_only=True,
        )
        for first in (search.first_solution, *search.also_first)
    ]
    fleet = min(descents, key=lambda found: _fleet_cost(problem, found))
    if sum(map(len, fleet)) < len(problem.jobs):
        return fleet  # some job is still out: no vehicle to spare
    fleet = _eliminate(problem, search, fleet, until=fleet_until, deadline=deadline)
    used = [v for v, sequence in enumerate(fleet) if sequence]
    exact = problem.hard_windows and not (problem.rider_cost_per_s or problem.wait_cost_per_s)
    share = search.recombine_share if exact else 0.0  # it minimises distance within windows
    searching_until = deadline - problem.time_limit_s * share
    found = _on_vehicles(problem, search, fleet, used, searching_until - time.perf_counter())
    if not exact:
        return found
    pool: partition.Pool = {}
    found = _recombine(problem, found, pool, until=deadline)
    while (left := deadline - time.perf_counter()) > 0:
        again = _on_vehicles(problem, search, found, used, left * search.again_share)
        if _fleet_cost(problem, again) >= _fleet_cost(problem, found):
            break
        found = _recombine(problem, again, pool, until=deadline)
    return found


def _recombine(
    problem: Problem, found: list[list[int]], pool: partition.Pool, *, until: float
) -> list[list[int]]:
    """Route groups recombined (`recombine`), then the best partition of the routes they
    ordered (`partition`), from which groups again, while a partition is shorter."""
    found = recombine.improve(problem, found, until=until, pool=pool)
    while time.perf_counter() < until:
        shorter = partition.improve(problem, found, pool, until=until)
        if shorter is None:
            break
        found = recombine.improve(problem, shorter, until=until, pool=pool)
    return found


def _eliminate(
    problem: Problem, search: Search, fleet: list[list[int]], *, until: float, deadline: float
) -> list[list[int]]:
    """Empty routes one at a time, smallest first, while their jobs fit on the others. When
    `eject_after` attempts in a row left jobs out, the one that left fewest out is given to
    the ejection pool, and again (another seed) after every `eject_after` more: a route the
    search can empty is emptied by the search, whose plan is the better start for distance
    (R101 at 2 s: 19 / 1654.0 from the search's 19 routes, 1659.9 from the pool's, the
    search's second attempt succeeding)."""
    keep = {v for v, vehicle in enumerate(problem.vehicles) if vehicle.carried}
    failed: set[int] = set()
    left_out: list[tuple[list[list[int]], list[int]]] = []  # this fleet size's failed attempts
    fewest = _fewest_vehicles(problem)
    while (left := until - time.perf_counter()) > 0:
        used = [v for v, sequence in enumerate(fleet) if sequence]
        candidates = [v for v in used if v not in keep | failed]
        if len(used) <= fewest or not candidates:
            break
        dropped = min(candidates, key=lambda v: len(fleet[v]))
        kept = [v for v in used if v != dropped]
        attempt = _on_vehicles(problem, search, fleet, kept, min(search.eliminate_s, left))
        if sum(map(len, attempt)) < len(problem.jobs):
            failed.add(dropped)
            left_out.append((attempt, kept))
            if len(left_out) % search.eject_after or search.eject_s <= 0 or keep:
                continue
            attempt, kept = max(left_out, key=lambda tried: sum(map(len, tried[0])))
            ejecting_until = min(deadline, time.perf_counter() + search.eject_s)
            seed = len(left_out) // search.eject_after
            attempt = (
                eject.repair(problem, attempt, kept, until=ejecting_until, seed=seed) or attempt
            )
        if sum(map(len, attempt)) == len(problem.jobs):
            fleet, failed, left_out = attempt, set(), []
    return fleet


def _fleet_cost(problem: Problem, fleet: list[list[int]]) -> tuple[int, int, float]:
    """Jobs left out, vehicles used, distance: the order the two phases minimise them in."""
    d, used = problem.distances, [(v, seq) for v, seq in enumerate(fleet) if seq]
    metres = sum(
        sum(d[a][b] for a, b in itertools.pairwise([vehicle.start, *nodes, vehicle.end]))
        for v, seq in used
        for vehicle, nodes in [(problem.vehicles[v], [problem.jobs[j].node for j in seq])]
    )
    return len(problem.jobs) - sum(map(len, fleet)), len(used), metres


def _fewest_vehicles(problem: Problem) -> int:
    """No plan uses fewer: even the largest boxes first need this many for all the bags."""
    bags, boxes = sum(job.demand for job in problem.jobs), 0
    for capacity in sorted((v.capacity for v in problem.vehicles), reverse=True):
        if bags <= 0:
            break
        bags, boxes = bags - capacity, boxes + 1
    return max(boxes, 1)


def _on_vehicles(
    problem: Problem, search: Search, start: list[list[int]], used: list[int], time_s: float
) -> list[list[int]]:
    """A search from `start` restricted to the vehicles `used`, with no cost per vehicle."""
    narrowed = msgspec.structs.replace(
        problem,
        vehicles=[problem.vehicles[v] for v in used],
        vehicle_cost=0,
        previous=_ids(problem, [start[v] for v in used]),
    )
    found = _search(narrowed, search, time_s, descent_only=False)
    sequences: list[list[int]] = [[] for _ in problem.vehicles]
    for v, sequence in zip(used, found, strict=True):
        sequences[v] = sequence
    return sequences


def _search(
    problem: Problem, search: Search, time_s: float, *, descent_only: bool
) -> list[list[int]]:
    """Job indices per vehicle as the search leaves them after `time_s` (or a local optimum)."""
    if not problem.jobs or not problem.vehicles:
        return [[] for _ in problem.vehicles]  # OR-Tools aborts the process on no vehicles
    model = ortools_model.build(problem)
    parameters = _parameters(search, time_s, descent_only=descent_only)
    initial = ortools_model.warm_start(model, problem, parameters) if problem.previous else None
    if initial is not None:
        solution = model.routing.SolveFromAssignmentWithParameters(initial, parameters)
        if solution is None:  # no time left to search at all: the start is still a plan
            solution = initial
    else:
        solution = model.routing.SolveWithParameters(parameters)
    return ortools_model.sequences(model, solution, len(problem.vehicles))


def _parameters(search: Search, time_s: float, *, descent_only: bool):
    parameters = pywrapcp.DefaultRoutingSearchParameters()
    parameters.first_solution_strategy = getattr(
        routing_enums_pb2.FirstSolutionStrategy, search.first_solution
    )
    metaheuristic = "GREEDY_DESCENT" if descent_only else search.metaheuristic
    assert metaheuristic is not None, "plan_routes chooses one"
    parameters.local_search_metaheuristic = getattr(
        routing_enums_pb2.LocalSearchMetaheuristic, metaheuristic
    )
    operators = parameters.local_search_operators
    for field in operators.DESCRIPTOR.fields:
        wanted = (
            field.name in search.operators
            or field.name == "use_make_active"
            or (field.name == "use_swap_active" and bool(search.swap_active))
        )
        setattr(operators, field.name, BOOL_TRUE if wanted else BOOL_FALSE)
    if search.overrides:
        text_format.Merge(search.overrides, parameters)
    parameters.time_limit.FromMilliseconds(max(1, round(time_s * 1000)))
    return parameters


def _short(name: str | None) -> str | None:
    short = {"GUIDED_LOCAL_SEARCH": "GLS", "GREEDY_DESCENT": "GD", "TABU_SEARCH": "TABU"}
    return name if name is None else short.get(name, name)
