"""The database's own limit on checkout: a placement's SQL, run by `pgbench` with no app in the way.

One script per basket (bench.placement_sql writes it from the service's own queries), `whole
placement`: every statement the orders service sends for one placement, in its order (2 round
trips; delivery's quote is delivery's SQL and is left out). Earlier placements sent more, and a
second script ran their core alone; since the core is the whole, it is gone. 32 baskets drawn
like the HTTP bench's, one script each, picked at random; the ids and the Idempotency-Key are
fresh each transaction. The claim's reservation (orders.claim_stock) locks its rows in sku order
itself (an earlier version did not, and deadlocked here at 13-20 tps).
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

from bench.orders_load import STORE_ID, Baskets, Product
from bench.placement_sql import placement, script
from bench.serving import CpuMeter
from infra.embedded_db import POSTGRES_BIN_PATH, SYSTEM_USER
from services.orders.checkout.domain import Sellable
from shared.db import connect

SCRIPTS = 32
WHOLE = "whole placement"


async def sellables(dsn: str) -> dict[str, Sellable]:
    """What the bench's store sells, as checkout prices it."""
    conn = await connect(dsn)
    try:
        rows = await conn.fetch(
            "SELECT sku, name_en, name_ja, zone, unit, price, tax_class FROM orders.products"
            " WHERE store_id = $1",
            STORE_ID,
        )
    finally:
        await conn.close()
    return {r["sku"]: Sellable(**dict(r)) for r in rows}


async def write_scripts(dsn: str, folder: Path, seed: int = 45) -> dict[str, list[Path]]:
    """Each variant's scripts, for the same baskets."""
    catalog = await sellables(dsn)
    products = [Product(x.sku, x.name_en, x.name_ja, x.unit) for x in catalog.values()]
    rng, basket = random.Random(seed), Baskets(products)
    paths: dict[str, list[Path]] = {WHOLE: []}
    for n in range(SCRIPTS):
        body: dict[str, Any] = {
            "store_id": STORE_ID,
            "fulfilment": "delivery",
            "lines": basket(rng),
        }
        body["address"] = {"lat": 34.69, "lng": 135.19, "text": "Kobe"}
        path = folder / f"checkout_{n:02d}.sql"
        path.write_text(script(placement(body, catalog, member_id=f"mem_bench_{n:02d}")))
        path.chmod(0o644)
        paths[WHOLE].append(path)
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
