"""A flash sale on one sku, for `bench.orders`: 1,000 checkouts, 100 at a time, for 10 units.

What it measures is how fast the refused are told: a checkout that cannot be served should not
queue on the sku's row lock behind those that can (issue 19, part 4). Sales and refusals are
timed apart, as the client saw them. Before the clock, each shopper places one order of another
sku, so the burst meets a service as warm as after the placements of a full run (its pool's
connections open, its statements prepared, each shopper's connection made). Meanwhile a till
rings up one piece of the sku every `TILL_EVERY_S` (the till sells what the customer holds, so
it never fails for stock): how long a cashier waits behind the burst.
"""

from __future__ import annotations

import asyncio
import statistics
import time
import uuid
from collections import Counter

from bench.load_http import JSON, Call, Connection
from bench.orders_load import MEMBERS, STORE_ID
from bench.serving import CpuMeter
from shared.auth import Role, mint
from shared.settings import DEV_JWT_SECRET

CHECKOUTS, AT_ONCE, UNITS = 1000, 100, 10
TILL_EVERY_S = 0.1


def _cuts(latencies: list[float]) -> dict:
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return {"p50_ms": round(cuts[49] * 1000, 1), "p99_ms": round(cuts[98] * 1000, 1)}


class Refused(Exception):
    """A request the burst needs answered 201 was not (the answer's status and body)."""


async def created(http: Connection, call: Call) -> None:
    status, body = await http.send(call)
    if status != 201:
        raise Refused(f"{call.method} {call.path}: {status}: {body[:300]!r}")


async def till(http: Connection, ean: str, done: asyncio.Event) -> list[float]:
    """Till sales of one piece by barcode, one every `TILL_EVERY_S` until `done`: their
    latencies (a sale that is not a 201 raises: the till must never be refused)."""
    token = mint(DEV_JWT_SECRET, Role.CASHIER, store_id=STORE_ID, ttl_s=3600)
    body = JSON.encode(
        {
            "barcodes": [ean],
            "tender": {"kind": "cash", "received": {"amount": 10**7, "currency": "JPY"}},
        }
    )
    waited: list[float] = []
    while not done.is_set():
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())}
        sent = time.perf_counter()
        await created(http, Call("POST", f"/v1/stores/{STORE_ID}/sales", body, headers))
        waited.append(time.perf_counter() - sent)
        await asyncio.sleep(max(0.0, TILL_EVERY_S - waited[-1]))
    return waited


async def burst(base_url: str, sku: str, ean: str, warm_sku: str, meter: CpuMeter) -> dict:
    """How many were sold and refused, each's p50/p99 in ms, other answers by status, the
    till's sales meanwhile (p50 and the longest, in ms), and the CPU `meter` saw."""
    tokens = [
        mint(DEV_JWT_SECRET, Role.SHOPPER, member_id=f"mem_bench_{n:02d}", ttl_s=3600)
        for n in range(MEMBERS)
    ]

    def body(sku: str) -> bytes:
        return JSON.encode(
            {"store_id": STORE_ID, "fulfilment": "pickup", "lines": [{"sku": sku, "quantity": 1}]}
        )

    left = iter(range(CHECKOUTS))
    timed: dict[int, list[float]] = {201: [], 409: []}
    others: Counter[str] = Counter()

    def headers(n: int) -> dict:
        return {
            "Authorization": f"Bearer {tokens[n % MEMBERS]}",
            "Idempotency-Key": str(uuid.uuid4()),
        }

    async def shopper(http: Connection) -> None:
        for n in left:
            sent = time.perf_counter()
            status, _ = await http.send(Call("POST", "/v1/orders", body(sku), headers(n)))
            if status in timed:
                timed[status].append(time.perf_counter() - sent)
            else:
                others[str(status)] += 1

    # The warm-up opens a connection for each shopper before the clock (as a full run's
    # placements would have): 100 opened while the first wave was in flight would be counted in
    # its latencies.
    at_till, *shoppers = (Connection(base_url) for _ in range(1 + AT_ONCE))
    done = asyncio.Event()
    try:
        warm = (Call("POST", "/v1/orders", body(warm_sku), headers(n)) for n in range(AT_ONCE))
        await asyncio.gather(*map(created, shoppers, warm))
        meter.start()
        started = time.perf_counter()
        cashier = asyncio.create_task(till(at_till, ean, done))
        await asyncio.gather(*map(shopper, shoppers))
        seconds = time.perf_counter() - started
        cpu = meter.stop()
        done.set()
        sales = await cashier
    finally:
        for connection in (at_till, *shoppers):
            connection.close()
    return {
        "checkouts": CHECKOUTS,
        "at_once": AT_ONCE,
        "units": UNITS,
        "seconds": round(seconds, 1),
        "sold": {"count": len(timed[201]), **_cuts(timed[201])},
        "refused": {"count": len(timed[409]), **_cuts(timed[409])},
        "errors": dict(others),
        "till": {
            "count": len(sales),
            "p50_ms": round(statistics.median(sales) * 1000, 1),
            "max_ms": round(max(sales) * 1000, 1),
        },
        "cpu": cpu,
    }
