"""Delivery's use cases."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TypeVar

import asyncpg
import msgspec

from services.delivery import store as db
from services.delivery.capacity import Capacity, RiderBox, RiderCapacity
from services.delivery.dispatch.wakeup import wake_dispatcher
from services.delivery.domain import Coverage, coverage
from services.delivery.forecast import Pending, RiderTime, door_time
from services.delivery.promise import HANDOVER, PROMISE, Pace, on_the_shelf, promise
from services.delivery.routing.matrix import travel_matrix
from shared.clock import Clock
from shared.errors import NotFound

T = TypeVar("T")


class Quote(msgspec.Struct, frozen=True, kw_only=True):
    store_id: str
    deliverable: bool
    distance_m: int | None
    promise_at: datetime | None
    meets_30_minutes: bool
    reason: str | None


async def quote(
    conn: asyncpg.Connection,
    clock: Clock,
    store_id: str,
    *,
    lat: float,
    lng: float,
    pickup: bool,
    packed: bool = False,
    batching: bool = True,
) -> Quote:
    """Can the store take this order now, and by when will it be at the door (or ready)?
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
    basis = _known(store_id, await db.quote_basis(conn, store_id=store_id, now=now))
    arrival = None
    if not pickup:
        riders = await db.rider_times(conn, store_id=store_id)
        pending = await db.unassigned(conn, store_id=store_id, now=now)
        arrival = _arrival(
            now, basis, riders, pending, (lat, lng), packed=packed, batching=batching
        )
    made = promise(
        now,
        distance_m=None if pickup else place.distance_m,
        backlog=basis.backlog,
        pace=basis.pace,
        arrival=arrival,
        packed=packed,
    )
    return Quote(
        store_id=store_id,
        deliverable=True,
        distance_m=place.distance_m,
        promise_at=made.promise_at,
        meets_30_minutes=made.meets_30_minutes,
        reason=made.reason,
    )


AT_STORE_M = 150  # a rider this close to the store is at the store (as the dispatcher counts)


def _arrival(
    now: datetime,
    basis: db.QuoteBasis,
    riders: list[db.RiderRow],
    pending: list[db.UnassignedRow],
    door: tuple[float, float],
    *,
    packed: bool,
    batching: bool,
) -> datetime | None:
    """When the riders' future has a new order at `door` (None: no rider on shift)."""
    pace = basis.pace
    store = (basis.lat, basis.lng)
    seconds, _ = travel_matrix(
        [store, *((o.lat, o.lng) for o in pending), door],
        detour_factor=pace.detour_factor,
        speed_kmh=pace.rider_speed_kmh,
    )

    def back_from(lat: float | None, lng: float | None) -> tuple[float, float]:
        """(seconds, metres) from there to the store."""
        if lat is None or lng is None:
            return 0.0, 0.0
        t, m = travel_matrix(
            [(lat, lng), store], detour_factor=pace.detour_factor, speed_kmh=pace.rider_speed_kmh
        )
        return t[0][1], m[0][1]

    times = []
    for r in riders:
        if r.eta is not None:  # out, or about to be: free when back from the last door
            ride, _ = back_from(r.stop_lat, r.stop_lng)
            free = max(now, r.eta + timedelta(seconds=basis.service_s + ride))
        else:
            ride, metres = back_from(r.lat, r.lng)
            free = now + timedelta(seconds=ride if metres / pace.detour_factor > AT_STORE_M else 0)
        box = r.box_bags or basis.bag_capacity
        times.append(RiderTime(rider_id=r.rider_id, free_at=free, capacity=box))
    waiting = [
        Pending(
            order_id=o.order_id,
            place=1 + i,
            ready_by=o.ready_by,
            latest=min(o.promise_at, o.placed_at + PROMISE) - HANDOVER,
            bags=o.bags,
        )
        for i, o in enumerate(pending)
    ]
    new = Pending(
        order_id="",
        place=len(pending) + 1,
        ready_by=on_the_shelf(now, basis.backlog, pace, packed=packed),
        latest=now + PROMISE - HANDOVER,
        bags=basis.typical_bags,
    )
    return door_time(
        times, waiting, new, seconds=seconds, service_s=basis.service_s, batching=batching
    )


async def check_coverage(
    conn: asyncpg.Connection, store_id: str, lat: float, lng: float
) -> Coverage:
    zone = await db.get_zone(conn, store_id=store_id)
    if zone is None:
        raise _unknown(store_id)
    return coverage(zone, lat, lng)


async def riders(conn: asyncpg.Connection, store_id: str) -> list[db.Rider]:
    return await db.list_riders(conn, store_id=store_id)


async def pace(conn: asyncpg.Connection, store_id: str) -> Pace:
    return _known(store_id, await db.get_pace(conn, store_id=store_id))


async def set_pace(conn: asyncpg.Connection, store_id: str, pace: Pace) -> Pace:
    """Promises from now on are made at this pace; the dispatcher plans rides with it."""
    return _known(store_id, await db.set_pace(conn, store_id=store_id, pace=pace))


async def capacity(conn: asyncpg.Connection, store_id: str) -> Capacity:
    return _known(store_id, await db.get_capacity(conn, store_id=store_id))


async def set_capacity(conn: asyncpg.Connection, store_id: str, capacity: Capacity) -> Capacity:
    """Every rider without a box of their own carries this from the next plan on. A box
    smaller than an order already packed is accepted: the dispatch board names that order."""
    saved = _known(store_id, await db.set_capacity(conn, store_id=store_id, capacity=capacity))
    await wake_dispatcher(conn, store_id)
    return saved


async def rider_capacity(conn: asyncpg.Connection, store_id: str, rider_id: str) -> RiderCapacity:
    found = await db.get_rider_capacity(conn, store_id=store_id, rider_id=rider_id)
    if found is None:
        raise _no_rider(store_id, rider_id)
    return found


async def set_rider_capacity(
    conn: asyncpg.Connection, store_id: str, rider_id: str, box: RiderBox
) -> RiderCapacity:
    """The rider carries their own box from the next plan on (null: the store's again)."""
    saved = await db.set_rider_capacity(
        conn, store_id=store_id, rider_id=rider_id, box_bags=box.box_bags
    )
    if saved is None:
        raise _no_rider(store_id, rider_id)
    await wake_dispatcher(conn, store_id)
    return saved


def _no_rider(store_id: str, rider_id: str) -> NotFound:
    return NotFound(f"store {store_id} has no rider {rider_id}", field="rider_id")


def _known(store_id: str, found: T | None) -> T:
    """What delivery found of a store, or NotFound naming it."""
    if found is None:
        raise _unknown(store_id)
    return found


def _unknown(store_id: str) -> NotFound:
    return NotFound(f"delivery knows no store {store_id}", field="store_id")
