"""Retention on a real PostgreSQL: old rows go, young ones stay, and the bus keeps its promises
while it trims (no event goes before every consumer has handled it, no handled id while its
event could come round again)."""

from __future__ import annotations

import asyncio
import shutil
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from infra.registry import SCHEMAS, schema_of
from services.delivery.retention import TRIMS as DELIVERY_TRIMS
from services.fulfillment.retention import TRIMS as FULFILLMENT_TRIMS
from shared.bus import BusRunner, retry_dead, subscribe
from shared.bus.retention import TRIMS as BUS_TRIMS
from shared.clock import Clock
from shared.migrations import Schema, discover, migrate
from shared.retention import trim_all
from shared.retention.partitions import make_days, partition_name
from shared.settings import Settings
from tests.e2e.processes import run_omo
from tests.eventually import eventually, eventually_sync
from tests.integration.bus_helpers import drain_all, effects, publish_one, recorder
from tests.integration.conftest import serving

NOW = datetime.now(UTC)
DAY = timedelta(days=1)


def kept(database: str, **days: float) -> Settings:
    return Settings(database_url=database, **days)


async def age_events(pool: asyncpg.Pool, days: float, keys: list[str] | None = None) -> None:
    """Events (of `keys`, else all) published, and handled, `days` ago."""
    await pool.execute(
        "UPDATE kernel.events SET published_at = now() - make_interval(secs => $1)"
        " WHERE $2::text[] IS NULL OR key = ANY($2::text[])",
        days * 86400,
        keys,
    )
    await pool.execute(
        "UPDATE kernel.handled_events h SET handled_at = now() - make_interval(secs => $1)"
        " FROM kernel.events e WHERE e.id = h.event_id"
        " AND ($2::text[] IS NULL OR e.key = ANY($2::text[]))",
        days * 86400,
        keys,
    )


async def keys_in_log(pool: asyncpg.Pool) -> list[str]:
    return [r["key"] for r in await pool.fetch("SELECT key FROM kernel.events ORDER BY seq")]


async def trim_bus(pool: asyncpg.Pool, database: str, **days: float) -> dict:
    return await trim_all(pool, BUS_TRIMS, kept(database, **days), Clock())


async def test_old_events_every_consumer_handled_go_and_young_ones_stay(bus_pool, database):
    first, second = recorder("group.one"), recorder("group.two")
    async with bus_pool.acquire() as conn:
        await subscribe(conn, [first, second])
    for key in ("old-1", "old-2", "old-3", "young"):
        await publish_one(bus_pool, key)
    await drain_all(bus_pool, first)
    await drain_all(bus_pool, second)
    await age_events(bus_pool, 8, ["old-1", "old-2", "old-3"])

    done = await trim_bus(bus_pool, database, retain_events_days=7, retain_handled_days=14)

    assert done == {"kernel.events": 3, "kernel.handled_events": 0}
    assert await keys_in_log(bus_pool) == ["young"]
    # Their handled ids stay for their own 14 days, then go: the events have left the log.
    assert await bus_pool.fetchval("SELECT count(*) FROM kernel.handled_events") == 8
    await bus_pool.execute(
        "UPDATE kernel.handled_events SET handled_at = now() - interval '15 days'"
    )
    done = await trim_bus(bus_pool, database, retain_events_days=7, retain_handled_days=14)
    assert done == {"kernel.events": 0, "kernel.handled_events": 6}
    assert await bus_pool.fetchval("SELECT count(*) FROM kernel.handled_events") == 2


async def test_a_consumer_behind_keeps_its_events_until_it_has_handled_them(bus_pool, database):
    quick, slow = recorder("group.quick"), recorder("group.slow")
    async with bus_pool.acquire() as conn:
        await subscribe(conn, [quick, slow])
    for n in range(1, 6):
        await publish_one(bus_pool, f"store-{n}", n)
    await drain_all(bus_pool, quick)
    await age_events(bus_pool, 30)

    assert (await trim_bus(bus_pool, database, retain_events_days=7))["kernel.events"] == 0
    assert len(await keys_in_log(bus_pool)) == 5
    # Handled ids of events still in the log stay, however old: a delivery could come round.
    assert (await trim_bus(bus_pool, database, retain_handled_days=1))["kernel.handled_events"] == 0

    assert await drain_all(bus_pool, slow) == 5  # every event, whole, weeks late
    assert sorted(r["n"] for r in await effects(bus_pool, "group.slow")) == [1, 2, 3, 4, 5]
    await age_events(bus_pool, 30)
    done = await trim_bus(bus_pool, database, retain_events_days=7, retain_handled_days=14)
    assert done == {"kernel.events": 5, "kernel.handled_events": 10}


async def test_a_dead_letter_keeps_its_event_and_a_retry_still_delivers_it(bus_pool, database):
    broken = [True]

    async def fail_while_broken(_envelope) -> None:
        if broken[0]:
            raise RuntimeError("the printer caught fire")

    consumer = recorder("group.one", before=fail_while_broken)
    async with bus_pool.acquire() as conn:
        await subscribe(conn, [consumer])
    await publish_one(bus_pool, "store-a")
    await drain_all(bus_pool, consumer, max_attempts=1)
    assert await bus_pool.fetchval("SELECT count(*) FROM kernel.dead_letters") == 1
    await age_events(bus_pool, 30)

    assert (await trim_bus(bus_pool, database))["kernel.events"] == 0
    broken[0] = False
    async with bus_pool.acquire() as conn:
        assert await retry_dead(conn) == {"group.one": 1}
    assert await drain_all(bus_pool, consumer) == 1
    assert len(await effects(bus_pool, "group.one")) == 1


async def test_trimming_while_consumers_work_loses_and_doubles_nothing(bus_pool, database):
    """Events trimmed a blink after both consumers are done, handled ids a blink after that,
    while the consumers handle a stream of events on their own loops."""
    first, second = recorder("group.one"), recorder("group.two")
    runner = BusRunner(bus_pool, database, [first, second], poll_seconds=0.05, batch_size=7)
    settings = kept(
        database,
        retain_events_days=0.2 / 86400,
        retain_handled_days=0.2 / 86400,
        trim_batch_size=20,
    )
    trims = 0

    async def trim_on() -> None:
        nonlocal trims
        while True:
            done = await trim_all(bus_pool, BUS_TRIMS, settings, Clock())
            assert not any(isinstance(r, str) for r in done.values()), done
            trims += done["kernel.events"]
            await asyncio.sleep(0.01)

    await runner.start()
    trimmer = asyncio.create_task(trim_on())
    try:
        for n in range(1, 241):
            await publish_one(bus_pool, f"store-{n % 7}", n)
            if n % 20 == 0:
                await asyncio.sleep(0.05)
        await eventually(
            lambda: bus_pool.fetchval("SELECT count(*) FROM kernel.deliveries"),
            "the consumers to catch up (deliveries waiting)",
            30,
            ok=lambda waiting: waiting == 0,
        )
        await eventually(
            lambda: bus_pool.fetchval("SELECT count(*) FROM kernel.handled_events"),
            "the log to be trimmed (handled ids left)",
            30,
            ok=lambda left: left == 0,
        )
    finally:
        if trimmer.done():
            trimmer.result()  # the trimmer's own failure, if any
        trimmer.cancel()
        await runner.stop()
    for name in ("group.one", "group.two"):
        handled = await effects(bus_pool, name)
        assert sorted(r["n"] for r in handled) == list(range(1, 241)), name
        for key in {r["key"] for r in handled}:  # in order per key
            ns = [r["n"] for r in handled if r["key"] == key]
            assert ns == sorted(ns)
    assert trims > 0
    assert await bus_pool.fetchval("SELECT count(*) FROM kernel.events") == 0
    assert await bus_pool.fetchval("SELECT count(*) FROM kernel.dead_letters") == 0


async def test_a_zero_retention_keeps_everything(bus_pool, database):
    consumer = recorder("group.one")
    async with bus_pool.acquire() as conn:
        await subscribe(conn, [consumer])
    await publish_one(bus_pool, "store-a")
    await drain_all(bus_pool, consumer)
    await age_events(bus_pool, 3650)
    assert await trim_bus(bus_pool, database, retain_events_days=0, retain_handled_days=0) == {}
    assert await keys_in_log(bus_pool) == ["store-a"]


# Pings: one partition a day, past days dropped whole; the default partition in batches.

PING = (
    "INSERT INTO delivery.pings (store_id, rider_id, at, lat, lng)"
    " VALUES ('s', 'r', $1, 34.7, 135.2)"
)


async def ping_days(pool: asyncpg.Pool) -> list[int]:
    rows = await pool.fetch("SELECT at FROM delivery.pings ORDER BY at")
    return [round((NOW - r["at"]) / DAY) for r in rows]


async def partition_of(pool: asyncpg.Pool, at: datetime) -> str:
    return await pool.fetchval(
        "SELECT tableoid::regclass::text FROM delivery.pings WHERE at = $1", at
    )


async def test_pings_live_in_a_partition_a_day_and_past_days_are_dropped_whole(pool, database):
    settings = kept(database, retain_pings_days=14, trim_batch_size=2)
    async with pool.acquire() as conn:  # days as a service running three weeks ago made them
        await make_days(conn, "delivery.pings", (NOW - 20 * DAY).date())
    stamps = [NOW - d * DAY for d in (20, 19, 16, 15, 13, 12)]
    for at in stamps:
        await pool.execute(PING, at)
    for at in (NOW - 30 * DAY, NOW - 29 * DAY, NOW - 28 * DAY, NOW - 2 * DAY):
        await pool.execute(PING, at)  # days without a partition of their own: the default
    assert await partition_of(pool, stamps[0]) == partition_name("delivery.pings", stamps[0].date())
    assert await partition_of(pool, NOW - 30 * DAY) == "delivery.pings_default"

    done = await trim_all(pool, DELIVERY_TRIMS, settings, Clock())

    assert done["delivery.pings"] == 7  # four day partitions and three from the default
    assert await ping_days(pool) == [13, 12, 2]
    gone = await pool.fetchval(
        "SELECT count(*) FROM pg_class WHERE relname = $1",
        partition_name("delivery.pings", stamps[0].date()).split(".")[1],
    )
    assert gone == 0
    # Today and the week ahead have partitions now: today's pings land in today's.
    await pool.execute(PING, NOW)
    assert await partition_of(pool, NOW) == partition_name("delivery.pings", NOW.date())
    for ahead in range(8):
        name = partition_name("delivery.pings", (NOW + ahead * DAY).date())
        assert await pool.fetchval("SELECT to_regclass($1) IS NOT NULL", name), name


async def test_a_day_already_in_the_default_partition_stays_there(pool, database):
    await pool.execute(PING, NOW)  # before any day partition exists: the default takes it
    await trim_all(pool, DELIVERY_TRIMS, kept(database), Clock())
    assert await partition_of(pool, NOW) == "delivery.pings_default"
    tomorrow = NOW + DAY
    await pool.execute(PING, tomorrow)
    assert await partition_of(pool, tomorrow) == partition_name("delivery.pings", tomorrow.date())
    # A rider's retried batch is still a no-op wherever its day lives.
    await pool.execute(PING.replace("135.2)", "135.2) ON CONFLICT DO NOTHING"), NOW)
    assert await ping_days(pool) == [0, -1]


# Failure counters and scans: batched, oldest first.


async def test_old_scans_and_failures_go_but_an_open_delivery_keeps_its_wrong_codes(pool, database):
    for days in (100, 91, 89, 1):
        await pool.execute(
            "INSERT INTO fulfillment.scans (store_id, scan_id, batch_id, task_id, seq, substitute,"
            " picker_id, barcode, amount, at) VALUES ('s', gen_random_uuid(), 'b', 't', 1, false,"
            " 'p', '4901234567894', 1, $1)",
            NOW - days * DAY,
        )
    for order, status in (("open", "out"), ("done", "delivered")):
        await pool.execute(
            "INSERT INTO delivery.deliveries (store_id, order_id, member_id, lat, lng,"
            " address_text, promise_at, placed_at, status, handover_code)"
            " VALUES ('s', $1, 'm', 34.7, 135.2, 'x', $2, $2, $3, '1234')",
            order,
            NOW - 40 * DAY,
            status,
        )
        for days in (40, 35, 1):
            await pool.execute(
                "INSERT INTO delivery.code_failures (store_id, order_id, at) VALUES ('s', $1, $2)",
                order,
                NOW - days * DAY,
            )
    settings = kept(database, trim_batch_size=1)  # the defaults: scans 90 d, failures 30 d

    done = await trim_all(pool, [*FULFILLMENT_TRIMS, *DELIVERY_TRIMS], settings, Clock())

    assert done["fulfillment.scans"] == 2
    assert done["delivery.code_failures"] == 2
    ages = await pool.fetch("SELECT at FROM fulfillment.scans ORDER BY at")
    assert [round((NOW - r["at"]) / DAY) for r in ages] == [89, 1]
    left = await pool.fetch(
        "SELECT order_id, count(*) AS n FROM delivery.code_failures GROUP BY order_id"
    )
    assert {r["order_id"]: r["n"] for r in left} == {"open": 3, "done": 1}


async def test_the_handhelds_live_messages_go_with_the_events(pool, database):
    for days in (8, 1):
        await pool.execute(
            "INSERT INTO fulfillment.live_messages (store_id, id, topic, data, at)"
            " VALUES ('s', gen_random_uuid(), 'urgent', '{}', $1)",
            NOW - days * DAY,
        )

    done = await trim_all(pool, FULFILLMENT_TRIMS, kept(database), Clock())  # events: 7 d

    assert done["fulfillment.live_messages"] == 1
    ages = await pool.fetch("SELECT at FROM fulfillment.live_messages")
    assert [round((NOW - r["at"]) / DAY) for r in ages] == [1]


# What an operator sees.


async def test_events_stats_shows_sizes_lag_and_throughput(bus_pool, database):
    quick, slow = recorder("group.quick"), recorder("group.slow")
    async with bus_pool.acquire() as conn:
        await subscribe(conn, [quick, slow])
    for n in range(1, 5):
        await publish_one(bus_pool, f"store-{n}", n)
    await drain_all(bus_pool, quick)
    await age_events(bus_pool, 9, ["store-1"])  # past retention, held by the slow consumer
    await bus_pool.execute(PING, NOW)

    run = run_omo("events", "stats", env={"DATABASE_URL": database})

    assert run.returncode == 0, run.stderr
    out = run.stdout
    print(out)
    lines = {line.split()[0]: line.split() for line in out.splitlines() if line.strip()}
    assert lines["kernel.events"][1] == "4"
    assert lines["kernel.events"][4] == "9d"  # the oldest
    assert lines["kernel.handled_events"][1] == "4"
    assert lines["kernel.deliveries"][1] == "4"
    assert lines["delivery.pings"][1] == "1"
    assert float(lines["kernel.events"][2]) > 0 and lines["kernel.events"][3] == "kB"
    assert lines["fulfillment.scans"][1] == "0"
    # consumer: pending, oldest, dead, handled in 5 min and the hour
    assert lines["group.slow"][1:6] == ["4", "9d", "0", "0", "0"]
    assert lines["group.quick"][1:6] == ["0", "-", "0", "3", "3"]
    assert lines["group.quick"][-1] == "ago"
    assert lines["store.updated"][1:3] == ["3", "3"]  # published in 5 min and the hour
    assert "group.slow: 1 waiting, 0 dead" in out


def test_omo_events_trim_runs_every_trim_once_and_says_what_went(database):
    run = run_omo("events", "trim", env={"DATABASE_URL": database})
    assert run.returncode == 0, run.stderr
    said = dict(line.split(": ", 1) for line in run.stdout.splitlines())
    assert set(said) == {
        "kernel.events",
        "kernel.handled_events",
        "delivery.pings",
        "delivery.code_failures",
        "delivery.late_quotes",
        "fulfillment.scans",
        "fulfillment.live_messages",
    }
    assert all(v == "0 row(s) trimmed" for v in said.values()), said


def test_a_service_trims_on_its_own_timer_from_the_start(database):
    today = partition_name("delivery.pings", datetime.now(UTC).date())

    async def made() -> bool:
        conn = await asyncpg.connect(database)
        try:
            return await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", today)
        finally:
            await conn.close()

    with serving("delivery", database_url=database, trim_every_s=0.1):
        eventually_sync(lambda: asyncio.run(made()), "delivery to make today's partition")


async def test_pings_from_before_partitioning_stay_in_the_default_partition(
    empty_database, tmp_path
):
    """The migration copies no row: the table it replaces becomes the default partition."""
    before = tmp_path / "delivery"
    before.mkdir()
    for migration in discover(schema_of("delivery")):
        if migration.name < "0008":
            shutil.copy(migration.path, before / migration.name)
    then = [Schema("delivery", before) if s.component == "delivery" else s for s in SCHEMAS]
    conn = await asyncpg.connect(empty_database)
    try:
        await migrate(conn, then)
        await conn.execute(PING, NOW - DAY)
        assert (await migrate(conn, SCHEMAS))[0] == "delivery/0008_pings_by_day.sql"  # and later
        row = await conn.fetchrow("SELECT tableoid::regclass::text AS part, at FROM delivery.pings")
        assert (row["part"], row["at"]) == ("delivery.pings_default", NOW - DAY)
        with pytest.raises(asyncpg.UniqueViolationError):  # still one ping per rider and instant
            await conn.execute(PING, NOW - DAY)
    finally:
        await conn.close()
