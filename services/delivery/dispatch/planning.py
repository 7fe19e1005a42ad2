"""From a store's snapshot to a routing problem, and from the plan to what is committed. Pure.

Nodes: the store first, then the position of each rider out on the road, then one per order.
Free riders start at the store (when they are back: a rider still riding home is free from the
moment they arrive) and may take any ready order; a rider out on the road keeps what they carry
(those orders are pinned to them and they take nothing new), and their plan only refreshes
ETAs. Each rider on the road is also their next trip (`next_trip`): a vehicle from the store
when they will be back, as the quote's model of the future has them (`forecast`). Nothing
planned on a next trip leaves (it waits for the next plan, when that rider is back or another
is sooner); without it, the only free rider took every order, and the smoke run committed a
door 7 minutes late that a rider back in 12 minutes would have reached 6 minutes early. An
order must be at the door by its promise less the hand-over (docs/design.md, the budget).

What the plan minimises is what the store pays and the shopper feels: promises kept first (the
solver's on-time phase), then the shopper's seconds from now to the door (`SHOPPER_S_M` metres
of riding each) and the riders' seconds from leaving to being back (`RIDER_S_M` while riders are
short, `SPARE_RIDER_S_M` while free riders outnumber the orders in hand); metres only break
ties. So a rider at the store is preferred to one still riding back whenever that brings the
door sooner, and orders share a trip when the rider time it saves is worth the minutes it adds.
When one trip a rider cannot carry every order in hand, those left for a later plan are the ones
that can wait (`urgency`).

What leaves now (`decide`): a route whose rider is at the store leaves at once, unless an order
going the same way will be packed within `holding.HOLD_BOUND` and is worth waiting for
(`holding.worth_waiting`); a route planned for a rider still riding back waits for the next plan
(it cannot leave before they are back, and a rider back sooner may take it then); a full rider
always leaves. The greedy policy commits one order per trip.

When to search (`dispatcher.plan_snapshot`): most re-plans at peak follow one change, a rider
back at the store or an order packed, so the last plan (`LastPlan`) is repaired first
(`routing.repair`: a rider back takes their next trip, an order gone is dropped, a new one goes
where the objective above says it costs least, then a greedy descent from there) and OR-Tools
searches, for `solve_limit`, only when that plan breaks a promise a rider could still keep
(`search_needed`) or the repair has no room for an order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

import msgspec

from services.delivery.dispatch import holding
from services.delivery.promise import HANDOVER, PROMISE
from services.delivery.routing.matrix import travel_matrix
from services.delivery.routing.model import Job, Plan, Problem, Route, Vehicle

AT_STORE_M = 150  # a rider this close to the store is at the store
BACK_SOON_S = 60  # a rider this close to the store in time counts as back
# Plans aim this far inside each promise: a rider's minute at a door or a slow scan at the
# store is not a broken promise (the smoke run's one late order was 0.1 s past, planned to 0).
# An aim, not the deadline: a plan that keeps every promise only by riding inside the margin
# is still on time (`Problem.aim_inside_s`). One minute broke 2 of 276 promises over fast smoke
# seeds 1-30 (a far door held 34 minutes for a rider, 54 s late); two kept all 275, for about a
# point of "within 30" (60.2 -> 59.1 % a seed); hema-peak at 80 riders, seed 7, fast: 100 % both,
# p50 13.3 -> 13.4 min.
PLAN_MARGIN = timedelta(minutes=2)
# The search's time per plan (`solve_limit`): a warm-started re-plan of 20 orders gets 0.5 s,
# about what bench.dispatch's note says a warm start needs (0.3 s for a few new orders); at
# hema-peak the service stayed the same with half the CPU (README, Dispatcher CPU).
SOLVE_FLOOR_S = 0.1
SOLVE_S_PER_ORDER = 0.02
# An order left out of a plan (`urgency`): weighs up to four, halving its excess every 5 min.
URGENCY_GAIN = 3.0
URGENCY_HALF_S = 300.0


class Place(msgspec.Struct, frozen=True, array_like=True):
    lat: float
    lng: float


class Order(msgspec.Struct, frozen=True, kw_only=True):
    order_id: str
    at: Place
    promise_at: datetime
    bags: int
    placed_at: datetime | None = None  # paid; None: only the promise counts
    ready_by: datetime | None = None  # still being packed: when the floor should be done

    def aim(self) -> datetime:
        """When the order should be at the door: 30 minutes after payment, or the promise if
        that is sooner. A later promise (a busy evening, a far door) is a limit to keep, not a
        reason to wait longer."""
        if self.placed_at is None:
            return self.promise_at
        return min(self.promise_at, self.placed_at + PROMISE)


class Rider(msgspec.Struct, frozen=True, kw_only=True):
    """A rider on shift with no assigned route (free), or out with `carrying` still to deliver."""

    rider_id: str
    at: Place | None  # unknown until the first ping
    carrying: list[Order] = []
    route_id: str | None = None
    capacity: int | None = None  # bags their own box carries; None: the store's box


class Snapshot(msgspec.Struct, frozen=True, kw_only=True):
    store_id: str
    store: Place
    bag_capacity: int
    service_s: int
    detour_factor: float
    speed_kmh: float
    ready: list[Order]
    riders: list[Rider]
    waiting: list[Order] = []  # paid, still being picked or packed (bags: the store's typical)

    def box(self, rider: Rider) -> int:
        """The bags a rider's box carries: their own, else the store's."""
        return rider.capacity or self.bag_capacity


class Assignment(msgspec.Struct, frozen=True, kw_only=True):
    """A route to commit: a free rider and their orders in order, with ETAs at each door."""

    rider_id: str
    order_ids: list[str]
    etas: list[datetime]


class Decision(msgspec.Struct, frozen=True, kw_only=True):
    commit: list[Assignment]
    held: list[str]  # ready orders planned but not committed yet
    etas: dict[str, datetime]  # fresh ETAs of orders out on the road
    late_orders: int
    lateness_s: float
    unassigned: list[str]


def build_problem(
    snap: Snapshot,
    now: datetime,
    *,
    time_limit_s: float = 1.0,
    previous: Mapping[str, Sequence[str]] | None = None,
) -> Problem:
    """The routing problem for this moment (time zero = `now`). `previous`: the last plan's
    orders per rider, to start the search from (orders gone since are dropped by the solver)."""
    on_road = [r for r in snap.riders if r.carrying]
    free = [r for r in snap.riders if not r.carrying]
    jobs_at = [*snap.ready, *(o for r in on_road for o in r.carrying)]
    places = [
        snap.store,
        *(r.at or snap.store for r in on_road),
        *(r.at or snap.store for r in free),
        *(o.at for o in jobs_at),
    ]
    durations, distances = travel_matrix(
        [(p.lat, p.lng) for p in places],
        detour_factor=snap.detour_factor,
        speed_kmh=snap.speed_kmh,
    )
    first_free, first_job = 1 + len(on_road), 1 + len(on_road) + len(free)
    jobs = []
    for i, o in enumerate(jobs_at):
        latest = max(0, int((o.promise_at - HANDOVER - now).total_seconds()))
        node = first_job + i
        slack = latest - durations[0][node] - snap.service_s
        jobs.append(
            Job(
                job_id=o.order_id,
                node=node,
                demand=max(o.bags, 1),
                latest=latest,
                service_s=snap.service_s,
                urgency=urgency(slack),
            )
        )
    vehicles = [
        Vehicle(
            vehicle_id=r.rider_id,
            start=1 + i,
            end=0,
            capacity=max(snap.box(r), sum(o.bags for o in r.carrying)),
            carried=[o.order_id for o in r.carrying],
            accepts_new=False,
        )
        for i, r in enumerate(on_road)
    ]
    node_of = {j.job_id: j.node for j in jobs}
    for i, rider in enumerate(on_road):
        nodes = [node_of[o.order_id] for o in rider.carrying]
        back = _back_s(durations, 1 + i, nodes, snap.service_s)
        vehicles.append(
            Vehicle(
                vehicle_id=next_trip(rider.rider_id),
                start=0,
                end=0,
                capacity=snap.box(rider),
                available_at=int(back),
            )
        )
    for i, rider in enumerate(free):  # they fetch bags at the store first: start there
        home = first_free + i
        away = distances[home][0] > AT_STORE_M
        vehicles.append(
            Vehicle(
                vehicle_id=rider.rider_id,
                start=0,
                end=0,
                capacity=snap.box(rider),
                available_at=int(durations[home][0]) if away else 0,
            )
        )
    rider_s = holding.RIDER_S_M if riders_short(snap) else holding.SPARE_RIDER_S_M
    return Problem(
        durations=durations,
        distances=distances,
        jobs=jobs,
        vehicles=vehicles,
        rider_cost_per_s=rider_s,
        wait_cost_per_s=holding.SHOPPER_S_M,
        aim_inside_s=int(PLAN_MARGIN.total_seconds()),
        time_limit_s=time_limit_s,
        previous=[list((previous or {}).get(v.vehicle_id, ())) for v in vehicles],
    )


def urgency(slack_s: float) -> float:
    """What leaving an order out of this plan weighs, against another's: 1 for an order that
    can wait, up to `1 + URGENCY_GAIN` for one whose promise, less the ride straight to its
    door, is now (`slack_s` 0), halving every `URGENCY_HALF_S` of slack. A plan of one trip a
    rider cannot carry a peak's orders; with every order weighed alike the search left out the
    far doors, which cost most to ride, plan after plan while nearer ones paid later went
    first, and broke their promises (hema-peak, 48 riders, fast, seed 7: 3 to 4 of 511, each
    left out of every plan for minutes with 15 minutes to spare). Count still comes first
    while there is time: two orders that can wait outweigh one, until the one's slack is
    under about a `URGENCY_HALF_S`."""
    return 1 + URGENCY_GAIN * 0.5 ** (max(slack_s, 0.0) / URGENCY_HALF_S)


def next_trip(rider_id: str) -> str:
    """The vehicle id of a rider's trip after the one they are on."""
    return f"{rider_id} next"


def _back_s(durations: list[list[float]], start: int, stops: list[int], service_s: int) -> float:
    """Seconds until a rider at `start` has handed over at `stops`, in order, and is back."""
    at, place = 0.0, start
    for stop in stops:
        at, place = at + durations[place][stop] + service_s, stop
    return at + durations[place][0]


class LastPlan(msgspec.Struct, frozen=True, kw_only=True):
    """What a store's last plan planned: the next plan repairs it (`repair.plan_repaired`) or
    starts its search from it."""

    routes: dict[str, list[str]]  # orders per vehicle, in order

    @classmethod
    def of(cls, plan: Plan) -> LastPlan:
        return cls(routes={r.vehicle_id: [v.job_id for v in r.visits] for r in plan.routes})

    def previous(self, snap: Snapshot) -> dict[str, list[str]]:
        """The routes per vehicle of this snapshot: a rider back at the store (free now) takes
        what the plan had on their next trip, for that trip is now."""
        routes = dict(self.routes)
        for rider in snap.riders:
            if not rider.carrying:
                trip = routes.pop(next_trip(rider.rider_id), [])
                routes[rider.rider_id] = [*routes.get(rider.rider_id, []), *trip]
        return routes


def solve_limit(snap: Snapshot, cap_s: float) -> float:
    """The search's time for this snapshot: `SOLVE_FLOOR_S` plus `SOLVE_S_PER_ORDER` for each
    order in hand, at most `cap_s` (the store's setting). Most plans of an evening re-plan a
    few orders from the last plan (a warm start), and a second a plan every ten seconds was
    a tenth of a core per store at peak."""
    return min(cap_s, SOLVE_FLOOR_S + SOLVE_S_PER_ORDER * len(snap.ready))


def missed_aim(problem: Problem, plan: Plan) -> bool:
    """Whether a door the plan may still move (one no rider carries) is past its aim: a plan
    kept as it was is then polished by a descent (`dispatcher.plan_snapshot`)."""
    pinned = _carried(problem)
    aim = {j.job_id: j.latest - problem.aim_inside_s for j in problem.jobs}
    return any(
        v.arrival > aim[v.job_id] for r in plan.routes for v in r.visits if v.job_id not in pinned
    )


def _carried(problem: Problem) -> set[str]:
    """The orders on riders' bikes: their doors cannot move to another rider."""
    return {j for v in problem.vehicles for j in v.carried}


def search_needed(problem: Problem, plan: Plan) -> bool:
    """Whether a plan (the last one repaired, then descended) must give way to a search: a door
    it plans past its promise that some rider could still reach by it (straight from the store
    when free). A door missed for want of riders, that no rider reaches by its promise, is not
    a reason: no order of stops brings it sooner. Nor is a door past its aim yet inside its
    promise: the descent prices every second past the aim, and at hema-peak's 64 riders (fast,
    seed 7) a search left fewer doors past their aims than the descent in 8 of 252 searches,
    each by one door and seconds, for five times the descent's CPU. A door a rider carries cannot
    move and is no reason either."""
    free = [v for v in problem.vehicles if v.accepts_new]
    pinned = _carried(problem)
    jobs = {j.job_id: j for j in problem.jobs if j.job_id not in pinned}
    return any(
        visit.arrival > job.latest
        and any(v.available_at + problem.durations[v.start][job.node] <= job.latest for v in free)
        for route in plan.routes
        for visit in route.visits
        if (job := jobs.get(visit.job_id)) is not None
    )


def riders_short(snap: Snapshot) -> bool:
    """Fewer free riders than orders packed or being packed: a trip saved is a rider freed."""
    free = sum(1 for r in snap.riders if not r.carrying)
    return free < len(snap.ready) + len(snap.waiting)


def decide(snap: Snapshot, plan: Plan, now: datetime, *, batching: bool = True) -> Decision:
    """Which planned routes to commit now, which orders to hold, and fresh ETAs for the road.
    Without `batching` (the greedy policy) each free rider takes the first order of its plan
    alone and nothing is held."""
    free = {r.rider_id for r in snap.riders if not r.carrying}
    orders = [*snap.ready, *(o for r in snap.riders for o in r.carrying)]
    aim = {o.order_id: o.aim() for o in orders}
    commit: list[Assignment] = []
    held: list[str] = []
    etas: dict[str, datetime] = {}
    places = _Places(snap)
    short = riders_short(snap)
    later = {next_trip(r.rider_id) for r in snap.riders if r.carrying}
    for route in plan.routes:
        arrivals = [(v.job_id, now + timedelta(seconds=v.arrival)) for v in route.visits]
        if route.vehicle_id in later:  # a rider not back yet: decided again when they are
            held += [j for j, _ in arrivals]
            continue
        if route.vehicle_id not in free:
            etas.update(arrivals)
            continue
        if not batching:
            arrivals = arrivals[:1]
        elif not _leaves_now(snap, places, route, arrivals, aim, now, short=short):
            held += [j for j, _ in arrivals]
            continue
        commit.append(
            Assignment(
                rider_id=route.vehicle_id,
                order_ids=[j for j, _ in arrivals],
                etas=[at for _, at in arrivals],
            )
        )
    return Decision(
        commit=commit,
        held=held,
        etas=etas,
        late_orders=plan.late_jobs,
        lateness_s=plan.lateness_s,
        unassigned=list(plan.unassigned),
    )


class _Places:
    """The store, the ready orders and the waiting ones, with travel times between them,
    measured once per decision and only when a route at the store has room to wait."""

    def __init__(self, snap: Snapshot) -> None:
        self.snap = snap
        orders = [*snap.ready, *snap.waiting]
        self.index = {o.order_id: 1 + i for i, o in enumerate(orders)}
        self._seconds: list[list[float]] | None = None

    def travel(self, a: int, b: int) -> float:
        if self._seconds is None:
            snap = self.snap
            points = [snap.store, *(o.at for o in (*snap.ready, *snap.waiting))]
            self._seconds, _ = travel_matrix(
                [(p.lat, p.lng) for p in points],
                detour_factor=snap.detour_factor,
                speed_kmh=snap.speed_kmh,
            )
        return self._seconds[a][b]


def _leaves_now(
    snap: Snapshot,
    places: _Places,
    route: Route,
    arrivals: list[tuple[str, datetime]],
    aim: dict[str, datetime],
    now: datetime,
    *,
    short: bool,
) -> bool:
    """A free rider's planned route: leave now, or hold it for the next plan."""
    if route.start_at > BACK_SOON_S:
        # Still riding back: nothing leaves before they are here, and the next plan may give
        # it to a rider back sooner. Committed early, a route planned late stayed late (the
        # smoke run's one broken promise: the third stop of a rider 12 minutes out).
        return False
    bags = {o.order_id: o.bags for o in snap.ready}
    rider = next(r for r in snap.riders if r.rider_id == route.vehicle_id)
    room = snap.box(rider) - sum(bags[j] for j, _ in arrivals)
    if room <= 0 or not snap.waiting:
        return True
    wait = holding.worth_waiting(
        [
            holding.Stop(place=places.index[j], eta=at, latest=aim[j] - HANDOVER)
            for j, at in arrivals
        ],
        [
            holding.Candidate(
                order_id=o.order_id,
                place=places.index[o.order_id],
                ready_by=o.ready_by or now,
                latest=o.aim() - HANDOVER,
                bags=o.bags,
            )
            for o in snap.waiting
        ],
        now=now,
        room=room,
        service_s=snap.service_s,
        travel=places.travel,
        riders_short=short,
    )
    return wait is None
