"""From a store's snapshot to a routing problem, and from the plan to what is committed. Pure.

Nodes: the store first, then the position of each rider out on the road, then one per order.
Free riders start at the store (when they are back: a rider still riding home is free from the
moment they arrive) and may take any ready order; a rider out on the road keeps what they carry
(those orders are pinned to them and they take nothing new), and their plan only refreshes
ETAs. An order must be at the door by its promise less the hand-over (DESIGN.md section 5).

A planned route is committed only when waiting longer would cost: its tightest order has less
than `hold_slack` to spare before it should be at the door (30 minutes after payment, or its
promise if sooner), or its rider is full. Otherwise it is held for the next plan, so an order
packed a minute later can join a rider going the same way (batching), but never once the
30 minutes or the promise is at stake. Holding saves trips, which matters only while riders
are short: when the plan leaves a free rider without a route, every route leaves at once (the
simulator's peak at 160 riders: holding delivered at a p50 of 25 minutes what sending at once
delivers in 11).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

import msgspec

from services.delivery.promise import HANDOVER, PROMISE
from services.delivery.routing.matrix import travel_matrix
from services.delivery.routing.model import Job, Plan, Problem, Vehicle

AT_STORE_M = 150  # a rider this close to the store is at the store
HOLD_SLACK = timedelta(minutes=4)


class Place(msgspec.Struct, frozen=True, array_like=True):
    lat: float
    lng: float


class Order(msgspec.Struct, frozen=True, kw_only=True):
    order_id: str
    at: Place
    promise_at: datetime
    bags: int
    placed_at: datetime | None = None  # paid; None: only the promise counts

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
    jobs = [
        Job(
            job_id=o.order_id,
            node=first_job + i,
            demand=max(o.bags, 1),
            latest=max(0, int((o.promise_at - HANDOVER - now).total_seconds())),
            service_s=snap.service_s,
        )
        for i, o in enumerate(jobs_at)
    ]
    vehicles = [
        Vehicle(
            vehicle_id=r.rider_id,
            start=1 + i,
            end=0,
            capacity=max(r.capacity or snap.bag_capacity, sum(o.bags for o in r.carrying)),
            carried=[o.order_id for o in r.carrying],
            accepts_new=False,
        )
        for i, r in enumerate(on_road)
    ]
    for i, rider in enumerate(free):  # they fetch bags at the store first: start there
        home = first_free + i
        away = distances[home][0] > AT_STORE_M
        vehicles.append(
            Vehicle(
                vehicle_id=rider.rider_id,
                start=0,
                end=0,
                capacity=rider.capacity or snap.bag_capacity,
                available_at=int(durations[home][0]) if away else 0,
            )
        )
    return Problem(
        durations=durations,
        distances=distances,
        jobs=jobs,
        vehicles=vehicles,
        time_limit_s=time_limit_s,
        previous=[list((previous or {}).get(v.vehicle_id, ())) for v in vehicles],
    )


def decide(
    snap: Snapshot, plan: Plan, now: datetime, *, hold: timedelta | None = HOLD_SLACK
) -> Decision:
    """Which planned routes to commit now, which orders to hold, and fresh ETAs for the road.
    `hold` None commits every route at once (a policy that does not batch has nothing to wait
    for)."""
    free = {r.rider_id for r in snap.riders if not r.carrying}
    orders = [*snap.ready, *(o for r in snap.riders for o in r.carrying)]
    aim = {o.order_id: o.aim() for o in orders}
    bags = {o.order_id: o.bags for o in snap.ready}
    commit: list[Assignment] = []
    held: list[str] = []
    etas: dict[str, datetime] = {}
    planned = {r.vehicle_id for r in plan.routes}
    if any(r.rider_id not in planned for r in snap.riders if not r.carrying):
        hold = None  # a free rider is left without a route: no trip to save, send them now
    for route in plan.routes:
        arrivals = [(v.job_id, now + timedelta(seconds=v.arrival)) for v in route.visits]
        if route.vehicle_id not in free:
            etas.update(arrivals)
            continue
        slack = min(aim[j] - HANDOVER - at for j, at in arrivals)
        full = sum(bags[j] for j, _ in arrivals) >= box_of(snap, route.vehicle_id)
        if hold is None or slack <= hold or full:
            commit.append(
                Assignment(
                    rider_id=route.vehicle_id,
                    order_ids=[j for j, _ in arrivals],
                    etas=[at for _, at in arrivals],
                )
            )
        else:
            held += [j for j, _ in arrivals]
    return Decision(
        commit=commit,
        held=held,
        etas=etas,
        late_orders=plan.late_jobs,
        lateness_s=plan.lateness_s,
        unassigned=list(plan.unassigned),
    )


def box_of(snap: Snapshot, rider_id: str) -> int:
    """The bags a rider's box carries: their own, else the store's."""
    own = next((r.capacity for r in snap.riders if r.rider_id == rider_id), None)
    return own or snap.bag_capacity
