"""A hot sku: a checkout meets its row held by another checkout's transaction. One that the
stock as last committed cannot serve is refused at once, without queueing on the row; one that
it can serve waits its turn and re-checks under the lock (issue 19)."""

from __future__ import annotations

import asyncio

from services.orders.stock import store as stock
from shared.db import create_pool
from tests.eventually import eventually, waiting_on_a_lock

STORE, CABBAGE, DAIKON = "kobe-sannomiya", "SKU-10001", "SKU-10002"
HOLD = "SELECT 1 FROM orders.products WHERE store_id = $1 AND sku = $2 FOR UPDATE"
LEFT = "UPDATE orders.products SET on_hand = $3, reserved = 0 WHERE store_id = $1 AND sku = $2"
RESERVED = "SELECT reserved FROM orders.products WHERE store_id = $1 AND sku = $2"


async def test_a_reservation_a_held_row_cannot_serve_is_refused_while_the_row_is_held(
    database, demo
):
    pool = await create_pool(database)
    try:
        await pool.execute(LEFT, STORE, DAIKON, 1)
        async with pool.acquire() as holder, pool.acquire() as checkout:
            async with holder.transaction():
                await holder.execute(HOLD, STORE, DAIKON)  # another checkout, taking the last
                async with checkout.transaction():
                    short = await asyncio.wait_for(
                        stock.reserve(checkout, store_id=STORE, amounts={CABBAGE: 1, DAIKON: 2}),
                        5,  # far below the pool's lock timeout: it did not wait for the holder
                    )
                assert short == {DAIKON}
                assert await pool.fetchval(RESERVED, STORE, DAIKON) == 0
    finally:
        await pool.close()


async def test_a_reservation_the_committed_stock_can_serve_waits_for_the_held_row(database, demo):
    pool = await create_pool(database)
    try:
        await pool.execute(LEFT, STORE, DAIKON, 3)
        async with pool.acquire() as holder, pool.acquire() as checkout:

            async def reserve() -> set[str]:
                async with checkout.transaction():
                    return await stock.reserve(checkout, store_id=STORE, amounts={DAIKON: 2})

            async with holder.transaction():
                await holder.execute(HOLD, STORE, DAIKON)
                reserving = asyncio.create_task(reserve())
                await eventually(
                    lambda: waiting_on_a_lock(pool, checkout.get_server_pid()),
                    "the checkout to wait for the held row",
                )
                assert not reserving.done()
            assert await asyncio.wait_for(reserving, 10) == set()  # the holder committed
        assert await pool.fetchval(RESERVED, STORE, DAIKON) == 2
    finally:
        await pool.close()
