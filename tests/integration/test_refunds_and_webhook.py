"""Refunds after capture, and Stripe's webhook, with signatures made by the stripe SDK."""

from __future__ import annotations

import uuid

import asyncpg
import httpx
import pytest

from shared.auth import Role
from shared.events import PackedLine
from tests.e2e.processes import free_port
from tests.integration.apps import bearer, client
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
    stripe_side,
    yen,
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
    assert by_line.json()["amount"] == yen(199)
    too_much = await orders.post(
        path, json={"amount": yen(397), "reason": "goodwill"}, headers={**MANAGER, **key()}
    )
    assert too_much.status_code == 422
    assert too_much.json()["field"] == "amount" and too_much.json()["refundable"] == 396
    rest = await orders.post(
        path, json={"amount": yen(396), "reason": "goodwill"}, headers={**MANAGER, **key()}
    )
    assert rest.status_code == 201
    dollars = await orders.post(
        path,
        json={"amount": {"amount": 1, "currency": "USD"}, "reason": "goodwill"},
        headers={**MANAGER, **key()},
    )
    assert dollars.status_code == 422 and dollars.json()["field"] == "amount.currency"
    view = (await orders.get(f"/v1/orders/{done['order_id']}", headers=SHOPPER)).json()
    assert view["amounts"]["refunded"]["amount"] == view["amounts"]["captured"]["amount"] == 595


async def test_a_refund_replayed_with_its_key_refunds_once(orders, database):
    done = await packed_order(orders, database)
    headers = {**MANAGER, **key()}
    path = f"/v1/orders/{done['order_id']}/refunds"
    first = await orders.post(path, json={"amount": yen(100), "reason": "late"}, headers=headers)
    again = await orders.post(path, json={"amount": yen(100), "reason": "late"}, headers=headers)
    assert first.json() == again.json()
    view = (await orders.get(f"/v1/orders/{done['order_id']}", headers=SHOPPER)).json()
    assert view["amounts"]["refunded"]["amount"] == 100


async def test_only_the_stores_manager_refunds(orders, database):
    done = await packed_order(orders, database)
    path = f"/v1/orders/{done['order_id']}/refunds"
    body = {"amount": yen(10), "reason": "x"}
    assert (await orders.post(path, json=body, headers={**SHOPPER, **key()})).status_code == 403
    other = bearer(Role.MANAGER, store="osaka-umeda")
    assert (await orders.post(path, json=body, headers={**other, **key()})).status_code == 404


async def test_nothing_to_refund_before_capture(orders):
    view = await place_and_pay(orders, {"sku": CABBAGE, "quantity": 1})
    response = await orders.post(
        f"/v1/orders/{view['order_id']}/refunds",
        json={"amount": yen(10), "reason": "x"},
        headers={**MANAGER, **key()},
    )
    assert response.status_code == 409


async def place(orders) -> dict:
    """An order awaiting payment: its PaymentIntent, at Stripe, awaits a card."""
    placed = await orders.post(
        "/v1/orders", json=order({"sku": CABBAGE, "quantity": 1}), headers={**SHOPPER, **key()}
    )
    assert placed.status_code == 201, placed.text
    return placed.json()


def intent_of(placed: dict, status: str, **claims) -> dict:
    return {
        "id": placed["payment"]["intent_id"],
        "object": "payment_intent",
        "status": status,
        "amount": 198,
        "currency": "jpy",
        "metadata": {"order_id": placed["order_id"], "store_id": "kobe-sannomiya"},
        **claims,
    }


async def rows(database: str, query: str) -> int:
    conn = await asyncpg.connect(database)
    try:
        return await conn.fetchval(query)
    finally:
        await conn.close()


async def test_webhook_authorization_places_the_order_once(orders, database, stripe_url):
    placed = await place(orders)
    # The shopper's app confirms the PaymentIntent with Stripe; Stripe tells us.
    await stripe_side(stripe_url).confirm(placed["payment"]["intent_id"], "pm_card_visa")
    body, headers = signed(
        intent_event(
            "evt_1",
            "payment_intent.amount_capturable_updated",
            intent_of(placed, "requires_capture"),
        )
    )
    first = await orders.post("/v1/payments/stripe/webhook", content=body, headers=headers)
    again = await orders.post("/v1/payments/stripe/webhook", content=body, headers=headers)
    assert first.json() == {"received": True, "applied": True}
    assert again.json() == {"received": True, "applied": False}
    view = (await orders.get(f"/v1/orders/{placed['order_id']}", headers=SHOPPER)).json()
    assert view["status"] == "placed" and view["amounts"]["authorized"]["amount"] == 198
    placed_events = "SELECT count(*) FROM kernel.events WHERE topic = 'order.placed'"
    assert await rows(database, placed_events) == 1


@pytest.mark.parametrize(
    ("kind", "claims"),
    [
        # Signed with our own secret (as anyone who read a leaked one could), but Stripe says
        # the intent still awaits a card.
        ("payment_intent.amount_capturable_updated", {"status": "requires_capture"}),
        ("payment_intent.canceled", {"status": "canceled"}),
        # An intent Stripe has never heard of, naming the order in its metadata.
        (
            "payment_intent.amount_capturable_updated",
            {"id": "pi_forged0000000000000000", "status": "requires_capture"},
        ),
    ],
    ids=["authorised-but-not", "cancelled-but-not", "unknown-intent"],
)
async def test_a_signed_event_stripe_does_not_confirm_changes_nothing(
    orders, database, kind, claims
):
    placed = await place(orders)
    before = await stock(database, CABBAGE)
    body, headers = signed(intent_event("evt_forged", kind, intent_of(placed, **claims)))
    response = await orders.post("/v1/payments/stripe/webhook", content=body, headers=headers)
    assert response.status_code == 200  # received: Stripe would retry anything else for days
    assert response.json() == {"received": True, "applied": False}
    view = (await orders.get(f"/v1/orders/{placed['order_id']}", headers=SHOPPER)).json()
    assert view["status"] == "awaiting_payment"
    assert view["amounts"]["authorized"]["amount"] == 0
    assert await stock(database, CABBAGE) == before
    assert (
        await rows(database, "SELECT count(*) FROM kernel.events WHERE topic = 'order.placed'") == 0
    )
    assert await rows(database, "SELECT count(*) FROM orders.stripe_events") == 0  # no trace


async def test_the_webhook_acts_on_stripes_metadata_not_the_payloads(orders, database, stripe_url):
    """A real authorization of one order, sent with another order's id in the payload: Stripe's
    own copy of the intent names the order it pays, and only that one is placed."""
    paid, unpaid = await place(orders), await place(orders)
    await stripe_side(stripe_url).confirm(paid["payment"]["intent_id"], "pm_card_visa")
    claims = intent_of(paid, "requires_capture", metadata={"order_id": unpaid["order_id"]})
    body, headers = signed(
        intent_event("evt_swapped", "payment_intent.amount_capturable_updated", claims)
    )
    response = await orders.post("/v1/payments/stripe/webhook", content=body, headers=headers)
    assert response.json() == {"received": True, "applied": True}
    status = {
        o["order_id"]: (await orders.get(f"/v1/orders/{o['order_id']}", headers=SHOPPER)).json()[
            "status"
        ]
        for o in (paid, unpaid)
    }
    assert status == {paid["order_id"]: "placed", unpaid["order_id"]: "awaiting_payment"}


async def test_while_stripe_cannot_be_asked_the_event_is_refused_for_a_retry(
    orders, database, stripe_url
):
    """Stripe out of reach: 502 and no trace, so Stripe's next delivery of the same event is
    judged afresh (and applied)."""
    placed = await place(orders)
    await stripe_side(stripe_url).confirm(placed["payment"]["intent_id"], "pm_card_visa")
    body, headers = signed(
        intent_event(
            "evt_retry",
            "payment_intent.amount_capturable_updated",
            intent_of(placed, "requires_capture"),
        )
    )
    unreachable = f"http://127.0.0.1:{free_port()}"
    async with client("orders", database, stripe_api_base=unreachable) as cut_off:
        refused = await cut_off.post("/v1/payments/stripe/webhook", content=body, headers=headers)
    assert refused.status_code == 502, refused.text
    assert await rows(database, "SELECT count(*) FROM orders.stripe_events") == 0
    again = await orders.post("/v1/payments/stripe/webhook", content=body, headers=headers)
    assert again.json() == {"received": True, "applied": True}


@pytest.mark.parametrize(
    "event",
    [
        ["not", "an", "object"],
        {"id": "evt_x", "data": {"object": {"id": "pi_x"}}},  # no type
        {"id": "evt_x", "type": ["payment_intent.succeeded"], "data": {}},
        {"type": "payment_intent.succeeded", "data": {"object": {"id": "pi_x"}}},  # no id
    ],
    ids=["a-list", "no-type", "type-not-text", "no-id"],
)
async def test_a_signed_body_that_is_no_stripe_event_is_a_4xx_naming_it(database, event):
    body, headers = signed(event)
    async with client("orders", database) as orders:
        response = await orders.post("/v1/payments/stripe/webhook", content=body, headers=headers)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "body"


@pytest.mark.parametrize(
    "data",
    [{"object": "pi_x"}, "pi_x", {"object": {"id": 7}}, {}],
    ids=["object-not-an-object", "data-not-an-object", "id-not-text", "no-object"],
)
async def test_a_stripe_event_naming_no_object_of_stripes_changes_nothing(database, data):
    body, headers = signed(intent_event("evt_x", "payment_intent.succeeded", {}) | {"data": data})
    async with client("orders", database) as orders:
        response = await orders.post("/v1/payments/stripe/webhook", content=body, headers=headers)
    assert response.json() == {"received": True, "applied": False}
    assert await rows(database, "SELECT count(*) FROM orders.stripe_events") == 0


async def test_webhook_with_a_bad_signature_is_refused_and_changes_nothing(orders, database):
    placed = await place(orders)
    body, headers = signed(
        intent_event(
            "evt_2",
            "payment_intent.amount_capturable_updated",
            intent_of(placed, "requires_capture"),
        ),
        secret="whsec_someone_else",
    )
    response = await orders.post("/v1/payments/stripe/webhook", content=body, headers=headers)
    assert response.status_code == 422
    assert response.json()["field"] == "Stripe-Signature"
    view = (await orders.get(f"/v1/orders/{placed['order_id']}", headers=SHOPPER)).json()
    assert view["status"] == "awaiting_payment"


async def test_webhook_cancelled_intent_releases_an_unpaid_orders_stock(
    orders, database, stripe_url
):
    before = await stock(database, CABBAGE)
    placed = (
        await orders.post(
            "/v1/orders", json=order({"sku": CABBAGE, "quantity": 3}), headers={**SHOPPER, **key()}
        )
    ).json()
    assert await stock(database, CABBAGE) != before
    await stripe_side(stripe_url).cancel(placed["payment"]["intent_id"])
    body, headers = signed(
        intent_event("evt_3", "payment_intent.canceled", intent_of(placed, "canceled"))
    )
    response = await orders.post("/v1/payments/stripe/webhook", content=body, headers=headers)
    assert response.json() == {"received": True, "applied": True}
    assert await stock(database, CABBAGE) == before


async def test_refunds_made_in_stripes_dashboard_are_booked(orders, database, stripe_url):
    done = await packed_order(orders, database)
    intent_id = done["payment"]["intent_id"]
    stripe = stripe_side(stripe_url)
    refund_id = await stripe.refund(intent_id, 50, key="dashboard-refund-1")  # in the dashboard
    charge_id = await latest_charge(stripe_url, intent_id)
    charge = {  # what the payload claims beyond the charge's id counts for nothing
        "id": charge_id,
        "object": "charge",
        "payment_intent": intent_id,
        "metadata": {"order_id": done["order_id"]},
        "refunds": {
            "object": "list",
            "data": [{"id": "re_forged", "object": "refund", "amount": 500}],
        },
    }
    body, headers = signed(intent_event("evt_4", "charge.refunded", charge))
    await orders.post("/v1/payments/stripe/webhook", content=body, headers=headers)
    await orders.post("/v1/payments/stripe/webhook", content=body, headers=headers)
    view = (await orders.get(f"/v1/orders/{done['order_id']}", headers=SHOPPER)).json()
    assert view["amounts"]["refunded"]["amount"] == 50
    booked = "SELECT array_agg(gateway_id) FROM orders.payments WHERE kind = 'refund'"
    assert await rows(database, booked) == [refund_id]


async def latest_charge(stripe_url: str, intent_id: str) -> str:
    async with httpx.AsyncClient(base_url=stripe_url, auth=("sk_test_x", "")) as http:
        intent = (await http.get(f"/v1/payment_intents/{intent_id}")).json()
    charge = intent["latest_charge"]
    return charge if isinstance(charge, str) else charge["id"]
