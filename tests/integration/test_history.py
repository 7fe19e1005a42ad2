"""One member, every channel: the timeline and buy-again lists read orders and sales together."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg

from tests.integration.shopping import CABBAGE, POTATOES, SHOPPER, place_and_pay, yen

MEMBER = "mem_test_1"  # the SHOPPER token's member


async def ring_up(database: str, sale_id: str, *lines: tuple[str, int, int], at: datetime) -> None:
    """A till sale attached to the member, as the till records one."""
    conn = await asyncpg.connect(database)
    try:
        async with conn.transaction():
            total = sum(amount for _, _, amount in lines)
            await conn.execute(
                "INSERT INTO orders.sales (store_id, sale_id, channel, sold_by, member_id,"
                " currency, total, tender, received, sold_at) VALUES ('kobe-sannomiya', $1, 'till',"
                " 'cashier-1', $2, 'JPY', $3, 'cash', $3, $4)",
                sale_id,
                MEMBER,
                total,
                at,
            )
            for n, (sku, quantity, amount) in enumerate(lines, 1):
                await conn.execute(
                    "INSERT INTO orders.sale_lines (store_id, sale_id, line_no, barcode, scan, sku,"
                    " name_en, name_ja, zone, unit, quantity, unit_price, amount)"
                    " SELECT store_id, $1, $2, ean, 'gtin', sku, name_en, name_ja, zone, unit, $4,"
                    " price, $5 FROM orders.products"
                    " WHERE store_id = 'kobe-sannomiya' AND sku = $3",
                    sale_id,
                    n,
                    sku,
                    quantity,
                    amount,
                )
    finally:
        await conn.close()


async def test_timeline_lists_online_orders_and_till_sales_newest_first(orders, database):
    two_days_ago = datetime.now(UTC) - timedelta(days=2)
    await ring_up(database, "sal_old", (CABBAGE, 1, 198), at=two_days_ago)
    await ring_up(database, "sal_older", (CABBAGE, 1, 198), at=two_days_ago)  # the same moment
    online = await place_and_pay(orders, {"sku": CABBAGE, "quantity": 1})
    page = (await orders.get("/v1/me/timeline", headers=SHOPPER)).json()
    entries = page["items"]
    assert [(e["kind"], e["ref"]) for e in entries] == [
        ("online_delivery", online["order_id"]),
        ("till", "sal_older"),  # a tie on the time is broken by the ref, newest-looking first
        ("till", "sal_old"),
    ]
    assert entries[1]["amount"] == yen(198) and page["next_cursor"] is None


async def test_the_timeline_pages_one_entry_at_a_time_without_losing_a_tie(orders, database):
    at = datetime.now(UTC) - timedelta(days=1)
    for sale in ("sal_1", "sal_2", "sal_3"):  # three sales of the same moment
        await ring_up(database, sale, (CABBAGE, 1, 198), at=at)
    seen, cursor = [], None
    while True:
        params = {"limit": 1, **({"cursor": cursor} if cursor else {})}
        page = (await orders.get("/v1/me/timeline", params=params, headers=SHOPPER)).json()
        seen += [e["ref"] for e in page["items"]]
        if not (cursor := page["next_cursor"]):
            break
    assert seen == ["sal_3", "sal_2", "sal_1"]


async def test_buy_again_ranks_what_the_member_buys_most_across_channels(orders, database):
    now = datetime.now(UTC)
    await ring_up(database, "sal_1", (CABBAGE, 1, 198), (POTATOES, 500, 199), at=now)
    await ring_up(database, "sal_2", (CABBAGE, 2, 396), at=now)
    await place_and_pay(orders, {"sku": CABBAGE, "quantity": 1})
    favourites = (
        await orders.get("/v1/me/buy-again", params={"store_id": "kobe-sannomiya"}, headers=SHOPPER)
    ).json()["items"]
    assert [(f["sku"], f["times"]) for f in favourites] == [(CABBAGE, 3), (POTATOES, 1)]
    assert favourites[0]["price"] == yen(198) and favourites[0]["available"] > 0


async def test_another_members_history_is_not_shown(orders, database):
    from shared.auth import Role
    from tests.integration.apps import bearer

    await ring_up(database, "sal_mine", (CABBAGE, 1, 198), at=datetime.now(UTC))
    stranger = bearer(Role.SHOPPER, member="mem_stranger")
    assert (await orders.get("/v1/me/timeline", headers=stranger)).json()["items"] == []
