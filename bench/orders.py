"""Checkout and catalog throughput of the orders service, and the database's own limit.

1. Placements: POST /v1/orders (quote from delivery, reserve, store, create the PaymentIntent;
   not the payment's confirmation) at each `--concurrency`, with two gateways: `localstripe`
   (the stripe SDK against a localstripe process) and `instant` (bench.orders_server: our own
   cost without Stripe's). 50 shoppers, distinct baskets of 3-8 lines, fresh Idempotency-Keys.
2. Catalog reads: the public search (`?q=`) and product endpoints at `--read-concurrency`.
   Then open loop (bench.orders_mixed), each `--mixed` cell P,R: P placements and R catalog
   reads a second sent on schedule whether or not answers keep up, latency from when each was
   due (by default 100,1000, the issue's mixed target, and 0,2000, its catalog target).
   Then a flash sale (bench.orders_burst): 1,000 checkouts of one sku, 100 at a time, for 10
   units; sales and refusals timed apart.
3. pgbench (bench.orders_pgbench): a placement's whole SQL, every statement the orders service
   sends for one (bench.placement_sql), with as many clients as `--concurrency`, with no app in
   the way.

    python -m bench.orders [--seconds 10] [--concurrency 16,64] [--riders 120]
                           [--mixed '100,1000 0,2000'] [--burst-only] [--skip pgbench,...] [--json]

The store has `--riders` on shift (`bench.evening`, as `bench.quotes` sets them), so a delivery
basket is quoted among them and placed, not refused for want of a rider. Orders, delivery and
localstripe run as their own processes (orders as `omo serve` would, quote
timeout 2 s, pool of 20), apart from this load generator; stock is topped up before each run.
The store has traded before the first cell: 2,000 orders on its books and its tables analyzed
(`traded` says why that matters to the plans PostgreSQL keeps).
Rates count only 201s (200s for reads) finished in the measured window; p50/p99 are their
latencies as the client saw them; other answers are errors, by status. CPU% is percent of one
core over the window (`machine`: every process, other people's too, out of 100 x cores); the
orders process's CPU ms per request is its cost whatever else shares the cores.
The load generator is this process, on the same cores: it sends through `bench.load_http` on
uvloop (a tenth of httpx's CPU a request, or less), and its CPU per request is printed too.

The database is BENCH_DATABASE_URL's server (database `bench_orders`, dropped at the end) or an
embedded PostgreSQL in .omo/bench-orders-pg, destroyed at the end; durability at its defaults.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sys
from pathlib import Path

import uvloop

from bench.database import recreate
from bench.evening import busy_evening
from bench.orders_burst import UNITS, burst
from bench.orders_load import STORE_ID, Product, hammer, lookups, placements, searches
from bench.orders_mixed import Stream, open_loop
from bench.orders_pgbench import run_pgbench, scripts_folder, write_scripts
from bench.orders_report import report_errors, tables
from bench.serving import CpuMeter, Processes
from infra.embedded_db import EmbeddedPostgres
from infra.prepare import seed
from shared.clock import Clock
from shared.db import connect
from shared.settings import DEV_JWT_SECRET, PROJECT_ROOT

DATABASE = "bench_orders"
CELLS = ("instant", "localstripe", "catalog", "mixed", "burst", "pgbench")
STOCK = 1_000_000_000
TRADED = 2_000  # orders on the store's books before the first cell (`traded`)
ORDERS_ENV = {
    "OMO_ORDERS_QUOTE_TIMEOUT_S": "2",
    "OMO_DB_POOL_SIZE": "20",
    "OMO_ORDERS_UNPAID_SWEEP_S": "86400",
    "OMO_LOG_LEVEL": "warning",
}


async def recreate_database(server_dsn: str, *, create: bool = True) -> str:
    dsn = await recreate(server_dsn, DATABASE, create=create)
    if create:
        await seed(dsn, Clock(), DEV_JWT_SECRET)
    return dsn


async def top_up(dsn: str) -> list[Product]:
    """Stock for any number of orders; returns the products.

    The products table is then vacuumed and analyzed, as autovacuum keeps a small hot table
    compact with fresh statistics (the plan of `reserve` depends on them)."""
    conn = await connect(dsn)
    try:
        await conn.execute(
            "UPDATE orders.products SET on_hand = $2, reserved = 0 WHERE store_id = $1",
            STORE_ID,
            STOCK,
        )
        await conn.execute("VACUUM ANALYZE orders.products")
        rows = await conn.fetch(
            "SELECT sku, name_en, name_ja, unit FROM orders.products WHERE store_id = $1",
            STORE_ID,
        )
        return [Product(**dict(r)) for r in rows]
    finally:
        await conn.close()


async def traded(dsn: str, orders: int = TRADED) -> None:
    """The store as it stands once it has traded: `orders` delivered orders of its 50 members
    on its books, and the tables placements write analyzed, as autovacuum leaves them.

    Not for show: on an empty orders table the planner cannot tell its primary key (store_id,
    order_id) from the member's Idempotency-Key (store_id, member_id, idempotency_key), both
    led by store_id and costing the same at no rows, and a connection keeps the plan of a
    foreign-key check for its lifetime, until an ANALYZE of the table replans it. A service
    that starts on an empty table so checks each stored line against every order of its store
    (24 M index tuples read in 5 s of placements, pg_stat_user_indexes), for the minute or more
    until autovacuum's first ANALYZE: a 10 s cell measured nothing else, and pgbench, whose
    connections open later on a full table, never paid it."""
    conn = await connect(dsn)
    try:
        await conn.execute(
            """
            INSERT INTO orders.orders (
                store_id, order_id, member_id, idempotency_key, fulfilment, address_text,
                address_lat, address_lng, status, currency, estimate, to_authorize, promise_at,
                pay_by)
            SELECT $1, 'ord_traded_' || n, 'mem_bench_' || lpad((n % 50)::text, 2, '0'),
                   'traded-' || n, 'delivery', 'Kobe', 34.69, 135.19, 'delivered', 'JPY', 1980,
                   1980, now() - interval '1 day', now() - interval '1 day'
            FROM generate_series(1, $2::int) AS n
            """,
            STORE_ID,
            orders,
        )
        await conn.execute(
            "ANALYZE orders.orders, orders.order_lines, orders.order_stages,"
            " orders.stock_claims, kernel.idempotency_keys"
        )
    finally:
        await conn.close()


async def stock_only(dsn: str, sku: str, units: int) -> str:
    """`units` of `sku` left to sell, for the hot-sku burst; its barcode, for the till."""
    conn = await connect(dsn)
    try:
        return await conn.fetchval(
            "UPDATE orders.products SET on_hand = $3, reserved = 0"
            " WHERE store_id = $1 AND sku = $2 RETURNING ean",
            STORE_ID,
            sku,
            units,
        )
    finally:
        await conn.close()


class Bench:
    """One run: its processes (all stopped by `processes.close()`) and its measurements."""

    def __init__(self, dsn: str, pgdata: Path | None, args: argparse.Namespace):
        self.dsn, self.args = dsn, args
        self.processes = Processes(dsn, pgdata)
        self.results: dict[str, list[dict]] = {
            "placements": [],
            "catalog": [],
            "mixed": [],
            "burst": [],
            "pgbench": [],
        }

    def cell(self, url: str, calls, concurrency: int, expect: int, meter: CpuMeter) -> dict:
        """One closed-loop cell. The load runs on uvloop, as the servers do: the load generator
        shares their cores, and libuv's loop costs it less a request than asyncio's."""
        a = self.args
        return uvloop.run(
            hammer(url, calls, concurrency=concurrency, seconds=a.seconds, warmup=a.warmup,
                   expect=expect, meter=meter)
        )  # fmt: skip

    def run(self) -> dict[str, list[dict]]:
        zone = f"/v1/stores/{STORE_ID}/zone?lat=34.69&lng=135.19"
        delivery = ["-m", "infra.cli", "serve", "delivery"]
        env = {"OMO_LOG_LEVEL": "warning", "OMO_BUS_POLL_SECONDS": "0.2"}
        delivery_url = self.processes.start("delivery", delivery, env, zone)
        asyncio.run(busy_evening(self.dsn, self.args.riders, orders=0))
        asyncio.run(traded(self.dsn))
        if self.args.burst_only:
            env = {**ORDERS_ENV, "OMO_ORDERS_DELIVERY_URL": delivery_url}
            url = self.processes.start("orders", ["-m", "bench.orders_server"], env, "/healthz")
            self.burst(url, asyncio.run(top_up(self.dsn)))
            self.processes.close()
            return self.results
        for gateway in ("instant", "localstripe"):
            if gateway == "localstripe" and gateway in self.args.skip:
                continue
            env = {**ORDERS_ENV, "OMO_ORDERS_DELIVERY_URL": delivery_url}
            serve = ["-m", "bench.orders_server"]
            if gateway == "localstripe":
                localstripe = ["-m", "infra.localstripe_server", "--port", "{port}"]
                stripe_url = self.processes.start(
                    "localstripe", localstripe, {}, "/v1/customers", auth=("sk_test_x", "")
                )
                env["OMO_ORDERS_STRIPE_API_BASE"] = stripe_url
                serve = ["-m", "infra.cli", "serve", "orders"]
            url = self.processes.start("orders", serve, env, "/healthz")
            products = self.place(url, gateway)
            if gateway == "instant":
                self.catalog(url, products)
                self.mixed(url)
                self.burst(url, products)
            self.processes.stop("orders")
            self.processes.stop("localstripe")
        self.processes.close()
        self.pgbench()
        return self.results

    def place(self, url: str, gateway: str) -> list[Product]:
        """A cell of placements at each `--concurrency` (unless skipped); the products."""
        if gateway in self.args.skip:
            return asyncio.run(top_up(self.dsn))
        for concurrency in self.args.concurrency:
            products = asyncio.run(top_up(self.dsn))
            print(f"placements, {gateway}, {concurrency} at once...", file=sys.stderr)
            meter = self.processes.meter("orders", "delivery", "localstripe")
            result = self.cell(url, placements(products), concurrency, 201, meter)
            self.results["placements"].append(
                {"gateway": gateway, "concurrency": concurrency, **result}
            )
        return products

    def catalog(self, url: str, products: list[Product]) -> None:
        if "catalog" in self.args.skip:
            return
        concurrency = self.args.read_concurrency
        for endpoint, calls in (("search ?q=", searches), ("product by sku", lookups)):
            print(f"catalog {endpoint}, {concurrency} at once...", file=sys.stderr)
            result = self.cell(
                url, calls(products), concurrency, 200, self.processes.meter("orders")
            )
            self.results["catalog"].append(
                {"endpoint": endpoint, "concurrency": concurrency, **result}
            )

    def mixed(self, url: str) -> None:
        """Each `--mixed` cell: placements and catalog reads (half searches, half products) at
        its rates at once, open loop (`bench.orders_mixed`); a rate of 0 leaves its stream out,
        so `0,2000` is the catalog's target (2,000 reads a second) without a closed loop's
        in-flight count setting the latency (64 at once at 2,000/s is 32 ms each by Little)."""
        if "mixed" in self.args.skip:
            return
        for placing, reading in self.args.mixed:
            products = asyncio.run(top_up(self.dsn))
            print(f"mixed, {placing} placements/s + {reading} reads/s...", file=sys.stderr)
            streams = [
                Stream("placements", placing, placements(products), 201),
                Stream("search ?q=", reading / 2, searches(products), 200),
                Stream("product by sku", reading / 2, lookups(products), 200),
            ]
            streams = [s for s in streams if s.per_s > 0]
            a, meter = self.args, self.processes.meter("orders", "delivery")
            measured = uvloop.run(
                open_loop(url, streams, seconds=a.seconds, warmup=a.warmup, meter=meter)
            )
            cpu = measured.pop("cpu")
            cell = f"{placing:g},{reading:g}"
            for stream in streams:
                self.results["mixed"].append(
                    {"cell": cell, "stream": stream.name, "rate": stream.per_s,
                     **measured[stream.name], "cpu": cpu}
                )  # fmt: skip

    def burst(self, url: str, products: list[Product]) -> None:
        if "burst" in self.args.skip:
            return
        sku, warm_sku = [p.sku for p in products if p.unit == "each"][:2]
        ean = asyncio.run(stock_only(self.dsn, sku, UNITS))
        print(f"one hot sku, {UNITS} units...", file=sys.stderr)
        meter = self.processes.meter("orders", "delivery")
        result = uvloop.run(burst(url, sku, ean, warm_sku, meter))
        self.results["burst"].append({"sku": sku, **result})

    def pgbench(self) -> None:
        if "pgbench" in self.args.skip:
            return
        folder = scripts_folder()
        try:
            scripts = asyncio.run(write_scripts(self.dsn, folder))
            for variant, files in scripts.items():
                for clients in self.args.concurrency:
                    asyncio.run(top_up(self.dsn))
                    print(f"pgbench, {variant}, {clients} clients...", file=sys.stderr)
                    meter = self.processes.meter()
                    result = run_pgbench(self.dsn, files, clients, self.args.seconds, meter)
                    self.results["pgbench"].append({"sql": variant, **result})
        finally:
            shutil.rmtree(folder, ignore_errors=True)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.orders", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--seconds", type=int, default=10, help="measured seconds per run")
    parser.add_argument("--warmup", type=float, default=2, help="unmeasured seconds before each")
    parser.add_argument("--concurrency", default="16,64", help="placements and pgbench clients")
    parser.add_argument("--read-concurrency", type=int, default=64)
    parser.add_argument(
        "--riders", type=int, default=120, help="on shift, so deliveries get a promise"
    )
    parser.add_argument(
        "--mixed",
        default="100,1000 0,2000",
        help="cells of placements/s,catalog reads/s sent at once, open loop, space-separated"
        " ('' to skip)",
    )
    parser.add_argument(
        "--burst-only", action="store_true", help="only the hot-sku flash sale (instant gateway)"
    )
    parser.add_argument(
        "--skip",
        default="",
        help=f"cells left out, comma-separated, of {','.join(CELLS)} (to iterate on some alone)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")
    args = parser.parse_args(argv)
    args.skip = {n for n in args.skip.split(",") if n}
    if unknown := args.skip - set(CELLS):
        parser.error(f"--skip: no cell {', '.join(sorted(unknown))}")
    try:
        args.mixed = [tuple(float(n) for n in cell.split(",")) for cell in args.mixed.split()]
    except ValueError:
        parser.error(f"--mixed: cells are placements/s,reads/s, not {args.mixed!r}")
    if any(len(cell) != 2 or min(cell) < 0 or not any(cell) for cell in args.mixed):
        parser.error(f"--mixed: cells are two rates, not negative, not both 0: {args.mixed}")
    args.concurrency = [int(n) for n in args.concurrency.split(",")]
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    server_dsn = os.environ.get("BENCH_DATABASE_URL")
    server = None if server_dsn else EmbeddedPostgres(PROJECT_ROOT / ".omo" / "bench-orders-pg")
    bench = None
    try:
        if server is not None:
            server.destroy()
            server_dsn = server.start()
        assert server_dsn is not None
        dsn = asyncio.run(recreate_database(server_dsn))
        bench = Bench(dsn, server.pgdata if server else None, args)
        results = bench.run()
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        if bench is not None:
            bench.processes.close()
        if server is not None:
            server.destroy()
        elif server_dsn:
            asyncio.run(recreate_database(server_dsn, create=False))
    report_errors(results)
    print(json.dumps(results, indent=2) if args.json else tables(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
