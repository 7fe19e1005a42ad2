"""The fast simulator's floor (`infra.simulate.fast.floor`) answers what the delivery schema's
`packing_pace` and `floor_queue` answer, on the same deliveries at the same moment."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from infra.simulate.fast import floor
from shared.db import connect
from tests.integration.delivering import MEMBER, STORE, handle_delivery

NOW = datetime(2026, 12, 6, 10, 0, tzinfo=UTC)


def evening(seed: int) -> list[floor.Delivery]:
    """Deliveries at every stage: packed within the hour and before it, with and without bags,
    waiting (some paid at the same second), and on their way."""
    rng = random.Random(seed)
    out = []
    for i in range(40):
        placed = NOW - timedelta(seconds=rng.randrange(0, 7200))
        if i % 7 == 0:
            placed = NOW - timedelta(minutes=3)  # ties on payment: the order id decides
        status = rng.choice(["waiting", "waiting", "ready", "out", "delivered", "assigned"])
        ready_at = None
        bags = 0
        if status != "waiting":
            ready_at = min(NOW, placed + timedelta(seconds=rng.randrange(60, 1500)))
            bags = rng.choice([0, 1, 2, 3, 4])
        out.append(floor.Delivery(f"ord_f{i:02d}", status, placed, ready_at, bags))
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_the_fast_floor_mirrors_the_sql_floor_queue_and_pace(database, demo, seed):
    await handle_delivery(database)  # the demo store in delivery's schema
    deliveries = evening(seed)
    conn = await connect(database)
    try:
        await conn.execute(
            "UPDATE delivery.stores SET orders_per_hour = 47 WHERE store_id = $1", STORE
        )
        await conn.executemany(
            "INSERT INTO delivery.deliveries (store_id, order_id, member_id, lat, lng,"
            " address_text, promise_at, placed_at, status, handover_code, bags, ready_at)"
            " VALUES ($1, $2, $3, 34.7, 135.19, 'Kobe', $4, $4, $5, '1234', $6, $7)",
            [
                (STORE, d.order_id, MEMBER, d.placed_at, d.status, d.bags, d.ready_at)
                for d in deliveries
            ],
        )
        pace = await conn.fetchrow("SELECT * FROM delivery.packing_pace($1, $2)", STORE, NOW)
        queue = await conn.fetch(
            "SELECT order_id, ready_by, bags FROM delivery.floor_queue($1, $2)"
            " ORDER BY ready_by, order_id",
            STORE,
            NOW,
        )
    finally:
        await conn.close()

    assert floor.packing_pace(deliveries, NOW) == (pace["pick"], pace["bags"])
    mirrored = floor.floor_queue(deliveries, NOW, 47)
    assert [r["order_id"] for r in queue] == [q[0] for q in mirrored]
    for row, (_, ready_by, bags) in zip(queue, mirrored, strict=True):
        assert abs((row["ready_by"] - ready_by).total_seconds()) < 1e-3
        assert row["bags"] == bags


def test_the_backlog_counts_orders_not_yet_out_of_the_door():
    at = NOW
    deliveries = [
        floor.Delivery(f"o{i}", s, at)
        for i, s in enumerate(["waiting", "ready", "assigned", "out", "delivered", "failed"])
    ]
    assert floor.backlog(deliveries) == 3
