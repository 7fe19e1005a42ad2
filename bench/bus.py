"""Event bus throughput and latency: from publish to handled, with 1 and N competing instances.

For each instance count, a fresh database gets `--events` StoreUpdated events from `--publishers`
concurrent tasks (one event per transaction, as a use case publishes, over `--keys` keys) while
N `BusRunner`s share one consumer, whose handler writes one row per event. It prints publish/s
(publishers alone), handled/s (first publish to last event handled) and p50/p99 latency from
`kernel.events.published_at` (the publisher's transaction start) to the handler's
`clock_timestamp()`, both read on the database server's clock.

    python -m bench.bus [--events 5000] [--instances 1,4] [--json]

It uses the server of BENCH_DATABASE_URL if set (creating and dropping database `bench_bus`),
else an embedded PostgreSQL in .omo/bench-pg, destroyed at the end. Durability stays at its
defaults (fsync, synchronous_commit on), so the figures include real commits.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time

import asyncpg

from bench.database import recreate
from infra.embedded_db import EmbeddedPostgres
from shared.bus import BusRunner, Consumer, publish
from shared.clock import Clock
from shared.db import connect, create_pool
from shared.events import Envelope, StoreUpdated
from shared.settings import PROJECT_ROOT

DATABASE = "bench_bus"
HANDLED_TABLE = """
CREATE TABLE public.bench_handled (
    event_id uuid PRIMARY KEY, handled_at timestamptz NOT NULL DEFAULT clock_timestamp()
)
"""
LATENCY_MS = """
SELECT percentile_cont(ARRAY[0.5, 0.99]) WITHIN GROUP (
    ORDER BY extract(epoch FROM h.handled_at - e.published_at) * 1000)
FROM public.bench_handled h JOIN kernel.events e ON e.id = h.event_id
"""
clock = Clock()


async def handle(conn: asyncpg.Connection, envelope: Envelope) -> None:
    await conn.execute("INSERT INTO public.bench_handled (event_id) VALUES ($1)", envelope.id)


BENCH = Consumer("bench.bus", (StoreUpdated.topic,), handle)


def event(key: str, n: int) -> StoreUpdated:
    return StoreUpdated(
        store_id=key,
        name=f"{key} #{n}",
        lat=34.69,
        lng=135.19,
        radius_m=n,
        currency="JPY",
        timezone="Asia/Tokyo",
    )


async def recreate_database(server_dsn: str, *, create: bool = True) -> str:
    """Drop `bench_bus`; unless `create` is false, build it again with only the bench consumer."""
    dsn = await recreate(server_dsn, DATABASE, create=create)
    if create:
        conn = await connect(dsn)
        try:
            await conn.execute("DELETE FROM kernel.subscriptions")
            await conn.execute(HANDLED_TABLE)
        finally:
            await conn.close()
    return dsn


async def publish_share(pool: asyncpg.Pool, numbers: range, keys: int, rate: float) -> None:
    """Publish `numbers` one per transaction; at `rate` events/s for this task, or flat out."""
    started = time.perf_counter()
    for i, n in enumerate(numbers):
        if rate:
            await asyncio.sleep(max(0.0, started + i / rate - time.perf_counter()))
        async with pool.acquire() as conn, conn.transaction():
            await publish(conn, event(f"store-{n % keys}", n + 1), occurred_at=clock.now())


async def wait_handled(pool: asyncpg.Pool, total: int) -> None:
    """Poll the handled count every 20 ms (the handler's rows are visible once committed)."""
    while True:
        if await pool.fetchval("SELECT count(*) FROM public.bench_handled") >= total:
            return
        await asyncio.sleep(0.02)


async def scenario(server_dsn: str, instances: int, rate: float, args: argparse.Namespace) -> dict:
    """One measurement on a fresh database: N runners, P publishers, until all is handled.

    With `rate` 0 the publishers go flat out (throughput; latency is then mostly queueing);
    with a rate below capacity the latency is what an event waits in a healthy system.
    """
    dsn = await recreate_database(server_dsn)
    pools: list[asyncpg.Pool] = []
    runners: list[BusRunner] = []
    watcher: asyncio.Task | None = None
    try:
        for _ in range(instances):
            pools.append(await create_pool(dsn, max_size=4))
            runners.append(
                BusRunner(pools[-1], dsn, [BENCH], poll_seconds=1.0, batch_size=args.batch)
            )
            await runners[-1].start()
        pool = await create_pool(dsn, max_size=args.publishers + 1)
        pools.append(pool)
        shares = [range(p, args.events, args.publishers) for p in range(args.publishers)]
        start = time.perf_counter()
        watcher = asyncio.create_task(wait_handled(pool, args.events))
        per_task = rate / args.publishers
        await asyncio.gather(*(publish_share(pool, s, args.keys, per_task) for s in shares))
        published_s = time.perf_counter() - start
        await watcher
        handled_s = time.perf_counter() - start
        p50, p99 = await pool.fetchval(LATENCY_MS)
    finally:
        if watcher is not None:
            watcher.cancel()
        for runner in runners:
            await runner.stop()
        for each in pools:
            await each.close()
    return {
        "load": f"{rate:.0f}/s" if rate else "flat out",
        "instances": instances,
        "events": args.events,
        "publish_per_s": round(args.events / published_s),
        "handled_per_s": round(args.events / handled_s),
        "p50_ms": round(p50, 1),
        "p99_ms": round(p99, 1),
    }


async def run(server_dsn: str, args: argparse.Namespace) -> list[dict]:
    try:
        return [
            await scenario(server_dsn, n, rate, args)
            for rate in sorted({0, args.rate})
            for n in args.instances
        ]
    finally:
        await recreate_database(server_dsn, create=False)


def table(results: list[dict]) -> str:
    head = "| load | instances | events | publish/s | handled/s | p50 ms | p99 ms |"
    rows = ["| " + " | ".join(str(value) for value in r.values()) + " |" for r in results]
    return "\n".join([head, "|---" + "|---:" * 6 + "|", *rows])


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.bus", description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--publishers", type=int, default=8)
    parser.add_argument("--keys", type=int, default=200)
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument(
        "--rate", type=float, default=300, help="events/s of the paced runs (0: skip them)"
    )
    parser.add_argument("--instances", default="1,4", help="comma-separated instance counts")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)
    args.instances = [int(n) for n in args.instances.split(",")]
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    server_dsn = os.environ.get("BENCH_DATABASE_URL")
    server = None if server_dsn else EmbeddedPostgres(PROJECT_ROOT / ".omo" / "bench-pg")
    try:
        if server is not None:
            server.destroy()
            server_dsn = server.start()
        assert server_dsn is not None
        results = asyncio.run(run(server_dsn, args))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        if server is not None:
            server.destroy()
    print(json.dumps(results, indent=2) if args.json else table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
