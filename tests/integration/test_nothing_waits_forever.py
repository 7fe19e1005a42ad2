"""No request waits forever: not for a row another holds, not for a free connection of the pool.

A service that waits on itself stops answering everyone (readiness, quotes, so checkout too)
until it is killed; these drive the real HTTP server with more concurrent requests than its pool
has connections.
"""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx

from shared.auth import Role
from shared.db import connect
from tests.integration.apps import bearer
from tests.integration.conftest import serving
from tests.integration.delivering import (
    RIDER_1,
    STORE,
    assign_route,
    bag_codes,
    command,
    ready_orders,
    rows,
)

POOL = 4
CONCURRENT = 12
WRONG_CODES_COUNTED = 5  # deliveries.service.MAX_WRONG_CODES


async def _out_order(database: str, url: str) -> tuple[str, str]:
    """One order out on rider-1's route; its id and a code that is not its code."""
    [order] = await ready_orders(database, 1)
    route_id = await assign_route(database, "rider-1", [order])
    async with httpx.AsyncClient(base_url=url, timeout=10) as http:
        r = await http.post(
            f"/v1/routes/{route_id}/pickup",
            json={"bags": bag_codes(order)},
            headers=command(RIDER_1),
        )
    assert r.status_code == 200, r.text
    [row] = await rows(
        database, "SELECT handover_code FROM delivery.deliveries WHERE order_id = $1", order
    )
    return order, str((int(row["handover_code"]) + 1) % 10_000).zfill(4)


async def test_a_dozen_concurrent_wrong_codes_leave_the_instance_answering(database, demo):
    with serving("delivery", database_url=database, db_pool_size=POOL) as url:
        order, wrong = await _out_order(database, url)
        async with httpx.AsyncClient(base_url=url, timeout=30) as http:

            async def guess():
                return await http.post(
                    f"/v1/deliveries/{order}/delivered",
                    json={"code": wrong},
                    headers=command(RIDER_1),
                )

            answers = await asyncio.wait_for(
                asyncio.gather(*(guess() for _ in range(CONCURRENT))), 30
            )
            ready = await http.get("/readyz")
            quote = await http.post(
                "/v1/quotes",
                json={"store_id": STORE, "lat": 34.6937, "lng": 135.1955},
                headers=bearer(Role.SHOPPER, member="mem_test_1"),
            )
    # Each guess judged in turn against an exact count: five wrong, then only a photo will do.
    assert Counter(a.status_code for a in answers) == {
        422: WRONG_CODES_COUNTED,
        429: CONCURRENT - WRONG_CODES_COUNTED,
    }, [a.text for a in answers]
    [counted] = await rows(
        database, "SELECT count(*) FROM delivery.code_failures WHERE order_id = $1", order
    )
    assert counted["count"] == WRONG_CODES_COUNTED
    assert ready.status_code == 200, ready.text
    assert quote.status_code == 200, quote.text


async def test_a_row_held_too_long_answers_503_with_retry_after(database, demo):
    with serving("delivery", database_url=database, db_lock_timeout_s=0.3) as url:
        order, wrong = await _out_order(database, url)
        holder = await connect(database)
        try:
            async with holder.transaction():
                await holder.execute(
                    "SELECT 1 FROM delivery.deliveries WHERE order_id = $1 FOR UPDATE", order
                )
                async with httpx.AsyncClient(base_url=url, timeout=30) as http:
                    r = await http.post(
                        f"/v1/deliveries/{order}/delivered",
                        json={"code": wrong},
                        headers=command(RIDER_1),
                    )
        finally:
            await holder.close()
    assert r.status_code == 503, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["type"] == "urn:omo:problem:busy" and int(r.headers["Retry-After"]) > 0
