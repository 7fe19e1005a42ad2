"""The till and scan-and-go on the demo store's stock, over HTTP, against localstripe."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import pytest

from services.orders.members.domain import sign_member_code
from services.orders.sales.exits import sign_exit
from shared.auth import Role
from shared.barcodes import ean13
from shared.settings import DEV_JWT_SECRET
from tests.eventually import eventually
from tests.integration.apps import bearer, client
from tests.integration.conftest import serving
from tests.integration.delivering import rider_on_duty

STORE = "kobe-sannomiya"
SALES = f"/v1/stores/{STORE}/sales"
CARTS = f"/v1/stores/{STORE}/scan-and-go/carts"
CASHIER = bearer(Role.CASHIER, store=STORE)
SHOPPER = bearer(Role.SHOPPER, member="mem_sng_1")
KOBE = {"lat": 34.6950, "lng": 135.2000, "text": "1-1 Sannomiya-cho, Chuo-ku, Kobe"}
KOBE_POINT = {"lat": KOBE["lat"], "lng": KOBE["lng"]}
CABBAGE, POTATOES, WAGYU, MILK = "SKU-10001", "SKU-10005", "SKU-10074", "SKU-10049"
CASH = {"kind": "cash", "received": {"amount": 10_000, "currency": "JPY"}}


def ean(sku: str) -> str:
    """The demo catalog's JAN code of a sku."""
    return ean13(f"4900000{int(sku.removeprefix('SKU-')):05d}")


def weight_label(sku: str, grams: int) -> str:
    return ean13(f"20{sku.removeprefix('SKU-')}{grams:05d}")  # PLU = the sku's 5 digits


def price_label(sku: str, price: int) -> str:
    return ean13(f"26{sku.removeprefix('SKU-')}{price:05d}")


def key() -> dict:
    return {"Idempotency-Key": str(uuid.uuid4())}


def sale(*barcodes: str, **extra) -> dict:
    return {"barcodes": list(barcodes), "tender": CASH, **extra}


async def query(database: str, sql: str, *args):
    conn = await asyncpg.connect(database)
    try:
        return await conn.fetch(sql, *args)
    finally:
        await conn.close()


async def stock(database: str, sku: str) -> tuple[int, int]:
    [row] = await query(
        database,
        "SELECT on_hand, reserved FROM orders.products WHERE store_id = $1 AND sku = $2",
        STORE,
        sku,
    )
    return row["on_hand"], row["reserved"]


async def sales_count(database: str) -> int:
    return (await query(database, "SELECT count(*) FROM orders.sales"))[0][0]


@pytest.fixture
async def till(database, demo, stripe_url):
    async with client("orders", database, stripe_api_base=stripe_url) as c:
        yield c


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
    till, database
):
    before = {sku: await stock(database, sku) for sku in (CABBAGE, POTATOES, WAGYU)}
    codes = [ean(CABBAGE), weight_label(POTATOES, 750), ean(CABBAGE), price_label(WAGYU, 1196)]
    response = await till.post(SALES, json=sale(*codes), headers={**CASHIER, **key()})
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
    till, database
):
    before = await stock(database, CABBAGE)
    wrong = ean(CABBAGE)[:12] + str((int(ean(CABBAGE)[12]) + 1) % 10)
    response = await till.post(
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
async def test_a_barcode_the_store_cannot_sell_is_refused(till, database, code, says):
    response = await till.post(SALES, json=sale(ean(MILK), code), headers={**CASHIER, **key()})
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


async def test_a_fresh_member_code_attaches_the_member_to_the_sale(till, database):
    await add_member(database, "mem_till_1")
    code = sign_member_code(DEV_JWT_SECRET, "mem_till_1", datetime.now(UTC) + timedelta(minutes=1))
    response = await till.post(
        SALES, json=sale(ean(CABBAGE), member_code=code), headers={**CASHIER, **key()}
    )
    assert response.status_code == 201, response.text
    assert response.json()["member_id"] == "mem_till_1"
    [row] = await query(database, "SELECT member_id FROM orders.sales")
    assert row["member_id"] == "mem_till_1"


async def test_an_expired_member_code_is_refused_and_nothing_is_written(till, database):
    await add_member(database, "mem_till_2")
    code = sign_member_code(DEV_JWT_SECRET, "mem_till_2", datetime.now(UTC) - timedelta(seconds=1))
    before = await stock(database, CABBAGE)
    response = await till.post(
        SALES, json=sale(ean(CABBAGE), member_code=code), headers={**CASHIER, **key()}
    )
    assert response.status_code == 422
    assert response.json()["field"] == "member_code"
    assert await stock(database, CABBAGE) == before
    assert await sales_count(database) == 0


async def test_cash_below_the_total_is_refused_naming_tender_received(till, database):
    short = {"kind": "cash", "received": {"amount": 100, "currency": "JPY"}}
    response = await till.post(
        SALES, json=sale(ean(CABBAGE), tender=short), headers={**CASHIER, **key()}
    )
    assert response.status_code == 422
    assert response.json()["field"] == "tender.received"
    assert await sales_count(database) == 0


async def test_a_card_terminal_sale_keeps_the_terminal_reference_and_gives_no_change(
    till, database
):
    card = {"kind": "card_terminal", "reference": "TERM-7-000123"}
    response = await till.post(
        SALES, json=sale(ean(CABBAGE), tender=card), headers={**CASHIER, **key()}
    )
    assert response.status_code == 201, response.text
    assert response.json()["tender"] == "card_terminal" and response.json()["change"] is None
    [row] = await query(database, "SELECT tender, reference, received FROM orders.sales")
    assert tuple(row) == ("card_terminal", "TERM-7-000123", None)


async def test_a_repeated_sale_with_one_idempotency_key_takes_the_stock_once(till, database):
    before = await stock(database, CABBAGE)
    headers = {**CASHIER, **key()}
    first = await till.post(SALES, json=sale(ean(CABBAGE), ean(CABBAGE)), headers=headers)
    again = await till.post(SALES, json=sale(ean(CABBAGE), ean(CABBAGE)), headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert await stock(database, CABBAGE) == (before[0] - 2, before[1])
    assert await sales_count(database) == 1


async def test_only_the_stores_own_cashiers_and_manager_may_ring_up(till):
    for headers, status in [
        (bearer(Role.CASHIER, store="osaka-umeda"), 403),
        (bearer(Role.PICKER, store=STORE), 403),
        (SHOPPER, 403),
        (bearer(Role.MANAGER, store=STORE), 201),
    ]:
        response = await till.post(SALES, json=sale(ean(CABBAGE)), headers={**headers, **key()})
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
    till = home_till
    await rider_on_duty(database)
    codes = [ean(CABBAGE), ean(MILK), weight_label(POTATOES, 500)]
    response = await till.post(
        SALES, json=sale(*codes, deliver_to=KOBE), headers={**CASHIER, **key()}
    )
    assert response.status_code == 201, response.text
    receipt = response.json()
    order_id = receipt["order_id"]
    assert order_id.startswith("ord_")
    manager = bearer(Role.MANAGER, store=STORE)
    view = (await till.get(f"/v1/orders/{order_id}", headers=manager)).json()
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


async def open_cart(c, shopper: dict = SHOPPER) -> str:
    response = await c.post(CARTS, headers={**shopper, **key()})
    assert response.status_code == 201, response.text
    return response.json()["cart_id"]


async def scan(c, cart_id: str, code: str, shopper: dict = SHOPPER, headers=None):
    return await c.post(
        f"{CARTS}/{cart_id}/scans", json={"barcode": code}, headers=headers or {**shopper, **key()}
    )


async def test_scan_and_go_from_first_scan_to_a_verified_exit(till, database):
    before = {sku: await stock(database, sku) for sku in (CABBAGE, POTATOES, MILK)}
    cart_id = await open_cart(till)
    assert cart_id.startswith("sgc_")
    for code in (ean(CABBAGE), ean(MILK), weight_label(POTATOES, 1000), ean(CABBAGE)):
        assert (await scan(till, cart_id, code)).status_code == 201
    wrong = await scan(till, cart_id, ean(CABBAGE)[:12] + "0")
    assert wrong.status_code == 422 and wrong.json()["field"] == "barcode"
    removed = await till.delete(f"{CARTS}/{cart_id}/scans/2", headers=SHOPPER)
    assert removed.status_code == 200
    assert [x["line_no"] for x in removed.json()["lines"]] == [1, 3, 4]
    assert removed.json()["total"]["amount"] == 198 + 398 + 198
    assert await stock(database, CABBAGE) == before[CABBAGE]  # nothing held while scanning

    out = await till.post(f"{CARTS}/{cart_id}/checkout", headers=SHOPPER)
    assert out.status_code == 200, out.text
    assert out.json()["status"] == "paying"
    intent = out.json()["payment"]["intent_id"]
    again = await till.post(f"{CARTS}/{cart_id}/checkout", headers=SHOPPER)
    assert again.json()["payment"]["intent_id"] == intent
    late = await scan(till, cart_id, ean(MILK))
    assert late.status_code == 409

    paid = await till.post(f"{CARTS}/{cart_id}/confirm-payment", json={}, headers=SHOPPER)
    assert paid.status_code == 200, paid.text
    cart = paid.json()
    assert cart["status"] == "paid" and cart["exit"]["payload"].startswith("OMOX1.")
    assert await stock(database, CABBAGE) == (before[CABBAGE][0] - 2, before[CABBAGE][1])
    assert await stock(database, POTATOES) == (before[POTATOES][0] - 1000, before[POTATOES][1])
    assert await stock(database, MILK) == before[MILK]  # removed before paying
    [row] = await query(database, "SELECT channel, total, reference, member_id FROM orders.sales")
    assert tuple(row) == ("scan_and_go", 794, intent, "mem_sng_1")

    door = f"/v1/stores/{STORE}/scan-and-go/exits/verify"
    checked = await till.post(door, json={"payload": cart["exit"]["payload"]}, headers=CASHIER)
    assert checked.status_code == 200, checked.text
    assert checked.json()["cart_id"] == cart_id
    assert checked.json()["line_count"] == 3
    assert checked.json()["total"] == {"amount": 794, "currency": "JPY"}
    twice = await till.post(door, json={"payload": cart["exit"]["payload"]}, headers=CASHIER)
    assert twice.status_code == 409 and twice.json()["field"] == "payload"
    shown = (await till.get(f"{CARTS}/{cart_id}", headers=SHOPPER)).json()
    assert shown["exit"] is None  # let out: no more exit codes


async def test_a_resent_scan_with_the_same_key_adds_one_line(till):
    cart_id = await open_cart(till)
    headers = {**SHOPPER, **key()}
    await scan(till, cart_id, ean(CABBAGE), headers=headers)
    again = await scan(till, cart_id, ean(CABBAGE), headers=headers)
    assert again.headers["idempotent-replayed"] == "true"
    assert len((await till.get(f"{CARTS}/{cart_id}", headers=SHOPPER)).json()["lines"]) == 1


async def test_checkouts_of_one_cart_at_once_make_one_payment_intent(till, database, stripe_url):
    """Why scan-and-go checkout takes no Idempotency-Key: a repeat creates nothing new."""
    cart_id = await open_cart(till)
    await scan(till, cart_id, ean(CABBAGE))
    with serving("orders", database_url=database, stripe_api_base=stripe_url) as url:
        async with httpx.AsyncClient(base_url=url, timeout=30) as http:
            checkout = f"{CARTS}/{cart_id}/checkout"
            answers = await asyncio.gather(
                *(http.post(checkout, headers=SHOPPER) for _ in range(8))
            )
    assert {r.status_code for r in answers} == {200}, [r.text for r in answers]
    assert len({json.dumps(r.json()["payment"]) for r in answers}) == 1  # one intent, one secret
    assert len(await stripe_intents(stripe_url, cart_id)) == 1


async def stripe_intents(stripe_url: str, cart_id: str) -> list[dict]:
    """The PaymentIntents localstripe holds for a cart."""
    found, after = [], None
    async with httpx.AsyncClient(base_url=stripe_url, auth=("sk_test_x", "")) as stripe:
        while True:
            params = {"limit": 100, **({"starting_after": after} if after else {})}
            page = (await stripe.get("/v1/payment_intents", params=params)).json()
            found += [pi for pi in page["data"] if pi["metadata"].get("cart_id") == cart_id]
            if not page.get("has_more") or not page["data"]:
                return found
            after = page["data"][-1]["id"]


async def test_a_shopper_sees_and_changes_only_their_own_carts(till):
    cart_id = await open_cart(till)
    await scan(till, cart_id, ean(CABBAGE))
    stranger = bearer(Role.SHOPPER, member="mem_someone_else")
    assert (await till.get(f"{CARTS}/{cart_id}", headers=stranger)).status_code == 404
    assert (await scan(till, cart_id, ean(CABBAGE), shopper=stranger)).status_code == 404
    gone = await till.delete(f"{CARTS}/{cart_id}/scans/1", headers=stranger)
    assert gone.status_code == 404
    out = await till.post(f"{CARTS}/{cart_id}/checkout", headers=stranger)
    assert out.status_code == 404
    assert len((await till.get(f"{CARTS}/{cart_id}", headers=SHOPPER)).json()["lines"]) == 1


async def test_an_empty_cart_cannot_be_checked_out_or_paid(till):
    cart_id = await open_cart(till)
    assert (await till.post(f"{CARTS}/{cart_id}/checkout", headers=SHOPPER)).status_code == 409
    pay = await till.post(f"{CARTS}/{cart_id}/confirm-payment", json={}, headers=SHOPPER)
    assert pay.status_code == 409


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        ("not a code", 422),
        (sign_exit(DEV_JWT_SECRET, STORE, f"sgc_{'0' * 32}", datetime.now(UTC)).payload, 404),
        (
            sign_exit(DEV_JWT_SECRET, "osaka-umeda", f"sgc_{'0' * 32}", datetime.now(UTC)).payload,
            404,
        ),
        (
            sign_exit(
                DEV_JWT_SECRET, STORE, f"sgc_{'0' * 32}", datetime.now(UTC) - timedelta(minutes=16)
            ).payload,
            422,
        ),
        (
            sign_exit(
                "another-secret-0123456789-abcdefghijkl",
                STORE,
                f"sgc_{'0' * 32}",
                datetime.now(UTC),
            ).payload,
            422,
        ),
    ],
    ids=["malformed", "no-such-paid-cart", "another-store", "expired", "tampered"],
)
async def test_exit_codes_that_do_not_open_the_door(till, payload, status):
    response = await till.post(
        f"/v1/stores/{STORE}/scan-and-go/exits/verify", json={"payload": payload}, headers=CASHIER
    )
    assert response.status_code == status
    assert response.json()["field"] == "payload"


async def test_a_tampered_exit_code_of_a_paid_cart_is_refused(till):
    cart_id = await open_cart(till)
    await scan(till, cart_id, ean(CABBAGE))
    await till.post(f"{CARTS}/{cart_id}/checkout", headers=SHOPPER)
    paid = (await till.post(f"{CARTS}/{cart_id}/confirm-payment", json={}, headers=SHOPPER)).json()
    prefix, store, cart, expires, sig = paid["exit"]["payload"].split(".")
    later = ".".join([prefix, store, cart, str(int(expires) + 3600), sig])
    door = f"/v1/stores/{STORE}/scan-and-go/exits/verify"
    response = await till.post(door, json={"payload": later}, headers=CASHIER)
    assert response.status_code == 422 and "not signed by us" in response.json()["detail"]
    other_store = bearer(Role.CASHIER, store="osaka-umeda")
    assert (
        await till.post(door, json={"payload": paid["exit"]["payload"]}, headers=other_store)
    ).status_code == 403
    ok = await till.post(door, json={"payload": paid["exit"]["payload"]}, headers=CASHIER)
    assert ok.status_code == 200


async def test_stripes_webhook_pays_a_scan_and_go_cart_in_production(till, database, stripe_url):
    from tests.integration.shopping import intent_event, signed, stripe_side

    cart_id = await open_cart(till)
    await scan(till, cart_id, ean(CABBAGE))
    out = (await till.post(f"{CARTS}/{cart_id}/checkout", headers=SHOPPER)).json()
    intent = {
        "id": out["payment"]["intent_id"],
        "object": "payment_intent",
        "status": "succeeded",
        "amount": 198,
        "metadata": {"cart_id": cart_id, "store_id": STORE},
    }
    body, headers = signed(intent_event("evt_sng_1", "payment_intent.succeeded", intent))
    # Signed with our secret, but Stripe says the shopper has not paid: nothing changes.
    hook = await till.post("/v1/payments/stripe/webhook", content=body, headers=headers)
    assert hook.json() == {"received": True, "applied": False}
    assert (await till.get(f"{CARTS}/{cart_id}", headers=SHOPPER)).json()["status"] == "paying"
    assert await sales_count(database) == 0

    await stripe_side(stripe_url).confirm(intent["id"], "pm_card_visa")  # the shopper's app
    for _ in range(2):  # Stripe delivers at least once
        hook = await till.post("/v1/payments/stripe/webhook", content=body, headers=headers)
        assert hook.status_code == 200
    cart = (await till.get(f"{CARTS}/{cart_id}", headers=SHOPPER)).json()
    assert cart["status"] == "paid" and cart["exit"]["payload"].startswith("OMOX1.")
    assert await sales_count(database) == 1
