"""The dispatcher: ready orders and free riders become committed routes, one dispatcher per
store at a time, solving in a child process while its event loop stays responsive."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import asyncpg
import pytest

from services.delivery.consumers import CONSUMERS
from services.delivery.dispatch import dispatcher as dispatching
from services.delivery.dispatch.dispatcher import Dispatcher, dispatch_once, solver_pool
from services.delivery.settings import DeliverySettings
from shared.bus import drain
from shared.clock import Clock
from shared.db import create_pool
from shared.events import RiderAssigned
from tests.eventually import eventually
from tests.integration.eventlog import published

STORE, LAT, LNG = "kobe-sannomiya", 34.6937, 135.1955  # the demo store


@pytest.fixture
async def store(database, demo):
    """The demo store known to delivery, and a pool on the test database."""
    pool = await create_pool(database)
    for consumer in CONSUMERS:
        while await drain(pool, consumer):
            pass
    yield pool
    await pool.close()


async def ready(
    pool: asyncpg.Pool,
    n: int,
    *,
    due_min: float,
    north_m: float = 800,
    bags=1,
    status: str = "ready",
    paid_min_ago: float = 0,
):
    """A packed delivery order waiting for a rider (as delivery records it from the events),
    or with `status` "waiting" one still being packed, paid `paid_min_ago`."""
    order_id = f"ord_{n}_{time.monotonic_ns()}"
    await pool.execute(
        "INSERT INTO delivery.deliveries (store_id, order_id, member_id, lat, lng, address_text,"
        " promise_at, placed_at, status, handover_code, bags, ready_at)"
        " VALUES ($1, $2, 'mem_test_1', $3, $4, 'Kobe', now() + $5::interval,"
        " now() - $7::interval, $6, '1234', $8,"
        " CASE WHEN $6 = 'ready' THEN now() END)",
        STORE,
        order_id,
        LAT + north_m / 111_000,
        LNG,
        timedelta(minutes=due_min),
        status,
        timedelta(minutes=paid_min_ago),
        bags,
    )
    return order_id


async def on_shift(pool: asyncpg.Pool, *riders: str) -> None:
    await pool.execute(
        "UPDATE delivery.riders SET on_shift = true, lat = $2, lng = $3, located_at = now()"
        " WHERE store_id = $1 AND rider_id = ANY($4::text[])",
        STORE,
        LAT,
        LNG,
        list(riders),
    )


async def routes(pool: asyncpg.Pool) -> dict[str, list[str]]:
    rows = await pool.fetch(
        "SELECT o.rider_id, array_agg(s.order_id ORDER BY s.seq) AS orders"
        " FROM delivery.routes o JOIN delivery.route_stops s USING (store_id, route_id)"
        " WHERE o.store_id = $1 GROUP BY o.route_id, o.rider_id",
        STORE,
    )
    return {r["rider_id"]: r["orders"] for r in rows}


def settings(database: str, **kw) -> DeliverySettings:
    return DeliverySettings(database_url=database, solve_time_limit_s=0.5, **kw)


async def test_a_lone_packed_order_leaves_with_the_only_rider_at_once(store, database):
    await on_shift(store, "rider-1")
    lone = await ready(store, 1, due_min=29, north_m=1500)
    with solver_pool() as executor:
        dispatch = dict(clock=Clock(), settings=settings(database), executor=executor, owner="t")
        run = await dispatch_once(store, STORE, **dispatch)
    assert run is not None and run.committed == 1 and run.held == 0
    assert await routes(store) == {"rider-1": [lone]}


async def test_a_route_waits_for_an_order_going_its_way_and_leaves_with_it_when_packed(
    store, database
):
    await on_shift(store, "rider-1")  # riders are short: a trip saved is worth waiting for
    first = await ready(store, 1, due_min=29, north_m=1500)
    # paid 4 minutes ago; with no packing measured yet the store expects 5: packed in 1
    coming = await ready(store, 2, due_min=26, north_m=1400, status="waiting", paid_min_ago=4)
    with solver_pool() as executor:
        dispatch = dict(clock=Clock(), settings=settings(database), executor=executor, owner="t")
        held = await dispatch_once(store, STORE, **dispatch)
        assert held is not None and held.committed == 0 and held.held == 1
        assert await routes(store) == {}

        await store.execute(
            "UPDATE delivery.deliveries SET status = 'ready', ready_at = now() WHERE order_id = $1",
            coming,
        )
        second = await dispatch_once(store, STORE, **dispatch)
    assert second is not None and second.committed == 1 and second.held == 0
    [(rider, orders)] = (await routes(store)).items()
    assert orders == [coming, first]  # one trip: the nearer door first
    statuses = await store.fetch(
        "SELECT status, rider_id, eta FROM delivery.deliveries WHERE store_id = $1", STORE
    )
    assert {(r["status"], r["rider_id"]) for r in statuses} == {("assigned", rider)}
    [announced] = await published(database, "rider.assigned", RiderAssigned)
    assert announced.order_ids == orders and len(announced.etas) == 2
    assert announced.etas[0] < announced.etas[1]
    row = await store.fetchrow("SELECT * FROM delivery.dispatch_runs WHERE store_id = $1", STORE)
    assert row["ready_orders"] == 2 and row["committed"] == 1 and row["owner"] == "t"


async def test_greedy_dispatch_sends_one_order_per_trip(store, database):
    orders = [await ready(store, i, due_min=10, north_m=700 + 10 * i) for i in range(3)]
    await on_shift(store, "rider-1", "rider-2")
    with solver_pool() as executor:
        await dispatch_once(
            store,
            STORE,
            clock=Clock(),
            executor=executor,
            owner="t",
            settings=settings(database, dispatch_policy="greedy"),
        )
    planned = await routes(store)  # two riders, two trips; the third order waits for a rider
    assert sorted(planned.values()) == sorted([[o] for o in orders[:2]])


async def test_solving_happens_in_another_process_and_the_loop_keeps_ticking(store, database):
    for i in range(30):
        await ready(store, i, due_min=15 + i % 10, north_m=300 + 60 * i)
    await on_shift(store, *(f"rider-{n}" for n in range(1, 6)))
    gaps: list[float] = []

    async def tick():
        last = time.monotonic()
        while True:
            await asyncio.sleep(0.01)
            gaps.append(time.monotonic() - last)
            last = time.monotonic()

    with solver_pool() as executor:
        ticker = asyncio.create_task(tick())
        started = time.monotonic()
        await dispatch_once(
            store,
            STORE,
            clock=Clock(),
            executor=executor,
            owner="t",
            settings=DeliverySettings(database_url=database, solve_time_limit_s=1.0),
        )
        took = time.monotonic() - started
        ticker.cancel()
    assert took >= 1.0  # the solve used its time limit
    assert max(gaps) < 0.25  # while the loop never stalled


async def test_one_dispatcher_per_store_and_another_takes_over(store, database, monkeypatch):
    monkeypatch.setattr(dispatching, "CLAIM_EVERY_S", 0.1)
    claims: dict[int, int] = {}
    claim = Dispatcher._claim

    async def counted(self, locks, pool) -> None:
        await claim(self, locks, pool)
        claims[id(self)] = claims.get(id(self), 0) + 1

    monkeypatch.setattr(Dispatcher, "_claim", counted)
    first, second = (Dispatcher(settings(database)) for _ in range(2))
    stop_first, stop_second = asyncio.Event(), asyncio.Event()
    running = [
        asyncio.create_task(first.run(stop_first)),
        asyncio.create_task(second.run(stop_second)),
    ]
    try:
        await eventually(lambda: first.owned | second.owned, "a dispatcher to take the store")
        other = second if first.owned else first
        tried = claims.get(id(other), 0)
        await eventually(  # the other has asked for the store since, and more than once
            lambda: claims.get(id(other), 0) >= tried + 2, "the other dispatcher to try again"
        )
        assert (first.owned, second.owned) in [({STORE}, set()), (set(), {STORE})]
        other, stop_holder = (second, stop_first) if first.owned else (first, stop_second)
        stop_holder.set()  # its connections close, and with them the lock
        await eventually(lambda: other.owned, "the other dispatcher to take over")
        assert other.owned == {STORE}
    finally:
        stop_first.set()
        stop_second.set()
        await asyncio.gather(*running)


async def test_a_burst_of_events_is_planned_once_then_again_after_the_gap(
    store, database, monkeypatch
):
    """Every packed order and returning rider wakes the dispatcher; on a busy evening they
    come every few seconds, and one plan per `replan_gap_s` covers them all."""
    monkeypatch.setattr(dispatching, "CLAIM_EVERY_S", 0.05)
    planned: list[float] = []

    async def counted(pool, store_id, **kw):
        planned.append(time.monotonic())

    monkeypatch.setattr(dispatching, "dispatch_once", counted)
    dispatcher = Dispatcher(settings(database, replan_gap_s=1.0, replan_s=600))
    stop = asyncio.Event()
    running = asyncio.create_task(dispatcher.run(stop))
    conn = await asyncpg.connect(database)
    try:
        await eventually(lambda: planned, "the first plan")
        started = planned[0]
        for _ in range(10):  # a burst: an event every 50 ms
            await conn.execute("SELECT pg_notify('delivery_dispatch', $1)", STORE)
            await asyncio.sleep(0.05)
        # A third plan could only follow a wake after the second, and the burst is over.
        await eventually(lambda: len(planned) >= 2, "the plan for the burst", timeout=5)
    finally:
        stop.set()
        await running
        await conn.close()
    assert len(planned) == 2, planned  # the first plan, then one for the whole burst
    assert planned[1] - started >= 0.95
