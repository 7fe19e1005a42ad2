"""Stock writers meet a transaction that takes the same rows in another order (a bus consumer
handling a batch of packed orders): the checkout's reservation waits holding no row, so the
batch goes on and the reservation goes through after it, with no deadlock to break."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

from services.orders.stock import store as stock
from shared.db import create_pool
from tests.eventually import eventually, waiting_on_a_lock

STORE, CABBAGE, DAIKON = "kobe-sannomiya", "SKU-10001", "SKU-10002"
LOCK = "SELECT 1 FROM orders.products WHERE store_id = $1 AND sku = $2 FOR UPDATE"


async def test_a_reservation_waits_holding_no_row_so_a_batch_in_any_order_goes_on(database, demo):
    pool = await create_pool(database)
    try:
        async with (
            pool.acquire() as batch,
            pool.acquire() as checkout,
            pool.acquire() as watcher,
        ):

            async def reserve():
                async with checkout.transaction():
                    return await stock.reserve(
                        checkout, store_id=STORE, amounts={CABBAGE: 1, DAIKON: 1}
                    )

            checkout_pid = checkout.get_server_pid()

            def lock_wait() -> Awaitable[list[int]]:
                return waiting_on_a_lock(watcher, checkout_pid)

            async with batch.transaction():
                await batch.execute(LOCK, STORE, DAIKON)  # an earlier event in the batch
                reserving = asyncio.create_task(reserve())
                await eventually(lock_wait, "the checkout to wait for DAIKON")
                # The next event wants CABBAGE, which comes before DAIKON in the checkout's
                # order: the waiting checkout does not hold it, so the batch takes it now.
                await asyncio.wait_for(batch.execute(LOCK, STORE, CABBAGE), 5)
                assert await lock_wait(), "the checkout still waits for the batch"
                assert not reserving.done()
            short = await asyncio.wait_for(reserving, 10)  # the batch committed
    finally:
        await pool.close()
    assert short == set()  # both reserved
