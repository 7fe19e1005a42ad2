"""The database's own limit on checkout: the core of a placement's write, run by `pgbench`.

One pgbench transaction is a placement's stock and order SQL, statement for statement: the
`claim` of services/orders/stock/queries.sql on its own (committed at once, as checkout claims
before it asks for a promise), then `take_claim` and `insert_order` (the order, its lines and
its first stage in one statement, services/orders/order/queries.sql) in one transaction, with
the values our code would send written in as literals: 32 baskets drawn like the HTTP bench's
(skus sorted, as the store module sends them), one script each, picked at random; only the
order and claim ids are fresh each time. The claim's reservation (orders.reserve) locks its
rows in sku order itself (an earlier version did not, and deadlocked here at 13-20 tps). It is
the floor of what a placement costs the database: the app adds the guard's erased-account
check, the offer's read (rules, prices, stock), the idempotency claim and answer, the
PaymentIntent's update and the order view (about 15 round trips: 21 before the pool stopped
resetting connections on the server and the reservation became one call without a savepoint;
the claim of its own, issue 19 part 4, added one).
"""

from __future__ import annotations

import random
import re
import resource
import subprocess
import tempfile
from pathlib import Path
from subprocess import PIPE
from typing import Any
from urllib.parse import parse_qs, urlsplit

import msgspec

from bench.orders_load import STORE_ID, Product, basket
from bench.serving import CpuMeter
from infra.embedded_db import POSTGRES_BIN_PATH, SYSTEM_USER
from services.orders.checkout.domain import OrderRequest, Sellable, line_cost, price_lines, totals
from services.orders.order.store import Q as ORDER_QUERIES
from services.orders.stock.store import Q as STOCK_QUERIES
from shared.db import connect

QUERIES = {**STOCK_QUERIES, **ORDER_QUERIES}
SCRIPTS = 32
VARIANTS = ("as in queries.sql",)
_PARAM = re.compile(r"\$(\d+)\b")
ORDER_ID = "('ord_pgb_' || :id::text)"
CLAIM_ID = "('clm_pgb_' || :id::text)"


def literal(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return str(value)


def array(values: list, kind: str) -> str:
    return f"ARRAY[{', '.join(literal(v) for v in values)}]::{kind}[]"


def statement(name: str, params: dict[str, str]) -> str:
    """A named checkout query with each parameter written in by name, comments dropped, ended
    by `;`."""
    query = QUERIES[name]
    by_number = {n: params[p] for n, p in enumerate(query.names, start=1)}
    lines = [x for x in str(query).splitlines() if not x.lstrip().startswith("--")]
    return _PARAM.sub(lambda m: by_number[int(m.group(1))], "\n".join(lines)) + ";"


def script(body: dict, catalog: dict[str, Sellable]) -> str:
    request = msgspec.convert(body, OrderRequest)
    lines = price_lines(request, catalog, "JPY")
    sums = totals(lines, 15)
    skus = sorted(x.sku for x in lines)
    amount = {x.sku: x.quantity for x in lines}
    address = request.address
    store = literal(STORE_ID)
    claim = {
        "store_id": store,
        "claim_id": CLAIM_ID,
        "skus": array(skus, "text"),
        "quantities": array([amount[s] for s in skus], "bigint"),
        "expires_at": "(now() + interval '60 seconds')",
    }
    order = {
        "store_id": store,
        "order_id": ORDER_ID,
        "member_id": literal("mem_bench_pgb"),
        "idempotency_key": "('pgb-' || :id::text)",
        "fulfilment": literal(request.fulfilment),
        "address_text": literal(address and address.text),
        "address_lat": literal(address and address.lat),
        "address_lng": literal(address and address.lng),
        "currency": literal("JPY"),
        "estimate": str(sums.estimate),
        "to_authorize": str(sums.to_authorize),
        "promise_at": "now()",
        "pay_by": "now() + interval '600 seconds'",
        "created_at": "now()",
        "estimate_each": array(
            [line_cost(x.unit, x.quantity, x.unit_price.amount) for x in lines], "int"
        ),
        "substitution": array([x.substitution for x in lines], "text"),
        "unit_price": array([x.unit_price.amount for x in lines], "int"),
    }
    columns = ["line_no", "sku", "name_en", "name_ja", "zone", "unit", "quantity"]
    kinds = ["int", "text", "text", "text", "text", "text", "bigint"]
    for column, kind in zip(columns, kinds, strict=True):
        order[column] = array([getattr(x, column) for x in lines], kind)
    return "\n".join(
        [
            r"\set id random(1, 1000000000000000)",
            statement("claim", claim),
            "BEGIN;",
            statement("take_claim", {"store_id": store, "claim_id": CLAIM_ID}),
            statement("insert_order", order),
            "COMMIT;",
            "",
        ]
    )


async def write_scripts(dsn: str, folder: Path, seed: int = 45) -> dict[str, list[Path]]:
    """Each variant's scripts, for the same baskets."""
    conn = await connect(dsn)
    try:
        rows = await conn.fetch(
            "SELECT sku, name_en, name_ja, zone, unit, price FROM orders.products"
            " WHERE store_id = $1",
            STORE_ID,
        )
    finally:
        await conn.close()
    catalog = {r["sku"]: Sellable(**dict(r)) for r in rows}
    products = [Product(r["sku"], r["name_en"], r["name_ja"], r["unit"]) for r in rows]
    rng = random.Random(seed)
    paths: dict[str, list[Path]] = {variant: [] for variant in VARIANTS}
    for n in range(SCRIPTS):
        body: dict[str, Any] = {
            "store_id": STORE_ID,
            "fulfilment": "delivery",
            "lines": basket(rng, products),
        }
        body["address"] = {"lat": 34.69, "lng": 135.19, "text": "Kobe"}
        for i, variant in enumerate(VARIANTS):
            path = folder / f"checkout_{i}_{n:02d}.sql"
            path.write_text(script(body, catalog))
            path.chmod(0o644)
            paths[variant].append(path)
    return paths


def connection_args(dsn: str) -> list[str]:
    """-h -p -U and the database name of a libpq URL (host may sit in the query, for sockets)."""
    url = urlsplit(dsn)
    query = parse_qs(url.query)
    host = query.get("host", [url.hostname or "localhost"])[0]
    port = str(url.port or query.get("port", ["5432"])[0])
    return ["-h", host, "-p", port, "-U", url.username or "postgres", url.path.lstrip("/")]


def run_pgbench(dsn: str, scripts: list[Path], clients: int, seconds: int, meter: CpuMeter) -> dict:
    """pgbench's tps, average latency and failed transactions; as root first, then as the
    embedded server's system user if the socket is out of root's reach."""
    args = [str(POSTGRES_BIN_PATH / "pgbench"), "-n", "-M", "prepared", "-c", str(clients)]
    args += ["-j", str(min(clients, 2)), "-T", str(seconds)]
    args += [arg for path in scripts for arg in ("-f", f"{path}@1")]
    args += connection_args(dsn)
    for user in (None, SYSTEM_USER):
        meter.start()
        reaped = _children_cpu_s()
        with subprocess.Popen(args, stdout=PIPE, stderr=PIPE, text=True, user=user) as pgbench:
            while True:
                try:
                    stdout, stderr = pgbench.communicate(timeout=0.5)
                    break
                except subprocess.TimeoutExpired:
                    meter.sample()
        cpu = meter.stop()
        # pgbench's own CPU, as the orders bench counts its load generator's: both share the cores.
        cpu["pgbench"] = round(100 * (_children_cpu_s() - reaped) / seconds)
        if pgbench.returncode == 0 or "ermission denied" not in stderr:
            break
    if pgbench.returncode != 0:
        raise RuntimeError(f"pgbench failed: {stderr.strip()[-500:]}")

    def number(label: str) -> float:
        match = re.search(rf"^{label} = ([\d.]+)", stdout, re.MULTILINE)
        return float(match.group(1)) if match else float("nan")

    failed = re.search(r"number of failed transactions: (\d+)", stdout)
    return {
        "clients": clients,
        "tps": round(number("tps")),
        "latency_avg_ms": round(number("latency average"), 2),
        "failed": int(failed.group(1)) if failed else 0,
        "cpu": cpu,
    }


def _children_cpu_s() -> float:
    """CPU seconds of this process's children that have ended (pgbench, once waited for)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def scripts_folder() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="bench-orders-pgbench-"))
    folder.chmod(0o755)
    return folder
