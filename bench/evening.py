"""A store's evening written straight into delivery's tables, for the benches that need riders
on shift and orders waiting (`bench.quotes`, `bench.orders`): a quote for a delivery asks the
riders' future, and a store with nobody on shift refuses every delivery."""

from __future__ import annotations

import math
import random

from bench.orders_load import STORE_AT, STORE_ID
from shared.db import connect


def door(rng: random.Random) -> tuple[float, float]:
    """A point uniformly within 3 km of the store."""
    metres, bearing = 3000 * math.sqrt(rng.random()), rng.uniform(0, 2 * math.pi)
    return (
        STORE_AT[0] + metres * math.cos(bearing) / 111_320,
        STORE_AT[1] + metres * math.sin(bearing) / (111_320 * math.cos(math.radians(STORE_AT[0]))),
    )


async def busy_evening(dsn: str, riders: int, orders: int, seed_: int = 7) -> None:
    """Riders on shift (out, riding back, at the store) and orders waiting for them."""
    rng = random.Random(seed_)
    conn = await connect(dsn)
    try:
        for n in range(riders):
            rider, (lat, lng) = f"bench-rider-{n}", door(rng) if n % 3 else STORE_AT
            await conn.execute(
                "INSERT INTO delivery.riders (store_id, rider_id, name, on_shift, lat, lng)"
                " VALUES ($1, $2, $2, true, $3, $4)",
                STORE_ID,
                rider,
                lat,
                lng,
            )
            if n % 3 == 1:  # out: a route that ends within 20 minutes
                lat, lng = door(rng)
                await conn.execute(
                    "INSERT INTO delivery.deliveries (store_id, order_id, member_id, lat, lng,"
                    " address_text, promise_at, placed_at, status, handover_code, bags,"
                    " route_id, rider_id, eta)"
                    " VALUES ($1, $2, 'mem_bench', $3, $4, 'Kobe', now() + $5 * interval '1 min',"
                    " now(), 'out', '1234', 2, $6, $7, now() + $5 * interval '1 min')",
                    STORE_ID,
                    f"ord_out_{n}",
                    lat,
                    lng,
                    rng.uniform(2, 20),
                    f"rte_{n}",
                    rider,
                )
        for n in range(orders):
            lat, lng = door(rng)
            await conn.execute(
                "INSERT INTO delivery.deliveries (store_id, order_id, member_id, lat, lng,"
                " address_text, promise_at, placed_at, status, handover_code, bags, ready_at)"
                " VALUES ($1, $2, 'mem_bench', $3, $4, 'Kobe', now() + interval '25 min',"
                " now() - $5 * interval '1 min', $6, '1234', 2, now())",
                STORE_ID,
                f"ord_wait_{n}",
                lat,
                lng,
                rng.uniform(0, 6),
                "ready" if n % 2 else "waiting",
            )
    finally:
        await conn.close()
