"""The quote: can the store take this order now, and by when will it be at the door?

Made from the riders' future (`arrival`), as the dispatcher would place the orders no rider
carries yet and then this one. What a quote reads of a store (its zone and basis in one
statement, then its riders and the orders no rider carries) is read at most once a store second
per process and held (`Futures`): at peak a store is quoted many times a second and all of it
moves by the second, so a quote then sends no SQL and costs the new order's place in the future,
not the whole evening again. Orders quoted within that second do not see each other; the
promise's margin on a rider wait (`promise.RIDER_WAIT_MARGIN`) is larger than what one second's
orders take.

A pace, box or rider's box set through this process's API is quoted at once: the change drops
the store's held read when it commits (`Futures.changing`). Set through another worker process,
or written by an event consumer (the zone, riders on shift, the floor's backlog), it is quoted
at most one store second later. Under a fast clock (the simulator) that second is store time,
so a wall second holds nothing for long.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime

import asyncpg
import msgspec

from services.delivery import store as db
from services.delivery.arrival import Built, arrival_at, build
from services.delivery.domain import Zone, coverage
from services.delivery.promise import promise
from services.delivery.service import known
from shared.clock import Clock
from shared.db import unit_of_work


class Quote(msgspec.Struct, frozen=True, kw_only=True):
    store_id: str
    deliverable: bool
    distance_m: int | None
    promise_at: datetime | None
    meets_30_minutes: bool
    reason: str | None


@dataclass(frozen=True)
class Held:
    """What quotes read of a store at store time `at` (a POSIX timestamp)."""

    at: float
    zone: Zone
    basis: db.QuoteBasis
    built: Built


class Futures:
    """Each store's read, held for `ttl_s` store seconds (under a fast clock a wall second is
    minutes of riding). Quotes that miss together share one read, so a store is read at most
    once a store second per process however many quotes arrive at once."""

    def __init__(self, ttl_s: float = 1.0) -> None:
        self._ttl_s = ttl_s
        self._held: dict[tuple[str, bool], Held] = {}
        self._reads: dict[tuple[str, bool], asyncio.Task[Held]] = {}

    async def of(self, pool: asyncpg.Pool, store_id: str, *, now: datetime, batching: bool) -> Held:
        key = (store_id, batching)
        held = self._held.get(key)
        # A clock set back (a test's, a restarted simulation) is a new second too.
        if held is not None and 0 <= now.timestamp() - held.at < self._ttl_s:
            return held
        read = self._reads.get(key)
        if read is None:
            read = asyncio.create_task(self._read(pool, key, now))
            read.add_done_callback(_retrieved)
            self._reads[key] = read
        # Shielded: a quote given up on (its client gone) does not cancel the others' read.
        return await asyncio.shield(read)

    def forget(self, store_id: str) -> None:
        """The store changed: its next quote reads it again, even one already under way."""
        for batching in (True, False):
            self._held.pop((store_id, batching), None)
            self._reads.pop((store_id, batching), None)

    @asynccontextmanager
    async def changing(
        self, pool: asyncpg.Pool, store_id: str
    ) -> AsyncIterator[asyncpg.Connection]:
        """A transaction that changes what quotes read of the store, forgotten once it has
        committed: forgotten before, a quote in between would hold the old for a second."""
        async with unit_of_work(pool) as conn:
            yield conn
        self.forget(store_id)

    async def _read(self, pool: asyncpg.Pool, key: tuple[str, bool], now: datetime) -> Held:
        store_id, batching = key
        try:
            async with pool.acquire() as conn:
                zone, basis = known(
                    store_id, await db.quote_basis(conn, store_id=store_id, now=now)
                )
                riders = await db.rider_times(conn, store_id=store_id)
                pending = await db.unassigned(conn, store_id=store_id, now=now)
            held = Held(
                at=now.timestamp(),
                zone=zone,
                basis=basis,
                built=build(now, basis, riders, pending, batching=batching),
            )
            if self._reads.get(key) is asyncio.current_task():  # not forgotten meanwhile
                self._held[key] = held
            return held
        finally:
            if self._reads.get(key) is asyncio.current_task():
                del self._reads[key]


def _retrieved(read: asyncio.Task[Held]) -> None:
    """A read whose every quote was given up on still has its error looked at (not logged as
    never retrieved); the quotes that waited raised it themselves."""
    if not read.cancelled():
        read.exception()


async def quote(
    pool: asyncpg.Pool,
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
    now = clock.now()
    held = await futures.of(pool, store_id, now=now, batching=batching)
    place = coverage(held.zone, lat, lng)
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
    basis = held.basis
    arrival = None if pickup else arrival_at(now, basis, held.built, (lat, lng), packed=packed)
    made = promise(
        now,
        distance_m=None if pickup else place.distance_m,
        backlog=basis.backlog,
        pace=basis.pace,
        arrival=arrival,
        packed=packed,
    )
    if made.cause is not None and made.reason is not None:  # for the manager's live page
        async with pool.acquire() as conn:
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
