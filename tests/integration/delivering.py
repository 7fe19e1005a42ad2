"""Delivery helpers: the demo store's delivery orders straight onto the bus, the delivery
consumers drained, routes inserted as the dispatcher commits them, and riders' tokens."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import asyncpg

from services.delivery.consumers import CONSUMERS
from services.delivery.dispatch.dispatcher import Run, dispatch_once, solver_pool
from services.delivery.settings import DeliverySettings
from shared.auth import Role
from shared.bus import drain
from shared.clock import Clock
from shared.db import connect, create_pool
from shared.events import Address, Bag, Event, OrderPacked, OrderPlaced
from shared.ids import uuid7
from tests.eventually import eventually
from tests.integration.apps import bearer
from tests.integration.eventlog import publish_events

STORE = "kobe-sannomiya"
MEMBER = "mem_test_1"
RIDER_1 = bearer(Role.RIDER, store=STORE, subject="rider-1")
RIDER_2 = bearer(Role.RIDER, store=STORE, subject="rider-2")
MANAGER = bearer(Role.MANAGER, store=STORE)
SHOPPER = bearer(Role.SHOPPER, member=MEMBER)
# Near the demo store (34.6937, 135.1955), within its 3 km.
DOORS = [(34.6985, 135.1912), (34.6901, 135.2020), (34.7010, 135.1990)]


async def rider_on_duty(database: str, rider_id: str = "rider-5") -> None:
    """A demo rider on shift at the store (no rider on shift, no delivery promise)."""
    conn = await connect(database)
    try:
        await conn.execute(
            "UPDATE delivery.riders SET on_shift = true WHERE store_id = $1 AND rider_id = $2;",
            STORE,
            rider_id,
        )
        await conn.execute(
            "INSERT INTO delivery.shifts (store_id, rider_id, started_at) VALUES ($1, $2, now())"
            " ON CONFLICT DO NOTHING",
            STORE,
            rider_id,
        )
    finally:
        await conn.close()


async def handle_delivery(database: str) -> None:
    """Drain every delivery consumer (the demo's store.updated included). A delivery app under
    test runs the same consumers and may hold some events: wait until it has handled them."""
    names = [c.name for c in CONSUMERS]
    pool = await create_pool(database)
    try:

        async def waiting() -> int:
            for consumer in CONSUMERS:
                while await drain(pool, consumer):
                    pass
            return await pool.fetchval(
                "SELECT count(*) FROM kernel.deliveries WHERE consumer = ANY($1::text[])", names
            )

        await eventually(
            waiting, "delivery's consumers to handle every event", 15, ok=lambda n: n == 0
        )
    finally:
        await pool.close()


async def emit(database: str, *events: Event) -> None:
    """Publish `events` and let delivery handle them."""
    await publish_events(database, *events)
    await handle_delivery(database)


def placed(
    order_id: str | None = None,
    *,
    door: int = 0,
    fulfilment: str = "delivery",
    due_in: timedelta = timedelta(minutes=30),
    member_id: str = MEMBER,
) -> OrderPlaced:
    lat, lng = DOORS[door]
    return OrderPlaced(
        order_id=order_id or f"ord_{uuid.uuid4().hex}",
        store_id=STORE,
        member_id=member_id,
        fulfilment=fulfilment,  # type: ignore[arg-type]
        address=Address(lat=lat, lng=lng, text=f"Door {door + 1}, Kobe")
        if fulfilment == "delivery"
        else None,
        promise_at=datetime.now(UTC) + due_in,
        lines=[],
    )


def bag_codes(order_id: str, zones: Sequence[str] = ("ambient",)) -> list[str]:
    return [f"BAG-{order_id[-8:]}-{z}-1" for z in zones]


def packed(order_id: str, zones: Sequence[str] = ("ambient",)) -> OrderPacked:
    return OrderPacked(
        order_id=order_id,
        store_id=STORE,
        lines=[],
        bags=[
            Bag(code=code, zone=zone, number=1, of=1)  # type: ignore[arg-type]
            for code, zone in zip(bag_codes(order_id, zones), zones, strict=True)
        ],
    )


async def ready_orders(database: str, count: int, **kw) -> list[str]:
    """`count` delivery orders placed and packed (one ambient bag each, door i): ready."""
    orders = [placed(door=i % len(DOORS), **kw) for i in range(count)]
    await emit(database, *orders, *(packed(o.order_id) for o in orders))
    return [o.order_id for o in orders]


async def assign_route(
    database: str,
    rider_id: str,
    order_ids: Sequence[str],
    *,
    etas: Sequence[datetime] | None = None,
) -> str:
    """A route as the dispatcher commits one: the route (assigned), its stops in order with
    their ETAs, and the orders assigned to it and its rider."""
    now = datetime.now(UTC)
    etas = list(etas or [now + timedelta(minutes=8 * (i + 1)) for i in range(len(order_ids))])
    route_id = f"rte_{uuid7().hex}"
    conn = await connect(database)
    try:
        async with conn.transaction():
            await conn.execute(
                "INSERT INTO delivery.routes (store_id, route_id, rider_id, status, planned_at,"
                " solver) VALUES ($1, $2, $3, 'assigned', $4, 'test')",
                STORE,
                route_id,
                rider_id,
                now,
            )
            await conn.execute(
                "INSERT INTO delivery.route_stops (store_id, route_id, seq, order_id, eta)"
                " SELECT $1, $2, s.seq, s.order_id, s.eta"
                " FROM unnest($3::int[], $4::text[], $5::timestamptz[]) AS s (seq, order_id, eta)",
                STORE,
                route_id,
                list(range(1, len(order_ids) + 1)),
                list(order_ids),
                etas,
            )
            await conn.execute(
                "UPDATE delivery.deliveries d"
                " SET status = 'assigned', route_id = $2, rider_id = $3, eta = s.eta"
                " FROM unnest($4::text[], $5::timestamptz[]) AS s (order_id, eta)"
                " WHERE d.store_id = $1 AND d.order_id = s.order_id",
                STORE,
                route_id,
                rider_id,
                list(order_ids),
                etas,
            )
    finally:
        await conn.close()
    return route_id


async def dispatch_now(pool: asyncpg.Pool, database: str, owner: str) -> Run | None:
    """One dispatch of the demo store, as the dispatcher's loop runs it, with a short solve."""
    with solver_pool() as executor:
        return await dispatch_once(
            pool,
            STORE,
            clock=Clock(),
            executor=executor,
            owner=owner,
            settings=DeliverySettings(database_url=database, solve_time_limit_s=0.3),
        )


async def rows(database: str, query: str, *args: object) -> list[dict]:
    conn = await connect(database)
    try:
        return [dict(r) for r in await conn.fetch(query, *args)]
    finally:
        await conn.close()


HEARD_ALL = "-- the test's own notification, sent after the block --"


@asynccontextmanager
async def wake_ups(database: str) -> AsyncIterator[list[str]]:
    """The store ids the dispatcher is woken for while the block runs."""
    heard: list[str] = []
    conn = await connect(database)
    await conn.add_listener("delivery_dispatch", lambda *args: heard.append(args[3]))
    try:
        yield heard
        # A listener hears notifications in commit order: once it hears one sent now, it has
        # heard every wake-up the block committed.
        await conn.execute("SELECT pg_notify('delivery_dispatch', $1)", HEARD_ALL)
        await eventually(lambda: HEARD_ALL in heard, "the block's wake-ups to arrive")
        heard.remove(HEARD_ALL)
    finally:
        await conn.close()


def command(who: dict, key: str | None = None) -> dict:
    return {**who, "Idempotency-Key": key or str(uuid.uuid4())}
