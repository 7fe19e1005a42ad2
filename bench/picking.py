"""Batch picking: the walk that batches save on the seeded layout, and claims under contention.

1. Walking: `--orders` paid orders (bench.picking_walk: 3-15 lines, mostly produce and chilled,
   arriving over an hour, promised 30 minutes after arrival) become tasks (`plan_tasks`); each
   task walked alone is compared with batches of 2, 4 and 6 from `plan_batch`, taken one after
   another from the earliest-due 40 queued tasks as a claim sees them (`--window`; 0: the whole
   queue, where the 10-minute horizon is what limits a batch). Metres by `route_length`, from
   the packing station and back; an item is an order line.
2. Claims: the same orders are published as `order.placed` to a fulfillment process served by
   uvicorn (as `omo serve fulfillment`, lease 1 hour so that nothing goes back to the queue
   mid-run); once its consumer has queued their tasks, `--rounds` times `--pickers` pickers
   not holding a batch (fresh subjects each round) POST .../batches/claim at once. Latency as
   the client saw it; claims/s over the round; `empty` are claims answered "nothing to pick";
   `deepest rank` how far down the earliest-due-first queue the round's batches reached.
   It checks that no task went to two batches, and that the database agrees with the answers.
   CPU% is percent of one core over the rounds (bench.serving's meter).

    python -m bench.picking [--orders 400] [--seed 1] [--pickers 20] [--rounds 5] [--json]

The database is BENCH_DATABASE_URL's server (database `bench_picking`, dropped at the end) or an
embedded PostgreSQL in .omo/bench-picking-pg with fsync off, destroyed at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from datetime import UTC, datetime

import httpx

from bench.database import recreate
from bench.picking_claims import rounds
from bench.picking_walk import candidates, catalog, evening, walking
from bench.serving import Processes
from infra.embedded_db import EmbeddedPostgres
from infra.prepare import seed
from infra.seed import STORE
from services.fulfillment.batches.claiming import CANDIDATES
from shared.bus import publish
from shared.clock import Clock
from shared.db import connect, init_connection
from shared.events import OrderPlaced
from shared.settings import DEV_JWT_SECRET, PROJECT_ROOT

DATABASE = "bench_picking"
SIZES = (2, 4, 6)
FULFILLMENT_ENV = {
    "OMO_LOG_LEVEL": "warning",
    "OMO_BUS_POLL_SECONDS": "0.2",
    "OMO_FULFILLMENT_LEASE_S": "3600",
}
QUEUE_TIMEOUT_S = 60
NO_FSYNC = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}


async def prepare(server_dsn: str, orders: list[OrderPlaced]) -> str:
    """A migrated, seeded `bench_picking` with `orders` published to the bus; its DSN."""
    dsn = await recreate(server_dsn, DATABASE)
    await seed(dsn, Clock(), DEV_JWT_SECRET)
    conn = await connect(dsn)
    try:
        await init_connection(conn)
        async with conn.transaction():
            for order in orders:
                await publish(conn, order, occurred_at=Clock().now())
    finally:
        await conn.close()
    return dsn


async def wait_queued(dsn: str, expected: int) -> float:
    """Seconds until fulfillment has queued `expected` tasks."""
    conn = await connect(dsn)
    started = time.perf_counter()
    try:
        while True:
            count = await conn.fetchval(
                "SELECT count(*) FROM fulfillment.pick_tasks WHERE store_id = $1", STORE.store_id
            )
            if count >= expected:
                return time.perf_counter() - started
            if time.perf_counter() - started > QUEUE_TIMEOUT_S:
                raise TimeoutError(f"{count} of {expected} tasks queued in {QUEUE_TIMEOUT_S} s")
            await asyncio.sleep(0.1)
    finally:
        await conn.close()


async def claims(url: str, dsn: str, processes: Processes, args: argparse.Namespace) -> list:
    limits = httpx.Limits(max_connections=args.pickers, max_keepalive_connections=args.pickers)
    conn = await connect(dsn)
    try:
        async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as client:
            await asyncio.gather(*(client.get("/healthz") for _ in range(args.pickers)))
            return await rounds(client, conn, processes, args)
    finally:
        await conn.close()


def run_claims(orders: list[OrderPlaced], tasks: int, args: argparse.Namespace) -> list[dict]:
    server_dsn = os.environ.get("BENCH_DATABASE_URL")
    server = None
    if not server_dsn:
        server = EmbeddedPostgres(PROJECT_ROOT / ".omo" / "bench-picking-pg", settings=NO_FSYNC)
    processes = None
    try:
        if server is not None:
            server.destroy()
            server_dsn = server.start()
        assert server_dsn is not None
        dsn = asyncio.run(prepare(server_dsn, orders))
        processes = Processes(dsn, server.pgdata if server else None)
        serve = ["-m", "infra.cli", "serve", "fulfillment"]
        url = processes.start("fulfillment", serve, FULFILLMENT_ENV, "/healthz")
        print(f"waiting for {tasks} tasks...", file=sys.stderr)
        seconds = asyncio.run(wait_queued(dsn, tasks))
        print(f"{len(orders)} orders queued as {tasks} tasks in {seconds:.1f} s", file=sys.stderr)
        return asyncio.run(claims(url, dsn, processes, args))
    finally:
        if processes is not None:
            processes.close()
        if server is not None:
            server.destroy()
        elif server_dsn:
            asyncio.run(recreate(server_dsn, DATABASE, create=False))


def table(rows: list[dict], left: int = 1) -> str:
    """Markdown: the first `left` columns are text, the others numbers."""
    head = "| " + " | ".join(rows[0]) + " |"
    align = "|" + "---|" * left + "---:|" * (len(rows[0]) - left)
    return "\n".join([head, align, *("| " + " | ".join(map(str, r.values())) + " |" for r in rows)])


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.picking", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--orders", type=int, default=400)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pickers", type=int, default=20, help="claiming at once")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--window", type=int, default=CANDIDATES, help="tasks a claim looks at")
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    orders = evening(args.orders, args.seed, datetime.now(UTC))
    print(f"planning {args.orders} orders alone and in batches of {SIZES}...", file=sys.stderr)
    walk = walking(orders, SIZES, args.window)
    tasks = len(candidates(orders, catalog()[1]))
    try:
        claimed = run_claims(orders, tasks, args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    if args.json:
        print(json.dumps({"walking": walk, "claims": claimed}, indent=2))
    else:
        print(table(walk, left=2) + "\n\n" + table(claimed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
