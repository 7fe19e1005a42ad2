"""A flash sale on one sku, for `bench.orders`: 1,000 checkouts, 100 at a time, for 10 units.

What it measures is how fast the refused are told: a checkout that cannot be served should not
queue on the sku's row lock behind those that can (issue 19, part 4). Sales and refusals are
timed apart, as the client saw them.
"""

from __future__ import annotations

import asyncio
import statistics
import time
import uuid
from collections import Counter

import httpx

from bench.orders_load import MEMBERS, STORE_ID
from shared.auth import Role, mint
from shared.settings import DEV_JWT_SECRET

CHECKOUTS, AT_ONCE, UNITS = 1000, 100, 10


def _cuts(latencies: list[float]) -> dict:
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return {"p50_ms": round(cuts[49] * 1000, 1), "p99_ms": round(cuts[98] * 1000, 1)}


async def burst(base_url: str, sku: str) -> dict:
    """How many were sold and refused, each's p50/p99 in ms, other answers by status."""
    tokens = [
        mint(DEV_JWT_SECRET, Role.SHOPPER, member_id=f"mem_bench_{n:02d}", ttl_s=3600)
        for n in range(MEMBERS)
    ]
    body = {"store_id": STORE_ID, "fulfilment": "pickup", "lines": [{"sku": sku, "quantity": 1}]}
    left = iter(range(CHECKOUTS))
    timed: dict[int, list[float]] = {201: [], 409: []}
    others: Counter[str] = Counter()
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)

    async def shopper() -> None:
        async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=60) as http:
            for n in left:
                headers = {
                    "Authorization": f"Bearer {tokens[n % MEMBERS]}",
                    "Idempotency-Key": str(uuid.uuid4()),
                }
                sent = time.perf_counter()
                response = await http.post("/v1/orders", json=body, headers=headers)
                if response.status_code in timed:
                    timed[response.status_code].append(time.perf_counter() - sent)
                else:
                    others[str(response.status_code)] += 1

    started = time.perf_counter()
    await asyncio.gather(*(shopper() for _ in range(AT_ONCE)))
    return {
        "checkouts": CHECKOUTS,
        "at_once": AT_ONCE,
        "units": UNITS,
        "seconds": round(time.perf_counter() - started, 1),
        "sold": {"count": len(timed[201]), **_cuts(timed[201])},
        "refused": {"count": len(timed[409]), **_cuts(timed[409])},
        "errors": dict(others),
    }
