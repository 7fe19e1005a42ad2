"""A shopper's orders page by cursor: every one of them is reachable, however many there are
(a page is at most 100, so a plain `limit` stopped at the 100th)."""

from __future__ import annotations

import asyncio

import asyncpg

from tests.integration.shopping import CABBAGE, SHOPPER, key, order

PLACED = 101


async def test_a_shoppers_101st_order_is_on_a_later_page(orders, database):
    conn = await asyncpg.connect(database)
    try:  # the counted stock, as the manager's count would set it: enough for every order
        await conn.execute("UPDATE orders.products SET on_hand = 1000 WHERE sku = $1", CABBAGE)
    finally:
        await conn.close()

    async def place() -> str:
        answer = await orders.post(
            "/v1/orders",
            json=order({"sku": CABBAGE, "quantity": 1}, fulfilment="pickup", address=None),
            headers={**SHOPPER, **key()},
        )
        assert answer.status_code == 201, answer.text
        return answer.json()["order_id"]

    placed = []
    for _ in range(0, PLACED, 10):  # a few at a time: two cores, localstripe in a thread
        placed += await asyncio.gather(*(place() for _ in range(min(10, PLACED - len(placed)))))

    seen, pages, cursor = [], 0, None
    while True:
        params = {"limit": 100} | ({"cursor": cursor} if cursor else {})
        answer = await orders.get("/v1/orders", params=params, headers=SHOPPER)
        assert answer.status_code == 200, answer.text
        page = answer.json()
        seen += [o["order_id"] for o in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 2
    assert seen == sorted(placed, reverse=True)  # newest first, none twice, none left out


async def test_a_cursor_the_api_did_not_give_is_a_422_naming_it(orders):
    answer = await orders.get("/v1/orders", params={"cursor": "%%%"}, headers=SHOPPER)
    assert answer.status_code == 422, answer.text
    assert answer.json()["field"] == "cursor"
