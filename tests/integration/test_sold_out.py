"""A sold-out sku answers at once: its refusals never queue on the row lock behind the checkouts
that can still be served, and never oversell."""

from __future__ import annotations

import asyncpg

from tests.integration.delivering import rider_on_duty
from tests.integration.shopping import (
    CABBAGE,
    POTATOES,
    SHOPPER,
    flash_sale,
    key,
    order,
    order_count,
    stock,
)

STORE = "kobe-sannomiya"


async def set_stock(database: str, sku: str, *, on_hand: int, reserved: int) -> None:
    conn = await asyncpg.connect(database)
    try:
        await conn.execute(
            "UPDATE orders.products SET on_hand = $3, reserved = $4 "
            "WHERE store_id = $1 AND sku = $2",
            STORE,
            sku,
            on_hand,
            reserved,
        )
    finally:
        await conn.close()


async def test_a_sold_out_sku_is_refused_without_waiting_on_its_locked_row(orders, database):
    await set_stock(database, CABBAGE, on_hand=5, reserved=5)
    potatoes = await stock(database, POTATOES)
    holder = await asyncpg.connect(database)
    try:
        async with holder.transaction():  # a stock take, say, holds the row
            await holder.execute(
                "SELECT 1 FROM orders.products WHERE store_id = $1 AND sku = $2 FOR UPDATE",
                STORE,
                CABBAGE,
            )
            # Queued on the lock, the checkout would wait the pool's 10 s lock timeout.
            refused = await orders.post(
                "/v1/orders",
                json=order({"sku": POTATOES, "grams": 500}, {"sku": CABBAGE, "quantity": 1}),
                headers={**SHOPPER, **key()},
                timeout=3,
            )
    finally:
        await holder.close()
    assert refused.status_code == 409, refused.text
    problem = refused.json()
    assert problem["field"] == "lines[1].sku" and CABBAGE in problem["detail"]
    assert problem["skus"] == [CABBAGE]
    assert await stock(database, POTATOES) == potatoes


async def test_a_repeated_checkout_is_answered_as_the_first_after_its_sku_sold_out(
    orders, database
):
    await set_stock(database, CABBAGE, on_hand=2, reserved=0)
    headers = {**SHOPPER, **key()}
    first = await orders.post(
        "/v1/orders", json=order({"sku": CABBAGE, "quantity": 2}), headers=headers
    )
    again = await orders.post(
        "/v1/orders", json=order({"sku": CABBAGE, "quantity": 2}), headers=headers
    )
    assert first.status_code == again.status_code == 201, again.text
    assert first.json()["order_id"] == again.json()["order_id"]
    assert await stock(database, CABBAGE) == (2, 2)


async def test_a_hot_sku_burst_sells_exactly_its_stock_and_refuses_the_rest_naming_it(
    database, demo, delivery_url, stripe_url
):
    await rider_on_duty(database)
    await set_stock(database, CABBAGE, on_hand=10, reserved=0)
    responses = await flash_sale(database, delivery_url, stripe_url, shoppers=300, at_once=100)
    codes = [r.status_code for r in responses]
    assert codes.count(201) == 10, sorted(set(codes))
    assert codes.count(409) == 290
    refusals = [r.json() for r in responses if r.status_code == 409]
    assert all(p["field"] == "lines[0].sku" and p["skus"] == [CABBAGE] for p in refusals)
    assert await stock(database, CABBAGE) == (10, 10)
    assert await order_count(database, "awaiting_payment") == 10
