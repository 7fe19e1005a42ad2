"""After packing: capture exactly what was packed, commit the stock, keep the ledger."""

from __future__ import annotations

import asyncpg

from shared.events import PackedLine, Substitute
from shared.money import Money
from tests.integration.shopping import (
    CABBAGE,
    POTATOES,
    SHOPPER,
    handled,
    pack,
    place_and_pay,
    settled,
    stock,
)

CARROTS = "SKU-10003"  # 198 yen, the same as cabbage
ONIONS = "SKU-10004"  # 298 yen


def onions(quantity: int) -> Substitute:
    return Substitute(
        sku=ONIONS,
        name_en="Awaji Onions 3 pcs",
        name_ja="淡路島産 玉ねぎ 3個",
        unit="each",
        quantity=quantity,
        unit_price=Money(298, "JPY"),
    )


async def test_packed_order_is_captured_for_what_was_packed_and_the_rest_released(orders, database):
    view = await place_and_pay(
        orders,
        {"sku": CABBAGE, "quantity": 2, "substitution": "any"},
        {"sku": POTATOES, "grams": 750},
    )
    authorized = view["amounts"]["authorized"]["amount"]
    assert authorized == 396 + 299 + 45
    cabbage_before, potatoes_before = (
        await stock(database, CABBAGE),
        await stock(database, POTATOES),
    )
    onions_before = await stock(database, ONIONS)

    await pack(
        database,
        view["order_id"],
        PackedLine(line_no=1, sku=CABBAGE, picked=1, substitute=onions(1)),
        PackedLine(line_no=2, sku=POTATOES, picked=812),
    )
    done = await settled(orders, view["order_id"])

    expected = 198 + 198 + 323  # one cabbage, onions capped at a cabbage, 812 g of potatoes
    assert done["amounts"]["captured"]["amount"] == expected
    assert done["amounts"]["released"]["amount"] == authorized - expected
    assert [line["charged"]["amount"] for line in done["lines"]] == [396, 323]
    assert done["lines"][0]["picked"] == 1 and done["lines"][0]["substituted_by"]["sku"] == ONIONS
    assert "packed" in done["stages"]
    assert await stock(database, CABBAGE) == (cabbage_before[0] - 1, cabbage_before[1] - 2)
    assert await stock(database, POTATOES) == (potatoes_before[0] - 812, potatoes_before[1] - 750)
    assert await stock(database, ONIONS) == (onions_before[0] - 1, onions_before[1])


async def test_a_total_above_the_authorization_is_charged_in_a_second_payment(orders, database):
    view = await place_and_pay(orders, {"sku": POTATOES, "grams": 1000})
    authorized = view["amounts"]["authorized"]["amount"]  # 398 + 60
    await pack(database, view["order_id"], PackedLine(line_no=1, sku=POTATOES, picked=1500))
    done = await settled(orders, view["order_id"])
    assert done["amounts"]["captured"]["amount"] == 597  # 1.5 kg
    conn = await asyncpg.connect(database)
    try:
        kinds = await conn.fetch(
            "SELECT kind, amount, gateway_id FROM orders.payments "
            "WHERE order_id = $1 ORDER BY at, kind",
            view["order_id"],
        )
    finally:
        await conn.close()
    booked = {r["kind"]: r for r in kinds}
    assert booked["capture"]["amount"] == authorized
    assert booked["charge"]["amount"] == 597 - authorized
    assert booked["charge"]["gateway_id"].startswith("pi_")
    assert booked["charge"]["gateway_id"] != booked["capture"]["gateway_id"]


async def test_a_redelivered_packed_event_changes_nothing(orders, database):
    view = await place_and_pay(orders, {"sku": CABBAGE, "quantity": 1})
    line = PackedLine(line_no=1, sku=CABBAGE, picked=1)
    await pack(database, view["order_id"], line)
    await settled(orders, view["order_id"])
    before = await stock(database, CABBAGE)
    again = await pack(database, view["order_id"], line)  # the same packing, published again
    await handled(database, "orders.settle_packed", again)
    again = (await orders.get(f"/v1/orders/{view['order_id']}", headers=SHOPPER)).json()
    assert again["amounts"]["captured"]["amount"] == 198
    assert await stock(database, CABBAGE) == before
