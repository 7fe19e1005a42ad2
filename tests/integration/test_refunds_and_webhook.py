"""Refunds after capture, and Stripe's webhook, with signatures made by the stripe SDK."""

from __future__ import annotations

import uuid

import asyncpg

from shared.auth import Role
from shared.events import PackedLine
from tests.integration.apps import bearer
from tests.integration.shopping import (
    CABBAGE,
    POTATOES,
    SHOPPER,
    intent_event,
    order,
    pack,
    place_and_pay,
    settled,
    signed,
    stock,
)

MANAGER = bearer(Role.MANAGER, store="kobe-sannomiya")


def key() -> dict:
    return {"Idempotency-Key": str(uuid.uuid4())}


async def packed_order(orders, database) -> dict:
    view = await place_and_pay(
        orders, {"sku": CABBAGE, "quantity": 2}, {"sku": POTATOES, "grams": 500}
    )
    await pack(
        database,
        view["order_id"],
        PackedLine(line_no=1, sku=CABBAGE, picked=2),
        PackedLine(line_no=2, sku=POTATOES, picked=500),
    )
    return await settled(orders, view["order_id"])


async def test_manager_refunds_lines_and_never_more_than_was_charged(orders, database):
    done = await packed_order(orders, database)  # 396 + 199 = 595 captured
    path = f"/v1/orders/{done['order_id']}/refunds"
    by_line = await orders.post(
        path, json={"lines": [2], "reason": "bruised"}, headers={**MANAGER, **key()}
    )
    assert by_line.status_code == 201, by_line.text
    assert by_line.json()["amount"] == 199
    too_much = await orders.post(
        path, json={"amount": 397, "reason": "goodwill"}, headers={**MANAGER, **key()}
    )
    assert too_much.status_code == 422
    assert too_much.json()["field"] == "amount" and too_much.json()["refundable"] == 396
    rest = await orders.post(
        path, json={"amount": 396, "reason": "goodwill"}, headers={**MANAGER, **key()}
    )
    assert rest.status_code == 201
    view = (await orders.get(f"/v1/orders/{done['order_id']}", headers=SHOPPER)).json()
    assert view["amounts"]["refunded"]["amount"] == view["amounts"]["captured"]["amount"] == 595


async def test_a_refund_replayed_with_its_key_refunds_once(orders, database):
    done = await packed_order(orders, database)
    headers = {**MANAGER, **key()}
    path = f"/v1/orders/{done['order_id']}/refunds"
    first = await orders.post(path, json={"amount": 100, "reason": "late"}, headers=headers)
    again = await orders.post(path, json={"amount": 100, "reason": "late"}, headers=headers)
    assert first.json() == again.json()
    view = (await orders.get(f"/v1/orders/{done['order_id']}", headers=SHOPPER)).json()
    assert view["amounts"]["refunded"]["amount"] == 100


async def test_only_the_stores_manager_refunds(orders, database):
    done = await packed_order(orders, database)
    path = f"/v1/orders/{done['order_id']}/refunds"
    body = {"amount": 10, "reason": "x"}
    assert (await orders.post(path, json=body, headers={**SHOPPER, **key()})).status_code == 403
    other = bearer(Role.MANAGER, store="osaka-umeda")
    assert (await orders.post(path, json=body, headers={**other, **key()})).status_code == 404


async def test_nothing_to_refund_before_capture(orders):
    view = await place_and_pay(orders, {"sku": CABBAGE, "quantity": 1})
    response = await orders.post(
        f"/v1/orders/{view['order_id']}/refunds",
        json={"amount": 10, "reason": "x"},
        headers={**MANAGER, **key()},
    )
    assert response.status_code == 409


async def test_webhook_authorization_places_the_order_once(orders, database):
    placed = (
        await orders.post(
            "/v1/orders", json=order({"sku": CABBAGE, "quantity": 1}), headers={**SHOPPER, **key()}
        )
    ).json()
    intent = {
        "id": placed["payment"]["intent_id"],
        "object": "payment_intent",
        "status": "requires_capture",
        "amount": 198,
        "metadata": {"order_id": placed["order_id"]},
    }
    body, headers = signed(
        intent_event("evt_1", "payment_intent.amount_capturable_updated", intent)
    )
    first = await orders.post("/v1/payments/stripe/webhook", content=body, headers=headers)
    again = await orders.post("/v1/payments/stripe/webhook", content=body, headers=headers)
    assert first.json() == {"received": True, "applied": True}
    assert again.json() == {"received": True, "applied": False}
    view = (await orders.get(f"/v1/orders/{placed['order_id']}", headers=SHOPPER)).json()
    assert view["status"] == "placed" and view["amounts"]["authorized"]["amount"] == 198
    conn = await asyncpg.connect(database)
    try:
        assert (
            await conn.fetchval("SELECT count(*) FROM kernel.events WHERE topic = 'order.placed'")
            == 1
        )
    finally:
        await conn.close()


async def test_webhook_with_a_bad_signature_is_refused_and_changes_nothing(orders, database):
    placed = (
        await orders.post(
            "/v1/orders", json=order({"sku": CABBAGE, "quantity": 1}), headers={**SHOPPER, **key()}
        )
    ).json()
    intent = {
        "id": placed["payment"]["intent_id"],
        "object": "payment_intent",
        "status": "requires_capture",
        "amount": 198,
        "metadata": {"order_id": placed["order_id"]},
    }
    body, headers = signed(
        intent_event("evt_2", "payment_intent.amount_capturable_updated", intent),
        secret="whsec_someone_else",
    )
    response = await orders.post("/v1/payments/stripe/webhook", content=body, headers=headers)
    assert response.status_code == 422
    assert response.json()["field"] == "Stripe-Signature"
    view = (await orders.get(f"/v1/orders/{placed['order_id']}", headers=SHOPPER)).json()
    assert view["status"] == "awaiting_payment"


async def test_webhook_cancelled_intent_releases_an_unpaid_orders_stock(orders, database):
    before = await stock(database, CABBAGE)
    placed = (
        await orders.post(
            "/v1/orders", json=order({"sku": CABBAGE, "quantity": 3}), headers={**SHOPPER, **key()}
        )
    ).json()
    intent = {
        "id": placed["payment"]["intent_id"],
        "object": "payment_intent",
        "status": "canceled",
        "amount": 594,
        "metadata": {"order_id": placed["order_id"]},
    }
    body, headers = signed(intent_event("evt_3", "payment_intent.canceled", intent))
    assert (
        await orders.post("/v1/payments/stripe/webhook", content=body, headers=headers)
    ).status_code == 200
    assert await stock(database, CABBAGE) == before


async def test_refunds_made_in_stripes_dashboard_are_booked(orders, database):
    done = await packed_order(orders, database)
    charge = {
        "id": "ch_dash",
        "object": "charge",
        "payment_intent": done["payment"]["intent_id"],
        "metadata": {"order_id": done["order_id"]},
        "refunds": {
            "object": "list",
            "data": [{"id": "re_dash_1", "object": "refund", "amount": 50}],
        },
    }
    body, headers = signed(intent_event("evt_4", "charge.refunded", charge))
    await orders.post("/v1/payments/stripe/webhook", content=body, headers=headers)
    await orders.post("/v1/payments/stripe/webhook", content=body, headers=headers)
    view = (await orders.get(f"/v1/orders/{done['order_id']}", headers=SHOPPER)).json()
    assert view["amounts"]["refunded"]["amount"] == 50
