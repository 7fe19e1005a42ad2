"""Checkout against real neighbours: delivery's quote over HTTP, localstripe via the stripe SDK."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import asyncpg
import pytest

from shared.auth import Role
from tests.e2e.processes import free_port
from tests.eventually import eventually
from tests.integration.apps import bearer, client
from tests.integration.delivering import rider_on_duty, rows
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


async def test_checkout_reserves_stock_and_awaits_payment(orders, database):
    before = await stock(database, CABBAGE)
    response = await orders.post(
        "/v1/orders", json=order({"sku": CABBAGE, "quantity": 2}), headers={**SHOPPER, **key()}
    )
    assert response.status_code == 201, response.text
    placed = response.json()
    assert placed["status"] == "awaiting_payment"
    assert placed["payment"]["intent_id"].startswith("pi_")
    assert placed["amounts"]["estimated"] == {"amount": 2 * 198, "currency": "JPY"}
    assert placed["amounts"]["to_authorize"]["amount"] == 2 * 198  # no weighed lines, no buffer
    assert await stock(database, CABBAGE) == (before[0], before[1] + 2)


async def test_the_answer_to_a_checkout_is_the_order_as_read_back(orders):
    # Checkout answers with the view it made of what it wrote, not of a read (views.
    # new_order_view): a weighed line, a substitution preference and a tax class each, in the
    # shopper's full view (the client_secret, the address, the amounts and the stage).
    lines = (
        {"sku": CABBAGE, "quantity": 3, "substitution": "same_brand"},
        {"sku": POTATOES, "grams": 800},
    )
    placed = await orders.post("/v1/orders", json=order(*lines), headers={**SHOPPER, **key()})
    assert placed.status_code == 201, placed.text
    again = await orders.get(f"/v1/orders/{placed.json()['order_id']}", headers=SHOPPER)
    assert again.status_code == 200, again.text
    assert placed.json() == again.json()
    assert placed.json()["payment"]["client_secret"]
    assert list(placed.json()["stages"]) == ["created"]


async def test_paid_order_is_placed_and_announced_with_the_eans_to_scan(orders, database):
    lines = ({"sku": CABBAGE, "quantity": 1}, {"sku": POTATOES, "grams": 500})
    placed = (
        await orders.post("/v1/orders", json=order(*lines), headers={**SHOPPER, **key()})
    ).json()
    paid = await orders.post(
        f"/v1/orders/{placed['order_id']}/confirm-payment", json={}, headers=SHOPPER
    )
    assert paid.status_code == 200, paid.text
    view = paid.json()
    assert view["status"] == "placed"
    assert view["amounts"]["authorized"]["amount"] == 198 + 199 + 30  # 15 % buffer on potatoes
    assert {"created", "paid"} <= set(view["stages"])
    conn = await asyncpg.connect(database)
    try:
        event = await conn.fetchrow(
            "SELECT key, payload FROM kernel.events WHERE topic = 'order.placed'"
        )
    finally:
        await conn.close()
    assert event["key"] == placed["order_id"]
    announced = json.loads(event["payload"])["lines"]
    assert [(x["sku"], x["ean"]) for x in announced] == [
        (CABBAGE, "4900000100013"),
        (POTATOES, "4900000100051"),  # a weighed product's EAN holds its PLU, 10005
    ]


async def test_weighed_lines_authorize_a_fifteen_percent_buffer(orders):
    potatoes = {"sku": POTATOES, "grams": 750}  # 398 yen per kg
    view = (
        await orders.post(
            "/v1/orders",
            json=order(potatoes, {"sku": CABBAGE, "quantity": 1}),
            headers={**SHOPPER, **key()},
        )
    ).json()
    assert view["lines"][0]["unit"] == "kg" and view["lines"][0]["ordered"] == 750
    assert view["amounts"]["estimated"]["amount"] == 299 + 198  # 298.5 rounds half up
    assert view["amounts"]["to_authorize"]["amount"] == 299 + 198 + 45  # 15 % of 299, rounded up


async def test_two_hundred_concurrent_checkouts_never_sell_the_same_unit(
    database, demo, delivery_url, stripe_url
):
    await rider_on_duty(database)
    conn = await asyncpg.connect(database)
    try:
        await conn.execute(
            "UPDATE orders.products SET on_hand = 10, reserved = 0 "
            "WHERE store_id = 'kobe-sannomiya' AND sku = $1",
            CABBAGE,
        )
    finally:
        await conn.close()
    responses = await flash_sale(database, delivery_url, stripe_url, shoppers=200, at_once=200)
    codes = [r.status_code for r in responses]
    assert codes.count(201) == 10, sorted(set(codes))
    assert codes.count(409) == 190
    assert all(
        r.json()["field"] == "lines[0].sku" and CABBAGE in r.json()["detail"]
        for r in responses
        if r.status_code == 409
    )
    assert await stock(database, CABBAGE) == (10, 10)
    assert await order_count(database, "awaiting_payment") == 10
    conn = await asyncpg.connect(database)
    try:  # each sale's claim is its order's reservation now, and no refusal claimed any
        assert await conn.fetchval("SELECT count(*) FROM orders.stock_claims") == 0
    finally:
        await conn.close()


async def test_a_repeated_checkout_returns_the_first_order_and_reserves_once(orders, database):
    before = await stock(database, CABBAGE)
    headers = {**SHOPPER, **key()}
    first = await orders.post(
        "/v1/orders", json=order({"sku": CABBAGE, "quantity": 3}), headers=headers
    )
    again = await orders.post(
        "/v1/orders", json=order({"sku": CABBAGE, "quantity": 3}), headers=headers
    )
    assert first.status_code == again.status_code == 201
    assert first.json()["order_id"] == again.json()["order_id"]
    assert again.headers["idempotent-replayed"] == "true"
    assert await stock(database, CABBAGE) == (before[0], before[1] + 3)


async def test_when_the_gateway_fails_the_order_fails_and_its_stock_returns(
    database, demo, delivery_url
):
    await rider_on_duty(database)
    before = await stock(database, CABBAGE)
    dead_stripe = f"http://127.0.0.1:{free_port()}"
    async with client(
        "orders",
        database,
        delivery_url=delivery_url,
        stripe_api_base=dead_stripe,
        quote_timeout_s=2.0,
    ) as c:
        headers = {**SHOPPER, **key()}
        failed = await c.post(
            "/v1/orders", json=order({"sku": CABBAGE, "quantity": 1}), headers=headers
        )
        replay = await c.post(
            "/v1/orders", json=order({"sku": CABBAGE, "quantity": 1}), headers=headers
        )
    assert failed.status_code == 502
    assert failed.headers["content-type"].startswith("application/problem+json")
    assert replay.status_code == 502 and replay.json() == failed.json()
    assert await stock(database, CABBAGE) == before
    assert await order_count(database, "payment_failed") == 1


class Refusing(BaseHTTPRequestHandler):
    """Refuses every call with Stripe's error body (an answer the SDK does not retry)."""

    asked: list[str]

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.asked.append(self.requestline)
        body = json.dumps({"error": {"type": "api_error", "message": "the provider is down"}})
        self.send_response(400)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *_: object) -> None:
        pass


@contextmanager
def refusing_stripe() -> Iterator[tuple[str, list[str]]]:
    """A payment provider that refuses every call, in a thread of its own (the app under test
    runs in another thread's loop), and the request lines it was sent."""
    asked: list[str] = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), type("Counted", (Refusing,), {"asked": asked}))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", asked
    finally:
        server.shutdown()
        server.server_close()


async def test_a_failing_gateway_is_asked_once_per_checkout(database, demo, delivery_url):
    """The PaymentIntent is asked for before the order is stored; when that fails, the order
    is stored as failed without asking the provider a second time."""
    await rider_on_duty(database)
    before = await stock(database, CABBAGE)
    with refusing_stripe() as (stripe_url, asked):
        async with client(
            "orders", database, delivery_url=delivery_url, stripe_api_base=stripe_url
        ) as c:
            failed = await c.post(
                "/v1/orders",
                json=order({"sku": CABBAGE, "quantity": 1}),
                headers={**SHOPPER, **key()},
            )
    assert failed.status_code == 502, failed.text
    assert asked == ["POST /v1/payment_intents HTTP/1.1"]
    assert await stock(database, CABBAGE) == before
    assert await order_count(database, "payment_failed") == 1


async def test_an_address_outside_the_zone_is_refused_with_the_reason(orders, database):
    osaka = {"lat": 34.7025, "lng": 135.4959, "text": "Umeda, Osaka"}
    response = await orders.post(
        "/v1/orders",
        json=order({"sku": CABBAGE, "quantity": 1}, address=osaka),
        headers={**SHOPPER, **key()},
    )
    assert response.status_code == 422
    assert response.json()["field"] == "address"
    assert "delivers within 3000 m" in response.json()["detail"]
    assert await order_count(database, "awaiting_payment") == 0


async def test_an_unreachable_delivery_service_means_no_promise(database, demo, stripe_url):
    async with client(
        "orders",
        database,
        delivery_url=f"http://127.0.0.1:{free_port()}",
        stripe_api_base=stripe_url,
    ) as c:
        response = await c.post(
            "/v1/orders", json=order({"sku": CABBAGE, "quantity": 1}), headers={**SHOPPER, **key()}
        )
    assert response.status_code == 422
    assert response.json()["type"].endswith("no-promise")


async def test_a_busy_store_offers_its_earliest_time_and_takes_it_when_accepted(orders, database):
    conn = await asyncpg.connect(database)
    try:
        await conn.execute("UPDATE delivery.stores SET orders_per_hour = 60")
        await conn.execute(
            "INSERT INTO delivery.backlog (store_id, order_id, fulfilment, promise_at) "
            "SELECT 'kobe-sannomiya', 'ord_' || n, 'delivery', now() FROM generate_series(1, 30) n"
        )
    finally:
        await conn.close()
    refused = await orders.post(
        "/v1/orders", json=order({"sku": CABBAGE, "quantity": 1}), headers={**SHOPPER, **key()}
    )
    assert refused.status_code == 422
    problem = refused.json()
    assert problem["field"] == "accept_later_promise" and "30 orders ahead" in problem["detail"]
    accepted = await orders.post(
        "/v1/orders",
        json=order({"sku": CABBAGE, "quantity": 1}, accept_later_promise=True),
        headers={**SHOPPER, **key()},
    )
    assert accepted.status_code == 201
    assert accepted.json()["promise_at"].startswith(problem["promise_at"][:16])


@pytest.mark.parametrize(
    ("line", "status", "field"),
    [
        ({"sku": "SKU-99999", "quantity": 1}, 422, "lines[0].sku"),
        ({"sku": CABBAGE, "quantity": 0}, 400, "lines[0].quantity"),
        ({"sku": CABBAGE, "quantity": -2}, 400, "lines[0].quantity"),
        ({"sku": POTATOES, "grams": 20_000}, 400, "lines[0].grams"),
        ({"sku": POTATOES, "quantity": 2}, 422, "lines[0].grams"),
        ({"sku": CABBAGE, "grams": 500}, 422, "lines[0].quantity"),
    ],
    ids=[
        "unknown-sku",
        "zero",
        "negative",
        "too-heavy",
        "pieces-of-a-weighed-item",
        "grams-of-pieces",
    ],
)
async def test_bad_lines_are_refused_and_nothing_is_reserved(orders, database, line, status, field):
    before = await stock(database, CABBAGE), await stock(database, POTATOES)
    response = await orders.post("/v1/orders", json=order(line), headers={**SHOPPER, **key()})
    assert response.status_code == status
    assert response.json()["field"] == field
    assert (await stock(database, CABBAGE), await stock(database, POTATOES)) == before
    assert await order_count(database, "awaiting_payment") == 0


async def test_a_shopper_cannot_see_or_cancel_someone_elses_order(orders):
    placed = (
        await orders.post(
            "/v1/orders", json=order({"sku": CABBAGE, "quantity": 1}), headers={**SHOPPER, **key()}
        )
    ).json()
    stranger = bearer(Role.SHOPPER, member="mem_someone_else")
    assert (
        await orders.get(f"/v1/orders/{placed['order_id']}", headers=stranger)
    ).status_code == 404
    cancel = await orders.post(f"/v1/orders/{placed['order_id']}/cancel", json={}, headers=stranger)
    assert cancel.status_code == 404
    other_store = bearer(Role.MANAGER, store="osaka-umeda")
    assert (
        await orders.get(f"/v1/orders/{placed['order_id']}", headers=other_store)
    ).status_code == 404
    own_store = bearer(Role.MANAGER, store="kobe-sannomiya")
    assert (
        await orders.get(f"/v1/orders/{placed['order_id']}", headers=own_store)
    ).status_code == 200


async def test_each_staff_role_reads_what_its_work_needs_of_an_order(orders, database):
    placed = await orders.post(
        "/v1/orders", json=order({"sku": CABBAGE, "quantity": 1}), headers={**SHOPPER, **key()}
    )
    order_id = placed.json()["order_id"]
    url = f"/v1/orders/{order_id}"
    store = "kobe-sannomiya"

    async def view(who: dict) -> dict:
        response = await orders.get(url, headers=who)
        assert response.status_code == 200, response.text
        return response.json()

    shopper = await view(SHOPPER)
    assert shopper["address"]["text"] and shopper["payment"]["client_secret"]
    for role in (Role.PICKER, Role.CASHIER):
        staff = await view(bearer(role, store=store))
        assert (staff["address"], staff["delivery"]) == (None, None), role
        assert staff["payment"] == {"intent_id": None, "client_secret": None}, role
        assert staff["lines"] == shopper["lines"] and staff["status"] == "awaiting_payment"
    manager = await view(bearer(Role.MANAGER, store=store))
    assert manager["address"] == shopper["address"]
    assert manager["payment"] == {
        "intent_id": shopper["payment"]["intent_id"],
        "client_secret": None,
    }

    rider_1 = bearer(Role.RIDER, store=store, subject="rider-1")
    assert (await orders.get(url, headers=rider_1)).status_code == 404  # not theirs to carry
    await rows(
        database, "UPDATE orders.orders SET rider_id = 'rider-1' WHERE order_id = $1", order_id
    )
    rider = await view(rider_1)
    assert rider["address"] == shopper["address"] and rider["delivery"]["rider_id"] == "rider-1"
    assert rider["payment"] == {"intent_id": None, "client_secret": None}
    rider_2 = bearer(Role.RIDER, store=store, subject="rider-2")
    assert (await orders.get(url, headers=rider_2)).status_code == 404


async def test_cancelling_a_paid_order_returns_its_stock_and_voids_the_authorization(
    orders, database
):
    before = await stock(database, CABBAGE)
    placed = (
        await orders.post(
            "/v1/orders", json=order({"sku": CABBAGE, "quantity": 2}), headers={**SHOPPER, **key()}
        )
    ).json()
    await orders.post(f"/v1/orders/{placed['order_id']}/confirm-payment", json={}, headers=SHOPPER)
    cancelled = await orders.post(
        f"/v1/orders/{placed['order_id']}/cancel",
        json={"reason": "changed my mind"},
        headers=SHOPPER,
    )
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert await stock(database, CABBAGE) == before

    async def seen() -> dict:
        return (await orders.get(f"/v1/orders/{placed['order_id']}", headers=SHOPPER)).json()

    view = await eventually(  # the voiding consumer books the release
        seen, "the release booked", ok=lambda v: v["amounts"]["released"]["amount"]
    )
    assert view["amounts"]["released"]["amount"] == view["amounts"]["authorized"]["amount"] == 396
    again = await orders.post(f"/v1/orders/{placed['order_id']}/cancel", json={}, headers=SHOPPER)
    assert again.status_code == 409


async def test_an_order_left_unpaid_gives_its_stock_back(orders, database):
    from datetime import timedelta

    from services.orders.checkout.cancelling import expire_unpaid
    from shared.clock import Clock
    from shared.db import create_pool

    before = await stock(database, CABBAGE)
    await orders.post(
        "/v1/orders", json=order({"sku": CABBAGE, "quantity": 4}), headers={**SHOPPER, **key()}
    )
    pool = await create_pool(database)
    try:
        assert await expire_unpaid(pool, Clock()) == 0  # not yet: 10 minutes to pay
        later = Clock(speed=1, start=None)
        later.now = lambda: Clock().now() + timedelta(minutes=11)  # type: ignore[method-assign]
        assert await expire_unpaid(pool, later) == 1
    finally:
        await pool.close()
    assert await stock(database, CABBAGE) == before
    assert await order_count(database, "expired") == 1


async def test_with_no_rider_on_shift_a_delivery_is_refused_and_a_pickup_is_not(orders, database):
    await rows(database, "UPDATE delivery.riders SET on_shift = false")
    response = await orders.post(
        "/v1/orders", json=order({"sku": CABBAGE, "quantity": 1}), headers={**SHOPPER, **key()}
    )
    assert response.status_code == 422, response.text
    assert response.json()["type"].endswith("no-promise")
    assert "no rider is on shift" in response.json()["detail"]
    pickup = order({"sku": CABBAGE, "quantity": 1}, fulfilment="pickup")
    del pickup["address"]
    accepted = await orders.post("/v1/orders", json=pickup, headers={**SHOPPER, **key()})
    assert accepted.status_code == 201, accepted.text
