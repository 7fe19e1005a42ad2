"""The till on the demo store's stock, over HTTP: pricing, tenders, members, the till rule, and
the basket that goes home by rider."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from services.orders.members.domain import sign_member_code
from shared.auth import Role
from shared.barcodes import ean13
from shared.settings import DEV_JWT_SECRET
from tests.eventually import eventually
from tests.integration.apps import bearer, client
from tests.integration.delivering import rider_on_duty
from tests.integration.selling import (
    CABBAGE,
    CASHIER,
    MILK,
    POTATOES,
    STORE,
    WAGYU,
    ean,
    query,
    sales_count,
    weight_label,
)
from tests.integration.shopping import KOBE, SHOPPER, key, stock

SALES = f"/v1/stores/{STORE}/sales"
KOBE_POINT = {"lat": KOBE["lat"], "lng": KOBE["lng"]}
CASH = {"kind": "cash", "received": {"amount": 10_000, "currency": "JPY"}}


def price_label(sku: str, price: int) -> str:
    return ean13(f"26{sku.removeprefix('SKU-')}{price:05d}")


def sale(*barcodes: str, **extra) -> dict:
    return {"barcodes": list(barcodes), "tender": CASH, **extra}


@pytest.fixture
async def home_till(database, demo, stripe_url, delivery_url):
    """A till whose baskets may go home: the delivery service that quotes them, knowing the
    store (from store.updated), with no rider on shift yet."""
    async with httpx.AsyncClient(base_url=delivery_url) as http:
        await eventually(
            lambda: http.get(f"/v1/stores/{STORE}/zone", params=KOBE_POINT),
            "delivery to learn the store",
            ok=lambda zone: zone.status_code == 200,
        )
    async with client(
        "orders", database, stripe_api_base=stripe_url, delivery_url=delivery_url
    ) as c:
        yield c


async def test_the_till_prices_ean_weight_and_price_labels_and_takes_them_off_the_shelf(
    in_store, database
):
    before = {sku: await stock(database, sku) for sku in (CABBAGE, POTATOES, WAGYU)}
    codes = [ean(CABBAGE), weight_label(POTATOES, 750), ean(CABBAGE), price_label(WAGYU, 1196)]
    response = await in_store.post(SALES, json=sale(*codes), headers={**CASHIER, **key()})
    assert response.status_code == 201, response.text
    receipt = response.json()
    lines = [(x["sku"], x["scan"], x["quantity"], x["amount"]["amount"]) for x in receipt["lines"]]
    assert lines == [
        (CABBAGE, "gtin", 2, 2 * 198),  # a repeated scan is a second piece
        (POTATOES, "weight", 750, 299),  # 750 g at 398 yen/kg = 298.5, rounded half up
        (WAGYU, "price", 200, 1196),  # the printed price; 1196 / 5980 yen/kg = 200 g
    ]
    assert receipt["total"] == {"amount": 396 + 299 + 1196, "currency": "JPY"}
    assert receipt["change"] == {"amount": 10_000 - 1891, "currency": "JPY"}
    assert receipt["sale_id"].startswith("sal_") and receipt["member_id"] is None
    assert await stock(database, CABBAGE) == (before[CABBAGE][0] - 2, before[CABBAGE][1])
    assert await stock(database, POTATOES) == (before[POTATOES][0] - 750, before[POTATOES][1])
    assert await stock(database, WAGYU) == (before[WAGYU][0] - 200, before[WAGYU][1])
    [row] = await query(database, "SELECT channel, total, received FROM orders.sales")
    assert (row["channel"], row["total"], row["received"]) == ("till", 1891, 10_000)


async def test_a_wrong_check_digit_is_refused_naming_the_barcode_and_nothing_is_written(
    in_store, database
):
    before = await stock(database, CABBAGE)
    wrong = ean(CABBAGE)[:12] + str((int(ean(CABBAGE)[12]) + 1) % 10)
    response = await in_store.post(
        SALES, json=sale(ean(CABBAGE), ean(CABBAGE), wrong), headers={**CASHIER, **key()}
    )
    assert response.status_code == 422
    assert response.json()["field"] == "barcodes[2]"
    assert "check digit" in response.json()["detail"]
    assert await stock(database, CABBAGE) == before
    assert await sales_count(database) == 0


@pytest.mark.parametrize(
    ("code", "says"),
    [
        (ean13("490000099999"), "no product"),
        (weight_label("SKU-99999", 500), "no product"),
        (weight_label(CABBAGE, 500), "no product"),  # pieces have no PLU
        (ean(POTATOES), "sold by weight"),
    ],
    ids=["unknown-ean", "unknown-plu", "weight-label-of-pieces", "weighed-item-without-label"],
)
async def test_a_barcode_the_store_cannot_sell_is_refused(in_store, database, code, says):
    response = await in_store.post(SALES, json=sale(ean(MILK), code), headers={**CASHIER, **key()})
    assert response.status_code == 422
    assert response.json()["field"] == "barcodes[1]"
    assert says in response.json()["detail"]
    assert await sales_count(database) == 0


async def add_member(database: str, member_id: str) -> None:
    await query(
        database,
        "INSERT INTO orders.members (member_id, phone, created_at) VALUES ($1, $2, now())",
        member_id,
        f"+8190{uuid.uuid4().int % 10**8:08d}",
    )


async def test_a_fresh_member_code_attaches_the_member_to_the_sale(in_store, database):
    await add_member(database, "mem_till_1")
    code = sign_member_code(DEV_JWT_SECRET, "mem_till_1", datetime.now(UTC) + timedelta(minutes=1))
    response = await in_store.post(
        SALES, json=sale(ean(CABBAGE), member_code=code), headers={**CASHIER, **key()}
    )
    assert response.status_code == 201, response.text
    assert response.json()["member_id"] == "mem_till_1"
    [row] = await query(database, "SELECT member_id FROM orders.sales")
    assert row["member_id"] == "mem_till_1"


async def test_an_expired_member_code_is_refused_and_nothing_is_written(in_store, database):
    await add_member(database, "mem_till_2")
    code = sign_member_code(DEV_JWT_SECRET, "mem_till_2", datetime.now(UTC) - timedelta(seconds=1))
    before = await stock(database, CABBAGE)
    response = await in_store.post(
        SALES, json=sale(ean(CABBAGE), member_code=code), headers={**CASHIER, **key()}
    )
    assert response.status_code == 422
    assert response.json()["field"] == "member_code"
    assert await stock(database, CABBAGE) == before
    assert await sales_count(database) == 0


async def test_cash_below_the_total_is_refused_naming_tender_received(in_store, database):
    short = {"kind": "cash", "received": {"amount": 100, "currency": "JPY"}}
    response = await in_store.post(
        SALES, json=sale(ean(CABBAGE), tender=short), headers={**CASHIER, **key()}
    )
    assert response.status_code == 422
    assert response.json()["field"] == "tender.received"
    assert await sales_count(database) == 0


async def test_a_card_terminal_sale_keeps_the_terminal_reference_and_gives_no_change(
    in_store, database
):
    card = {"kind": "card_terminal", "reference": "TERM-7-000123"}
    response = await in_store.post(
        SALES, json=sale(ean(CABBAGE), tender=card), headers={**CASHIER, **key()}
    )
    assert response.status_code == 201, response.text
    assert response.json()["tender"] == "card_terminal" and response.json()["change"] is None
    [row] = await query(database, "SELECT tender, reference, received FROM orders.sales")
    assert tuple(row) == ("card_terminal", "TERM-7-000123", None)


async def test_a_repeated_sale_with_one_idempotency_key_takes_the_stock_once(in_store, database):
    before = await stock(database, CABBAGE)
    headers = {**CASHIER, **key()}
    first = await in_store.post(SALES, json=sale(ean(CABBAGE), ean(CABBAGE)), headers=headers)
    again = await in_store.post(SALES, json=sale(ean(CABBAGE), ean(CABBAGE)), headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert await stock(database, CABBAGE) == (before[0] - 2, before[1])
    assert await sales_count(database) == 1


async def test_only_the_stores_own_cashiers_and_manager_may_ring_up(in_store):
    for headers, status in [
        (bearer(Role.CASHIER, store="osaka-umeda"), 403),
        (bearer(Role.PICKER, store=STORE), 403),
        (SHOPPER, 403),
        (bearer(Role.MANAGER, store=STORE), 201),
    ]:
        response = await in_store.post(SALES, json=sale(ean(CABBAGE)), headers={**headers, **key()})
        assert response.status_code == status


async def test_the_till_sells_a_reserved_unit_and_then_online_cannot_sell_that_sku(
    orders, database
):
    await query(
        database,
        "UPDATE orders.products SET on_hand = 2, reserved = 2 WHERE store_id = $1 AND sku = $2",
        STORE,
        CABBAGE,
    )
    three = [ean(CABBAGE)] * 3  # the customer holds three: the till sells three
    response = await orders.post(SALES, json=sale(*three), headers={**CASHIER, **key()})
    assert response.status_code == 201, response.text
    assert response.json()["lines"][0]["quantity"] == 3
    assert await stock(database, CABBAGE) == (0, 2)  # on_hand stops at 0, reservations stand
    order = {
        "store_id": STORE,
        "fulfilment": "delivery",
        "address": KOBE,
        "lines": [{"sku": CABBAGE, "quantity": 1}],
    }
    shopper = bearer(Role.SHOPPER, member="mem_online_1")
    refused = await orders.post("/v1/orders", json=order, headers={**shopper, **key()})
    assert refused.status_code == 409
    assert refused.json()["field"] == "lines[0].sku"
    assert await stock(database, CABBAGE) == (0, 2)


async def events(database: str, key: str) -> list[tuple[str, dict]]:
    rows = await query(
        database, "SELECT topic, payload FROM kernel.events WHERE key = $1 ORDER BY seq", key
    )
    return [(r["topic"], json.loads(r["payload"])) for r in rows]


async def test_a_basket_goes_home_only_with_a_rider_on_shift_and_nothing_is_sold_without(
    home_till, database
):
    response = await home_till.post(
        SALES, json=sale(ean(CABBAGE), deliver_to=KOBE), headers={**CASHIER, **key()}
    )
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["field"] == "deliver_to" and "no rider is on shift" in problem["detail"]
    assert await sales_count(database) == 0


async def test_a_basket_sent_home_becomes_a_packed_delivery_order_that_skips_picking(
    home_till, database
):
    await rider_on_duty(database)
    codes = [ean(CABBAGE), ean(MILK), weight_label(POTATOES, 500)]
    response = await home_till.post(
        SALES, json=sale(*codes, deliver_to=KOBE), headers={**CASHIER, **key()}
    )
    assert response.status_code == 201, response.text
    receipt = response.json()
    order_id = receipt["order_id"]
    assert order_id.startswith("ord_")
    manager = bearer(Role.MANAGER, store=STORE)
    view = (await home_till.get(f"/v1/orders/{order_id}", headers=manager)).json()
    assert (view["status"], view["fulfilment"]) == ("packed", "delivery")
    assert view["address"] == KOBE
    assert view["amounts"]["estimated"] == receipt["total"]
    assert view["amounts"]["captured"] == receipt["total"]  # the till took the money
    assert view["payment"]["intent_id"] is None
    assert {"created", "paid", "packed"} <= set(view["stages"])
    [row] = await query(database, "SELECT member_id FROM orders.orders")
    assert row["member_id"] == "walk-in"
    (placed_topic, placed), (packed_topic, packed) = await events(database, order_id)
    assert (placed_topic, packed_topic) == ("order.placed", "order.packed")
    assert placed["needs_picking"] is False
    assert [(x["sku"], x["ean"]) for x in placed["lines"]] == [
        (CABBAGE, ean(CABBAGE)),
        (MILK, ean(MILK)),
        (POTATOES, ean(POTATOES)),  # the product's code, not the scale's label
    ]
    promise = datetime.fromisoformat(placed["promise_at"])
    assert timedelta(minutes=29) < promise - datetime.now(UTC) <= timedelta(minutes=30)
    assert datetime.fromisoformat(receipt["promise_at"]) == promise  # delivery's quote
    assert [(x["line_no"], x["picked"]) for x in packed["lines"]] == [(1, 1), (2, 1), (3, 500)]
    assert [(b["code"], b["zone"], b["number"], b["of"]) for b in packed["bags"]] == [
        (f"{order_id}-produce-1", "produce", 1, 2),
        (f"{order_id}-chilled-1", "chilled", 2, 2),
    ]


async def test_a_basket_is_not_sent_beyond_the_delivery_radius(home_till, database):
    osaka = {"lat": 34.7025, "lng": 135.4959, "text": "Umeda, Osaka"}
    response = await home_till.post(
        SALES, json=sale(ean(CABBAGE), deliver_to=osaka), headers={**CASHIER, **key()}
    )
    assert response.status_code == 422
    assert response.json()["field"] == "deliver_to"
    assert await sales_count(database) == 0
