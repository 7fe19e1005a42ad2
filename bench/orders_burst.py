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

import httpx

from bench.orders_load import MEMBERS, STORE_ID, connections
from bench.serving import CpuMeter
from shared.auth import Role, mint
from shared.settings import DEV_JWT_SECRET

CHECKOUTS, AT_ONCE, UNITS = 1000, 100, 10
TILL_EVERY_S = 0.1


def _cuts(latencies: list[float]) -> dict:
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return {"p50_ms": round(cuts[49] * 1000, 1), "p99_ms": round(cuts[98] * 1000, 1)}


async def till(http: httpx.AsyncClient, ean: str, done: asyncio.Event) -> list[float]:
    """Till sales of one piece by barcode, one every `TILL_EVERY_S` until `done`: their
    latencies (a sale that is not a 201 raises: the till must never be refused)."""
    token = mint(DEV_JWT_SECRET, Role.CASHIER, store_id=STORE_ID, ttl_s=3600)
    body = {
        "barcodes": [ean],
        "tender": {"kind": "cash", "received": {"amount": 10**7, "currency": "JPY"}},
    }
    waited: list[float] = []
    while not done.is_set():
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())}
        sent = time.perf_counter()
        response = await http.post(f"/v1/stores/{STORE_ID}/sales", json=body, headers=headers)
        response.raise_for_status()
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

    def body(sku: str) -> dict:
        return {
            "store_id": STORE_ID,
            "fulfilment": "pickup",
            "lines": [{"sku": sku, "quantity": 1}],
        }

    left = iter(range(CHECKOUTS))
    timed: dict[int, list[float]] = {201: [], 409: []}
    others: Counter[str] = Counter()

    def headers(n: int) -> dict:
        return {
            "Authorization": f"Bearer {tokens[n % MEMBERS]}",
            "Idempotency-Key": str(uuid.uuid4()),
        }

    async def warm(http: httpx.AsyncClient, n: int) -> None:
        response = await http.post("/v1/orders", json=body(warm_sku), headers=headers(n))
        response.raise_for_status()

    async def shopper(http: httpx.AsyncClient) -> None:
        for n in left:
            sent = time.perf_counter()
            response = await http.post("/v1/orders", json=body(sku), headers=headers(n))
            if response.status_code in timed:
                timed[response.status_code].append(time.perf_counter() - sent)
            else:
                others[str(response.status_code)] += 1

    # Made before the clock starts (as `hammer` does): each client costs tens of ms of CPU, and
    # 100 made while the first wave was in flight stalled the load generator's loop for seconds,
    # all of it counted in the first wave's latencies.
    at_till, *shoppers = connections(base_url, 1 + AT_ONCE)
    done = asyncio.Event()
    try:
        await asyncio.gather(*(warm(http, n) for n, http in enumerate(shoppers)))
        meter.start()
        started = time.perf_counter()
        cashier = asyncio.create_task(till(at_till, ean, done))
        await asyncio.gather(*map(shopper, shoppers))
        seconds = time.perf_counter() - started
        cpu = meter.stop()
        done.set()
        sales = await cashier
    finally:
        await asyncio.gather(at_till.aclose(), *(c.aclose() for c in shoppers))
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
