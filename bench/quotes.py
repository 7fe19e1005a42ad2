"""Quote latency: POST /v1/quotes on a busy evening's store, as checkout asks it.

    python -m bench.quotes [--seconds 10] [--concurrency 1,16,64] [--riders 120] [--orders 100]
                           [--json]

The demo store with `--riders` on shift (a third out on routes that end within 20 minutes, a
third riding back, the rest at the store) and `--orders` delivery orders no rider carries yet
(half packed, half still on the floor): what a quote reads and places a new order among (the
riders' future, `services.delivery.forecast`). Delivery runs as `omo serve delivery` would; each
quote is for a fresh door within 3 km. Per concurrency: quotes a second, p50/p99 ms as the
client saw them, and the delivery process's CPU ms per quote. Checkout gives a quote 300 ms
(`OMO_ORDERS_QUOTE_TIMEOUT_S`).

The database is BENCH_DATABASE_URL's server (database `bench_quotes`, dropped at the end) or an
embedded PostgreSQL in .omo/bench-quotes-pg, destroyed at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
from collections.abc import Callable

from bench.database import bench_server, recreate
from bench.evening import busy_evening, door
from bench.load_http import JSON, Call
from bench.orders_load import STORE_ID, hammer
from bench.serving import Processes
from infra.prepare import seed
from shared.auth import Role, mint
from shared.clock import Clock
from shared.settings import DEV_JWT_SECRET

DATABASE = "bench_quotes"


def quotes(seed_: int = 42) -> Callable[[], Call]:
    rng = random.Random(seed_)
    headers = {"Authorization": f"Bearer {mint(DEV_JWT_SECRET, Role.SERVICE, subject='orders')}"}

    def next_call() -> Call:
        lat, lng = door(rng)
        body = {"store_id": STORE_ID, "lat": lat, "lng": lng, "fulfilment": "delivery"}
        return Call("POST", "/v1/quotes", JSON.encode(body), headers)

    return next_call


def run(dsn: str, pgdata, args: argparse.Namespace) -> list[dict]:
    processes = Processes(dsn, pgdata)
    results = []
    try:
        zone = f"/v1/stores/{STORE_ID}/zone?lat=34.69&lng=135.19"
        env = {"OMO_LOG_LEVEL": "warning", "OMO_BUS_POLL_SECONDS": "0.2"}
        url = processes.start("delivery", ["-m", "infra.cli", "serve", "delivery"], env, zone)
        asyncio.run(busy_evening(dsn, args.riders, args.orders))
        for concurrency in args.concurrency:
            print(f"quotes, {concurrency} at once...", file=sys.stderr)
            meter = processes.meter("delivery")
            result = asyncio.run(
                hammer(url, quotes(), concurrency=concurrency, seconds=args.seconds,
                       warmup=args.warmup, expect=200, meter=meter)
            )  # fmt: skip
            cpu_ms = result["cpu"].get("delivery", 0) * 10 / max(1, result["per_s"])
            results.append({"concurrency": concurrency, **result, "delivery_cpu_ms": cpu_ms})
    finally:
        processes.close()
    return results


def table(results: list[dict], args: argparse.Namespace) -> str:
    lines = [
        f"Quotes, {args.riders} riders on shift, {args.orders} orders without a rider:",
        "| at once | quotes/s | p50 ms | p99 ms | delivery CPU ms/quote | errors |",
        "|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['concurrency']} | {r['per_s']} | {r['p50_ms']} | {r['p99_ms']} |"
            f" {r['delivery_cpu_ms']:.1f} | {r['errors'] or ''} |"
        )
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.quotes", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--seconds", type=int, default=10, help="measured seconds per run")
    parser.add_argument("--warmup", type=float, default=2, help="unmeasured seconds before each")
    parser.add_argument("--concurrency", default="1,16,64")
    parser.add_argument("--riders", type=int, default=120)
    parser.add_argument("--orders", type=int, default=100)
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)
    args.concurrency = [int(n) for n in args.concurrency.split(",")]
    return args


async def _database(server_dsn: str, *, create: bool = True) -> str:
    dsn = await recreate(server_dsn, DATABASE, create=create)
    if create:
        await seed(dsn, Clock(), DEV_JWT_SECRET)
    return dsn


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        with bench_server("bench-quotes-pg") as (server_dsn, pgdata):
            dsn = asyncio.run(_database(server_dsn))
            try:
                results = run(dsn, pgdata, args)
            finally:
                if pgdata is None:  # an outside server: leave it as it was
                    asyncio.run(_database(server_dsn, create=False))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    print(json.dumps(results, indent=2) if args.json else table(results, args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
