"""The event bus on a real PostgreSQL: at least once, once in effect, in order per key."""

from __future__ import annotations

import asyncio
import contextlib
import random

import asyncpg
import pytest

from shared.bus import BusRunner, Consumer, dead_letters, drain, publish, retry_dead, subscribe
from shared.db import create_pool
from shared.events import StoreUpdated
from tests.eventually import eventually, waiting_on_a_lock
from tests.integration.bus_helpers import (
    clock,
    drain_all,
    effects,
    event,
    publish_one,
    recorder,
)


async def listening(pool: asyncpg.Pool) -> bool:
    """Whether a backend of this database has LISTENed (its last statement) and sits idle."""
    return await pool.fetchval(
        "SELECT count(*) > 0 FROM pg_stat_activity WHERE datname = current_database()"
        " AND state = 'idle' AND query LIKE 'LISTEN %'"
    )


async def make_due(pool: asyncpg.Pool) -> None:
    """Skip the backoff wait: every postponed delivery is due now."""
    await pool.execute("UPDATE kernel.deliveries SET next_attempt_at = now()")


async def test_committed_event_reaches_each_consumer_group_once(bus_pool):
    first, second = recorder("group.one"), recorder("group.two")
    async with bus_pool.acquire() as conn:
        await subscribe(conn, [first, second])
    await publish_one(bus_pool, "store-a")

    assert await drain_all(bus_pool, first) == 1
    assert await drain_all(bus_pool, second) == 1
    assert await drain_all(bus_pool, first) == 0
    assert len(await effects(bus_pool, "group.one")) == 1
    assert len(await effects(bus_pool, "group.two")) == 1


async def test_event_from_rolled_back_transaction_is_never_delivered(bus_pool):
    consumer = recorder("group.one")
    async with bus_pool.acquire() as conn:
        await subscribe(conn, [consumer])
        with pytest.raises(RuntimeError):
            async with conn.transaction():
                await publish(conn, event("store-a"), occurred_at=clock.now())
                raise RuntimeError("the change failed")

    assert await drain_all(bus_pool, consumer) == 0
    assert await bus_pool.fetchval("SELECT count(*) FROM kernel.events") == 0
    assert await effects(bus_pool, "group.one") == []


async def test_publish_outside_a_transaction_is_refused(bus_pool):
    async with bus_pool.acquire() as conn:
        with pytest.raises(RuntimeError, match="inside the transaction"):
            await publish(conn, event("store-a"), occurred_at=clock.now())


async def test_handler_that_fails_midway_gets_the_event_again_and_its_effect_lands_once(bus_pool):
    calls = []

    async def fail_first_time(_envelope) -> None:
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("the printer caught fire")

    consumer = recorder("group.one", before=fail_first_time)
    async with bus_pool.acquire() as conn:
        await subscribe(conn, [consumer])
    await publish_one(bus_pool, "store-a")

    assert await drain(bus_pool, consumer) == 1
    assert await effects(bus_pool, "group.one") == []  # its write was rolled back with it
    row = await bus_pool.fetchrow(
        "SELECT attempts, last_error, next_attempt_at > now() AS later FROM kernel.deliveries"
    )
    assert (row["attempts"], row["later"]) == (1, True)
    assert "printer caught fire" in row["last_error"]
    assert await drain(bus_pool, consumer) == 0  # backing off

    await make_due(bus_pool)
    assert await drain_all(bus_pool, consumer) == 1
    assert len(await effects(bus_pool, "group.one")) == 1
    assert len(calls) == 2


async def test_consumer_killed_while_handling_gets_the_event_again(bus_pool):
    inside = asyncio.Event()
    hang = [True]

    async def hang_first_time(_envelope) -> None:
        if hang[0]:
            inside.set()
            await asyncio.Event().wait()  # the process dies here

    consumer = recorder("group.one", before=hang_first_time)
    async with bus_pool.acquire() as conn:
        await subscribe(conn, [consumer])
    await publish_one(bus_pool, "store-a")

    doomed = asyncio.create_task(drain(bus_pool, consumer))
    await asyncio.wait_for(inside.wait(), 5)
    doomed.cancel()
    with pytest.raises(asyncio.CancelledError):
        await doomed
    hang[0] = False

    assert await drain_all(bus_pool, consumer) == 1
    assert len(await effects(bus_pool, "group.one")) == 1


async def test_instance_that_dies_holding_a_self_transacting_delivery_gives_it_back_at_once(
    bus_pool, database
):
    """A consumer with its own transactions (settling a packed order) holds its claim on a
    connection: no other instance takes the delivery while the holder lives, and the moment it
    dies the delivery is due again, not after a lease runs out."""
    inside = asyncio.Event()

    def self_transacting(instance: str, hang: bool) -> Consumer:
        async def handle(pool: asyncpg.Pool, envelope) -> None:
            async with pool.acquire() as conn:
                await conn.execute(
                    "INSERT INTO public.effects (consumer, instance, event_id, key, n)"
                    " VALUES ('group.one', $1, $2, $3, 1)",
                    instance,
                    envelope.id,
                    envelope.key,
                )
            if hang:
                inside.set()
                await asyncio.Event().wait()  # the process dies here

        return Consumer("group.one", (StoreUpdated.topic,), handle, own_transactions=True)

    async with bus_pool.acquire() as conn:
        await subscribe(conn, [self_transacting("b", hang=False)])
    await publish_one(bus_pool, "store-a")
    doomed_pool = await create_pool(database, max_size=2)
    doomed = asyncio.create_task(drain(doomed_pool, self_transacting("a", hang=True)))
    await asyncio.wait_for(inside.wait(), 5)

    survivor = self_transacting("b", hang=False)
    assert await drain(bus_pool, survivor) == 0  # held by the living instance
    doomed_pool.terminate()  # kill -9: its connections are gone, nothing is cleaned up
    doomed.cancel()
    with contextlib.suppress(asyncio.CancelledError, asyncpg.InterfaceError):
        await doomed

    await eventually(lambda: drain(bus_pool, survivor), "the delivery to be due again", 5)
    assert [r["instance"] for r in await effects(bus_pool, "group.one")] == ["a", "b"]
    assert await bus_pool.fetchval("SELECT count(*) FROM kernel.deliveries") == 0


async def test_redelivery_of_a_handled_event_changes_nothing(bus_pool):
    consumer = recorder("group.one")
    async with bus_pool.acquire() as conn:
        await subscribe(conn, [consumer])
    await publish_one(bus_pool, "store-a")
    await drain_all(bus_pool, consumer)
    # The same event offered again, as after a lost acknowledgement.
    await bus_pool.execute(
        "INSERT INTO kernel.deliveries (consumer, seq, event_id, key) "
        "SELECT 'group.one', seq, id, key FROM kernel.events"
    )

    assert await drain_all(bus_pool, consumer) == 1
    assert len(await effects(bus_pool, "group.one")) == 1
    assert await bus_pool.fetchval("SELECT count(*) FROM kernel.deliveries") == 0


async def test_competing_instances_share_the_work_and_never_handle_one_event_twice(bus_pool):
    async def dawdle(_envelope) -> None:
        await asyncio.sleep(random.uniform(0, 0.003))

    instances = [recorder("group.one", instance=name, before=dawdle) for name in "abcd"]
    async with bus_pool.acquire() as conn:
        await subscribe(conn, instances[:1])
    for n in range(200):
        await publish_one(bus_pool, f"store-{n % 40}", n + 1)

    await asyncio.gather(*(drain_all(bus_pool, c, batch_size=5) for c in instances))

    rows = await effects(bus_pool, "group.one")
    assert len(rows) == 200
    assert len({r["event_id"] for r in rows}) == 200
    assert len({r["instance"] for r in rows}) > 1  # the work really was shared


async def test_order_per_key_holds_with_concurrent_publishers_and_consumers(bus_pool):
    async def dawdle(_envelope) -> None:
        await asyncio.sleep(random.uniform(0, 0.002))

    instances = [recorder("group.one", instance=name, before=dawdle) for name in "abc"]
    async with bus_pool.acquire() as conn:
        await subscribe(conn, instances[:1])

    async def publish_in_order(key: str) -> None:
        for n in range(1, 31):
            await publish_one(bus_pool, key, n)

    keys = [f"store-{k}" for k in range(8)]
    consuming = [asyncio.create_task(drain_all(bus_pool, c, batch_size=4)) for c in instances]
    await asyncio.gather(*(publish_in_order(k) for k in keys))
    await asyncio.gather(*consuming)
    await asyncio.gather(*(drain_all(bus_pool, c, batch_size=4) for c in instances))

    rows = await effects(bus_pool, "group.one")
    assert len(rows) == 8 * 30
    for key in keys:
        assert [r["n"] for r in rows if r["key"] == key] == list(range(1, 31))


async def test_same_key_publishers_are_delivered_in_commit_order(bus_pool):
    consumer = recorder("group.one")
    async with bus_pool.acquire() as conn:
        await subscribe(conn, [consumer])
    first_published = asyncio.Event()
    release_first = asyncio.Event()

    async def slow_first() -> None:
        async with bus_pool.acquire() as conn, conn.transaction():
            await publish(conn, event("store-a", 1), occurred_at=clock.now())
            first_published.set()
            await release_first.wait()

    async def quick_second() -> None:
        await first_published.wait()
        await publish_one(bus_pool, "store-a", 2)

    first = asyncio.create_task(slow_first())
    second = asyncio.create_task(quick_second())
    await eventually(lambda: waiting_on_a_lock(bus_pool), "the second publisher to wait")
    assert not second.done()  # it waits for the first to commit
    release_first.set()
    await asyncio.gather(first, second)

    await drain_all(bus_pool, consumer)
    assert [r["n"] for r in await effects(bus_pool, "group.one")] == [1, 2]


async def test_failing_event_is_parked_after_max_attempts_and_retry_replays_it(bus_pool):
    broken = [True]

    async def maybe_fail(envelope) -> None:
        if broken[0] and envelope.event.radius_m == 1:
            raise ValueError("cannot handle this one")

    consumer = recorder("group.one", before=maybe_fail)
    async with bus_pool.acquire() as conn:
        await subscribe(conn, [consumer])
    await publish_one(bus_pool, "store-a", 1)
    await publish_one(bus_pool, "store-a", 2)

    for _ in range(3):
        await drain(bus_pool, consumer, max_attempts=3)
        await make_due(bus_pool)
    # Event 2 waited behind event 1 while it was retried, and went on once 1 was parked.
    await drain_all(bus_pool, consumer, max_attempts=3)
    assert [r["n"] for r in await effects(bus_pool, "group.one")] == [2]
    async with bus_pool.acquire() as conn:
        [dead] = await dead_letters(conn, "group.one")
        assert (dead["attempts"], dead["topic"]) == (3, "store.updated")
        assert "cannot handle this one" in dead["last_error"]

        broken[0] = False
        assert await retry_dead(conn, "group.one") == {"group.one": 1}
        assert await dead_letters(conn) == []
    await drain_all(bus_pool, consumer)
    assert sorted(r["n"] for r in await effects(bus_pool, "group.one")) == [1, 2]


async def test_notify_wakes_a_running_consumer_long_before_its_poll(bus_pool, database):
    consumer = recorder("group.one")
    runner = BusRunner(bus_pool, database, [consumer], poll_seconds=120)
    await runner.start()
    try:
        await eventually(lambda: listening(bus_pool), "the runner's LISTEN connection")
        await publish_one(bus_pool, "store-a")
        await eventually(lambda: effects(bus_pool, "group.one"), "the event handled", timeout=5)
        assert len(await effects(bus_pool, "group.one")) == 1
    finally:
        await runner.stop()


async def test_operator_lists_and_replays_dead_letters_with_omo_events(bus_pool, database):
    from tests.e2e.processes import run_omo

    async def always_fail(_envelope) -> None:
        raise LookupError("no such shelf")

    failing = recorder("group.one", before=always_fail)
    async with bus_pool.acquire() as conn:
        await subscribe(conn, [failing])
    await publish_one(bus_pool, "store-a", 7)
    await drain(bus_pool, failing, max_attempts=1)

    listed = await asyncio.to_thread(run_omo, "events", "dead", env={"DATABASE_URL": database})
    assert listed.returncode == 0
    assert "group.one" in listed.stdout and "LookupError: no such shelf" in listed.stdout
    assert "1 dead letter(s)" in listed.stderr

    retried = await asyncio.to_thread(
        run_omo, "events", "retry", "--consumer", "group.one", env={"DATABASE_URL": database}
    )
    assert "group.one: 1 event(s) back in the queue" in retried.stdout
    assert await drain_all(bus_pool, recorder("group.one")) == 1
    assert [r["n"] for r in await effects(bus_pool, "group.one")] == [7]
