"""The quote: can the store take this order now, and by when will it be at the door?

Made from the riders' future (`forecast`), as the dispatcher would place the orders no rider
carries yet and then this one. A store's future is built at most once a store second per process
(`Futures`): at peak a store is quoted many times a second and the riders' state moves by the
second, and a quote then costs the new order's place in it, not the whole evening again.
Orders quoted within that second do not see each other; the promise's margin on a rider wait
(`promise.RIDER_WAIT_MARGIN`) is larger than what one second's orders take.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg
import msgspec

from services.delivery import store as db
from services.delivery.dispatch.planning import AT_STORE_M, PLAN_MARGIN
from services.delivery.forecast import Future, Pending, RiderTime, future_of
from services.delivery.promise import HANDOVER, PROMISE, on_the_shelf, promise
from services.delivery.routing.matrix import StraightLineTravel, travel_matrix
from services.delivery.service import check_coverage, known
from shared.clock import Clock


class Quote(msgspec.Struct, frozen=True, kw_only=True):
    store_id: str
    deliverable: bool
    distance_m: int | None
    promise_at: datetime | None
    meets_30_minutes: bool
    reason: str | None


@dataclass(frozen=True)
class Built:
    """A store's future and the places its matrix holds (the store, then each order)."""

    future: Future | None
    places: list[tuple[float, float]]
    travel: StraightLineTravel


class Futures:
    """Each store's future, rebuilt when older than `ttl_s` (store seconds: under a fast clock
    a wall second is minutes of riding) or when the store's pace, box or policy changed."""

    def __init__(self, ttl_s: float = 1.0) -> None:
        self._ttl_s = ttl_s
        self._held: dict[str, tuple[float, tuple, Built]] = {}

    async def of(
        self,
        conn: asyncpg.Connection,
        store_id: str,
        *,
        now: datetime,
        basis: db.QuoteBasis,
        batching: bool,
    ) -> Built:
        # A new pace or box is a new future at once, whatever its age.
        at, key = now.timestamp(), (batching, basis.pace, basis.bag_capacity, basis.service_s)
        held = self._held.get(store_id)
        if held is not None and held[1] == key and at - held[0] < self._ttl_s:
            return held[2]
        riders = await db.rider_times(conn, store_id=store_id)
        pending = await db.unassigned(conn, store_id=store_id, now=now)
        built = build(now, basis, riders, pending, batching=batching)
        self._held[store_id] = (at, key, built)
        return built


async def quote(
    conn: asyncpg.Connection,
    clock: Clock,
    futures: Futures,
    store_id: str,
    *,
    lat: float,
    lng: float,
    pickup: bool,
    packed: bool = False,
    batching: bool = True,
) -> Quote:
    """Can the store take this order now, and by when will it be at the door (or ready)?
    A promise refused or later than 30 minutes is recorded with its cause (one insert, only
    when the store is behind); an address outside the zone is not the store's doing.
    `packed`: a basket already bagged (the till's deliver-home) needs no picking. `batching`:
    the dispatcher lets orders share a trip (not under the greedy policy)."""
    place = await check_coverage(conn, store_id, lat, lng)
    if not pickup and not place.deliverable:
        return Quote(
            store_id=store_id,
            deliverable=False,
            distance_m=place.distance_m,
            promise_at=None,
            meets_30_minutes=False,
            reason=f"the address is {place.distance_m} m away; this store delivers within "
            f"{place.radius_m} m",
        )
    now = clock.now()
    basis = known(store_id, await db.quote_basis(conn, store_id=store_id, now=now))
    arrival = None
    if not pickup:
        built = await futures.of(conn, store_id, now=now, basis=basis, batching=batching)
        arrival = arrival_at(now, basis, built, (lat, lng), packed=packed)
    made = promise(
        now,
        distance_m=None if pickup else place.distance_m,
        backlog=basis.backlog,
        pace=basis.pace,
        arrival=arrival,
        packed=packed,
    )
    if made.cause is not None and made.reason is not None:  # for the manager's live page
        await db.add_late_quote(
            conn,
            store_id=store_id,
            at=now,
            fulfilment="pickup" if pickup else "delivery",
            cause=made.cause,
            promise_at=made.promise_at,
            reason=made.reason,
        )
    return Quote(
        store_id=store_id,
        deliverable=True,
        distance_m=place.distance_m,
        promise_at=made.promise_at,
        meets_30_minutes=made.meets_30_minutes,
        reason=made.reason,
    )


def build(
    now: datetime,
    basis: db.QuoteBasis,
    riders: list[db.RiderRow],
    pending: list[db.UnassignedRow],
    *,
    batching: bool,
) -> Built:
    """The riders as they are, with the orders no rider carries yet placed on them."""
    pace = basis.pace
    travel = StraightLineTravel(pace.detour_factor, pace.rider_speed_kmh)
    store = (basis.lat, basis.lng)
    places = [store, *((o.lat, o.lng) for o in pending)]
    seconds, _ = travel_matrix(
        places, detour_factor=pace.detour_factor, speed_kmh=pace.rider_speed_kmh
    )
    # Where each rider comes back to the store from: the last door of their route, or where
    # they are now (unknown: at the store); one matrix row for all of them.
    origins = [(r.stop_lat, r.stop_lng) if r.eta is not None else (r.lat, r.lng) for r in riders]
    back_s, back_m = travel.durations_and_distances(
        [store, *((a, b) if a is not None and b is not None else store for a, b in origins)]
    )
    times = []
    for i, r in enumerate(riders, start=1):
        ride = float(back_s[0][i])
        if r.eta is not None:  # out, or about to be: free when back from the last door
            free = max(now, r.eta + timedelta(seconds=basis.service_s + ride))
        else:
            away = back_m[0][i] / pace.detour_factor > AT_STORE_M
            free = now + timedelta(seconds=ride if away else 0)
        box = r.box_bags or basis.bag_capacity
        times.append(RiderTime(rider_id=r.rider_id, free_at=free, capacity=box))
    waiting = [
        Pending(
            order_id=o.order_id,
            place=1 + i,
            ready_by=o.ready_by,
            # the dispatcher's own deadline for it: its promise (`planning.build_problem`)
            latest=o.promise_at - HANDOVER - PLAN_MARGIN,
            bags=o.bags,
        )
        for i, o in enumerate(pending)
    ]
    future = future_of(
        times, waiting, seconds=seconds, service_s=basis.service_s, batching=batching
    )
    return Built(future=future, places=places, travel=travel)


def arrival_at(
    now: datetime,
    basis: db.QuoteBasis,
    built: Built,
    door: tuple[float, float],
    *,
    packed: bool,
) -> datetime | None:
    """When the riders' future has a new order at `door` (None: no rider on shift)."""
    if built.future is None:
        return None
    seconds, _ = built.travel.durations_and_distances([door, *built.places])
    new = Pending(
        order_id="",
        place=-1,  # not in the matrix: `arrival_of` adds it
        ready_by=on_the_shelf(now, basis.backlog, basis.pace, packed=packed),
        latest=now + PROMISE - HANDOVER,
        bags=basis.typical_bags,
    )
    return built.future.arrival_of(new, seconds[0][1:].tolist())
