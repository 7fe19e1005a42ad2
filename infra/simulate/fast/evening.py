"""One store's evening in the fast mode: orders quoted and placed, picked, dispatched and
ridden on the discrete-event clock; read back as the full simulator's `Measured`, so the same
figures and report come out."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial

from infra.simulate.city import StoreSite
from infra.simulate.fast import floor
from infra.simulate.fast.catalog import Offers, stocked
from infra.simulate.fast.clock import Clock
from infra.simulate.fast.dispatching import Dispatcher
from infra.simulate.fast.picking import Floor, bag_count, store_bays
from infra.simulate.fast.riding import Rider
from infra.simulate.geo import distance_m
from infra.simulate.manager import floor_pace
from infra.simulate.measure import PROMISE_MIN, Measured, OrderRow
from infra.simulate.riders import FAILURES
from infra.simulate.scenario import Scenario
from infra.simulate.shoppers import Shopper
from infra.simulate.stack import picker_ids, rider_ids, staff_prefix
from infra.simulate.world import agent_rng
from services.delivery import store as db
from services.delivery.arrival import arrival_at, build
from services.delivery.dispatch.planning import Decision, Order, Place, Snapshot
from services.delivery.dispatch.planning import Rider as PlanRider
from services.delivery.domain import Zone, coverage
from services.delivery.promise import Pace, promise
from services.delivery.quoting import Quote

OPENING = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)  # 18:00 in Kobe
SERVICE_S = 120  # the store's planned hand-over (the delivery service's default)
ROUNDING_S = 1.0  # below the soonest door, against floating-point sums of legs


@dataclass
class Placed:
    order_id: str
    at: tuple[float, float]
    promise_at: datetime
    delivery: floor.Delivery
    zones: list[tuple[str, int]] = field(default_factory=list)  # packed so far, lines each
    zones_left: int = 0
    stages: dict[str, float] = field(default_factory=dict)
    claimed: float | None = None
    route_id: str | None = None
    eta: datetime | None = None


class Evening:
    """A store on the clock: its floor, its riders and dispatcher, its orders."""

    def __init__(self, sc: Scenario, catalog: list[dict], clock: Clock, site: StoreSite) -> None:
        self.sc, self.clock, self.site = sc, clock, site
        self.by_sku = {p["sku"]: p for p in catalog}
        self.tally: Counter = Counter()
        self.orders: dict[str, Placed] = {}
        self.pace = Pace(
            orders_per_hour=floor_pace(sc.pickers, sc.seconds_per_item, sc.pack_seconds),
            detour_factor=sc.detour,
            rider_speed_kmh=sc.speed_kmh,
        )
        self.zone = Zone(
            store_id=site.store_id, lat=site.at[0], lng=site.at[1], radius_m=site.radius_m
        )
        self.floor = Floor(
            sc=sc,
            at=clock.at,
            packed=self._packed,
            claimed=self._claimed,
            bays=store_bays(catalog),
            offers=Offers([p for p, _ in stocked(sc)]),
        )
        prefix = staff_prefix(site.store_id)
        self.riders = {r: Rider(r, site.at) for r in (prefix + x for x in rider_ids(sc.riders))}
        self.rngs: dict[str, random.Random] = {r: agent_rng(sc.seed, r) for r in self.riders}
        self.routes: dict[str, dict] = {}
        self.samples: list[dict] = []
        self.dispatcher = Dispatcher(
            at=clock.at,
            snapshot=self.snapshot,
            commit=self.commit,
            stamp=stamp,
            policy=sc.policy,
            time_limit_s=sc.dispatch_time_limit_s,
        )
        for p in picker_ids(sc.pickers):
            self.floor.start(prefix + p, sc.seed)

    # -- the shopper's side ------------------------------------------------------------

    def quote(self, now: float, door: tuple[float, float]) -> Quote:
        """What the delivery service answers at checkout (`quoting.quote`), by the same
        functions the service calls."""
        where = coverage(self.zone, *door)
        if not where.deliverable:
            return Quote(
                store_id=self.site.store_id,
                deliverable=False,
                distance_m=where.distance_m,
                promise_at=None,
                meets_30_minutes=False,
                reason="outside the zone",
            )
        at = stamp(now)
        deliveries = [o.delivery for o in self.orders.values()]
        _, typical = floor.packing_pace(deliveries, at)
        basis = db.QuoteBasis(
            lat=self.site.at[0],
            lng=self.site.at[1],
            pace=self.pace,
            bag_capacity=self.sc.box_bags,
            service_s=SERVICE_S,
            typical_bags=typical,
            backlog=floor.backlog(deliveries),
        )
        built = build(
            at, basis, self._rider_rows(now), self._unassigned(at), batching=self._batching
        )
        arrival = arrival_at(at, basis, built, door, packed=False)
        made = promise(
            at, distance_m=where.distance_m, backlog=basis.backlog, pace=self.pace, arrival=arrival
        )
        return Quote(
            store_id=self.site.store_id,
            deliverable=True,
            distance_m=where.distance_m,
            promise_at=made.promise_at,
            meets_30_minutes=made.meets_30_minutes,
            reason=made.reason,
        )

    @property
    def _batching(self) -> bool:
        return self.sc.policy != "greedy"

    def place(self, now: float, who: Shopper, promise_at: datetime) -> None:
        order_id = f"ord_{self.site.store_id}_{who.member_id}"
        lines = [
            {**line, "zone": p["zone"], "bin": p["bin"]}
            for line in who.lines
            for p in (self.by_sku[line["sku"]],)
        ]
        at = stamp(now)
        order = Placed(
            order_id,
            (who.address["lat"], who.address["lng"]),
            promise_at,
            floor.Delivery(order_id, "waiting", at),
            zones_left=len({x["zone"] for x in lines}),
            stages={"created": now, "paid": now},
        )
        self.orders[order_id] = order
        self.floor.add(order_id, promise_at, lines)

    # -- the floor -----------------------------------------------------------------------

    def _claimed(self, order_id: str, now: float) -> None:
        o = self.orders[order_id]
        o.claimed = now if o.claimed is None else o.claimed

    def _packed(self, order_id: str, zone: str, now: float, lines: int) -> None:
        o = self.orders[order_id]
        o.zones.append((zone, lines))
        o.zones_left -= 1
        if o.zones_left:
            return
        o.stages["packed"] = now
        d = o.delivery
        o.delivery = floor.Delivery(
            d.order_id, "ready", d.placed_at, stamp(now), bag_count(o.zones)
        )
        self.dispatcher.wake(now)

    # -- what the delivery service reads -------------------------------------------------

    def _unassigned(self, at: datetime) -> list[db.UnassignedRow]:
        deliveries = [o.delivery for o in self.orders.values()]
        queue = {q[0]: q for q in floor.floor_queue(deliveries, at, self.pace.orders_per_hour)}
        rows = []
        for o in self.orders.values():
            d = o.delivery
            if d.status not in ("waiting", "ready"):
                continue
            ready = d.status == "ready"
            rows.append(
                db.UnassignedRow(
                    order_id=o.order_id,
                    lat=o.at[0],
                    lng=o.at[1],
                    promise_at=o.promise_at,
                    placed_at=d.placed_at,
                    bags=d.bags if ready else queue[o.order_id][2],
                    ready_by=at if ready else queue[o.order_id][1],
                )
            )
        return rows

    def _rider_rows(self, now: float) -> list[db.RiderRow]:
        last: dict[str, Placed] = {}
        for o in self.orders.values():
            route = self.routes.get(o.route_id or "")
            if route and o.delivery.status in ("assigned", "out") and o.eta is not None:
                mine = last.get(route["rider_id"])
                if mine is None or (mine.eta or o.eta) < o.eta:
                    last[route["rider_id"]] = o
        rows = []
        for rider_id in sorted(self.riders):
            lat, lng = self.riders[rider_id].heard(now)
            stop = last.get(rider_id)
            rows.append(
                db.RiderRow(
                    rider_id=rider_id,
                    box_bags=None,
                    lat=lat,
                    lng=lng,
                    eta=stop.eta if stop else None,
                    stop_lat=stop.at[0] if stop else None,
                    stop_lng=stop.at[1] if stop else None,
                )
            )
        return rows

    def snapshot(self, now: float) -> Snapshot:
        """`dispatch.store.snapshot`, from the evening's state."""
        at = stamp(now)
        deliveries = [o.delivery for o in self.orders.values()]
        ready = sorted(
            (o for o in self.orders.values() if o.delivery.status == "ready"),
            key=lambda o: (o.promise_at, o.order_id),
        )
        queue = floor.floor_queue(deliveries, at, self.pace.orders_per_hour)
        riders = []
        for rider_id in sorted(self.riders):
            rider = self.riders[rider_id]
            if rider.route_status == "assigned":
                continue
            carrying = []
            if rider.route_status == "out":
                route = self.routes[rider.route_id or ""]
                carrying = [
                    self._plan_order(self.orders[i])
                    for i in route["order_ids"]
                    if self.orders[i].delivery.status == "out"
                ]
            riders.append(
                PlanRider(
                    rider_id=rider_id,
                    at=Place(*rider.heard(now)),
                    carrying=carrying,
                    route_id=rider.route_id,
                )
            )
        return Snapshot(
            store_id=self.site.store_id,
            store=Place(*self.site.at),
            bag_capacity=self.sc.box_bags,
            service_s=SERVICE_S,
            detour_factor=self.sc.detour,
            speed_kmh=self.sc.speed_kmh,
            ready=[self._plan_order(o) for o in ready],
            riders=riders,
            waiting=[
                Order(
                    order_id=i,
                    at=Place(*self.orders[i].at),
                    promise_at=self.orders[i].promise_at,
                    placed_at=self.orders[i].delivery.placed_at,
                    bags=bags,
                    ready_by=ready_by,
                )
                for i, ready_by, bags in queue
            ],
        )

    def _plan_order(self, o: Placed) -> Order:
        return Order(
            order_id=o.order_id,
            at=Place(*o.at),
            promise_at=o.promise_at,
            placed_at=o.delivery.placed_at,
            bags=o.delivery.bags,
        )

    # -- the dispatcher's commits and the riders -----------------------------------------

    def commit(self, now: float, snap: Snapshot, decision: Decision) -> None:
        for a in decision.commit:
            rider = self.riders[a.rider_id]
            if rider.route_status is not None:
                continue
            route_id = f"rte_{len(self.routes) + 1}"
            self.routes[route_id] = {
                "route_id": route_id,
                "rider_id": a.rider_id,
                "planned_at": stamp(now),
                "picked_up_at": None,
                "done_at": None,
                "stops": len(a.order_ids),
                "order_ids": list(a.order_ids),
            }
            for order_id, eta in zip(a.order_ids, a.etas, strict=True):
                o = self.orders[order_id]
                o.delivery = _with(o.delivery, "assigned")
                o.route_id, o.eta = route_id, eta
            rider.route_id, rider.route_status = route_id, "assigned"
            pickup = rider.next_poll(now)
            self.clock.at(pickup, partial(self._pick_up, rider, pickup))
        for order_id, eta in decision.etas.items():
            self.orders[order_id].eta = eta

    def _pick_up(self, rider: Rider, now: float) -> None:
        route = self.routes[rider.route_id or ""]
        route["picked_up_at"] = stamp(now)
        rider.route_status = "out"
        for order_id in route["order_ids"]:
            o = self.orders[order_id]
            o.delivery = _with(o.delivery, "out")
            o.stages["out_for_delivery"] = now
        self._next_door(rider, now, 0)

    def _next_door(self, rider: Rider, now: float, i: int) -> None:
        route = self.routes[rider.route_id or ""]
        if i == len(route["order_ids"]):
            route["done_at"] = stamp(now)
            rider.route_id = rider.route_status = None
            rider.back_at = rider.ride(
                now, self.site.at, detour=self.sc.detour, speed_kmh=self.sc.speed_kmh
            )
            self.dispatcher.wake(now)
            return
        o = self.orders[route["order_ids"][i]]
        there = rider.ride(now, o.at, detour=self.sc.detour, speed_kmh=self.sc.speed_kmh)
        done = there + self.sc.handover_seconds

        def hand_over() -> None:
            rng = self.rngs[rider.rider_id]
            failed = rng.random() < self.sc.fail_share
            if failed:
                rng.choice(FAILURES)
            o.stages["delivery_failed" if failed else "delivered"] = done
            o.delivery = _with(o.delivery, "failed" if failed else "delivered")
            self._next_door(rider, done, i + 1)

        self.clock.at(done, hand_over)

    # -- read back ---------------------------------------------------------------------

    def open_orders(self) -> int:
        return sum(
            1 for o in self.orders.values() if o.delivery.status not in ("delivered", "failed")
        )

    def certain_misses(self, now: float) -> tuple[int, int]:
        """Orders that can no longer count for the target, by the same tests the figures make
        (`OrderRow.within_30`, `kept_promise`): at the door more than 30 minutes after payment,
        or not there yet and unable to be there within 30 minutes; and delivered after the
        promise. An order still at the store reaches its door at the soonest after the ride
        there from the store and the hand-over (`earliest_door`); one on the road, at `now`."""
        late = broken = 0
        for o in self.orders.values():
            paid = o.stages["paid"]
            door = o.stages.get("delivered") or o.stages.get("delivery_failed")
            if door is None:
                door = now if o.delivery.status == "out" else self.earliest_door(now, o)
            if (stamp(door) - stamp(paid)).total_seconds() / 60 > PROMISE_MIN:
                late += 1
            if "delivered" in o.stages and stamp(o.stages["delivered"]) > o.promise_at:
                broken += 1
        return late, broken

    def earliest_door(self, now: float, o: Placed) -> float:
        """The soonest an order not yet out could be handed over: a rider leaves the store
        with it no sooner than `now` and rides legs of straight lines stretched by the detour,
        each at least as long as the straight line (`Rider.ride`), so no route reaches its
        door sooner than the ride straight there. `ROUNDING_S` keeps the bound below the
        route's own float sums."""
        ride_s = distance_m(self.site.at, o.at) * self.sc.detour / (self.sc.speed_kmh / 3.6)
        return now + ride_s + self.sc.handover_seconds - ROUNDING_S

    def sample(self, now: float) -> None:
        status = Counter(o.delivery.status for o in self.orders.values())
        self.samples.append(
            {
                "at": stamp(now),
                "pick tasks queued": len(self.floor.queue),
                "pick tasks in progress": self.floor.in_hand,
                "ready for a rider": status["ready"],
                "with a rider": status["assigned"] + status["out"],
            }
        )

    def measured(self, ended: float) -> Measured:
        rows = []
        for o in self.orders.values():
            status = {"failed": "delivery_failed"}.get(o.delivery.status, o.delivery.status)
            stages = {k: stamp(v) for k, v in o.stages.items()}
            claimed = stamp(o.claimed) if o.claimed is not None else None
            first = stamp(o.claimed + self.sc.seconds_per_item) if o.claimed is not None else None
            rows.append(OrderRow(o.order_id, status, o.promise_at, stages, claimed, first))
        rows.sort(key=lambda r: r.stages["paid"])
        pings = {
            rider_id: [
                p for leg in r.legs for p in ((stamp(leg.start), *leg.a), (stamp(leg.end), *leg.b))
            ]
            for rider_id, r in self.riders.items()
        }
        subs = {**self.floor.substitutes, "by_preference": 0}
        return Measured(
            rows,
            [{k: v for k, v in r.items() if k != "order_ids"} for r in self.routes.values()],
            pings,
            subs,
            OPENING,
            stamp(ended),
            self.site.at,
            samples=self.samples,
            dispatcher_cpu_s=self.dispatcher.solver_cpu_s,
        )


def _with(d: floor.Delivery, status: str) -> floor.Delivery:
    return floor.Delivery(d.order_id, status, d.placed_at, d.ready_at, d.bags)


def stamp(t: float) -> datetime:
    return OPENING + timedelta(seconds=t)
