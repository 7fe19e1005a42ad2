"""Orders follows a delivery order to the door from delivery's events, in the consumer that
settles it: out for delivery, delivered, or failed and refunded in full (ledger and localstripe)."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

import asyncpg
import stripe

from services.orders.settings import OrdersSettings
from shared.bus import publish
from shared.clock import Clock
from shared.db import connect, init_connection
from shared.events import (
    DeliveryFailed,
    Event,
    OrderDelivered,
    OrderOutForDelivery,
    PackedLine,
)
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

STORE = "kobe-sannomiya"
CONSUMER = "orders.settle_packed"


async def report(database: str, event: Event, *, at: datetime) -> UUID:
    """What delivery publishes; waits until orders has handled it. The event's id."""
    conn = await connect(database)
    try:
        await init_connection(conn)
        async with conn.transaction():
            event_id = await publish(conn, event, occurred_at=at)
    finally:
        await conn.close()
    await handled(database, CONSUMER, event_id)
    return event_id


def out(order_id: str, eta: datetime) -> OrderOutForDelivery:
    return OrderOutForDelivery(
        order_id=order_id, store_id=STORE, rider_id="rdr_aoi", route_id="rte_1", eta=eta
    )


async def view_of(orders, order_id: str) -> dict:
    return (await orders.get(f"/v1/orders/{order_id}", headers=SHOPPER)).json()


def stage_times(view: dict) -> dict[str, datetime]:
    return {name: datetime.fromisoformat(at) for name, at in view["stages"].items()}


async def packed_order(orders, database, *lines: dict, packed: list[PackedLine]) -> dict:
    view = await place_and_pay(orders, *lines)
    await pack(database, view["order_id"], *packed)
    return await settled(orders, view["order_id"])


async def test_a_delivered_order_shows_out_for_delivery_then_delivered_with_stage_times(
    orders, database
):
    done = await packed_order(
        orders,
        database,
        {"sku": CABBAGE, "quantity": 1},
        packed=[PackedLine(line_no=1, sku=CABBAGE, picked=1)],
    )
    order_id = done["order_id"]
    left = Clock().now()
    eta = left + timedelta(minutes=12)
    await report(database, out(order_id, eta), at=left)

    going = await view_of(orders, order_id)
    assert going["status"] == "out_for_delivery"
    assert going["delivery"]["rider_id"] == "rdr_aoi"
    assert datetime.fromisoformat(going["delivery"]["eta"]) == eta
    assert stage_times(going)["out_for_delivery"] == left

    arrived = left + timedelta(minutes=11)
    await report(
        database,
        OrderDelivered(order_id=order_id, store_id=STORE, rider_id="rdr_aoi", proof="code"),
        at=arrived,
    )
    there = await view_of(orders, order_id)
    assert there["status"] == "delivered"
    assert there["delivery"]["proof"] == "code"
    stages = stage_times(there)
    assert stages["packed"] <= stages["out_for_delivery"] == left
    assert stages["delivered"] == arrived
    assert there["amounts"]["refunded"]["amount"] == 0

    # Published again later (a rider's app retrying): the delivered order stays as it was.
    await report(database, out(order_id, eta + timedelta(minutes=5)), at=arrived)
    assert await view_of(orders, order_id) == there
    timeline = (await orders.get("/v1/me/timeline", headers=SHOPPER)).json()["items"]
    assert [(e["ref"], e["status"]) for e in timeline] == [(order_id, "delivered")]


async def test_a_delivery_reported_of_an_order_never_seen_going_out_still_counts(orders, database):
    done = await packed_order(
        orders,
        database,
        {"sku": CABBAGE, "quantity": 1},
        packed=[PackedLine(line_no=1, sku=CABBAGE, picked=1)],
    )
    photo = OrderDelivered(
        order_id=done["order_id"],
        store_id=STORE,
        rider_id="rdr_aoi",
        proof="photo",
        photo_ref="pod/rdr_aoi/1.jpg",
    )
    await report(database, photo, at=Clock().now())
    view = await view_of(orders, done["order_id"])
    assert view["status"] == "delivered" and "out_for_delivery" not in view["stages"]
    assert (view["delivery"]["proof"], view["delivery"]["photo_ref"]) == ("photo", photo.photo_ref)


async def test_a_failed_delivery_is_refunded_in_full_once_and_shows_its_reason(
    orders, database, stripe_url
):
    # 1.5 kg packed of 1 kg ordered: the capture takes the authorization, a second charge the rest.
    done = await packed_order(
        orders,
        database,
        {"sku": POTATOES, "grams": 1000},
        packed=[PackedLine(line_no=1, sku=POTATOES, picked=1500)],
    )
    order_id = done["order_id"]
    assert done["amounts"]["captured"]["amount"] == 597
    left = Clock().now()
    await report(database, out(order_id, left + timedelta(minutes=12)), at=left)
    shelf = await stock(database, POTATOES)

    failed = DeliveryFailed(
        order_id=order_id,
        store_id=STORE,
        rider_id="rdr_aoi",
        reason="not_home",
        note="rang twice, no answer",
    )
    failed_at = left + timedelta(minutes=14)
    await report(database, failed, at=failed_at)
    first = await view_of(orders, order_id)
    await report(database, failed, at=failed_at + timedelta(minutes=1))  # published twice

    view = await view_of(orders, order_id)
    assert view == first
    assert (view["status"], view["failure"]) == ("delivery_failed", "not_home")
    assert view["delivery"]["note"] == "rang twice, no answer"
    assert stage_times(view)["delivery_failed"] == failed_at
    assert view["amounts"]["refunded"]["amount"] == view["amounts"]["captured"]["amount"] == 597
    assert await stock(database, POTATOES) == shelf  # not put back: the manager recounts

    conn = await asyncpg.connect(database)
    try:
        ledger = await conn.fetch(
            "SELECT kind, amount, gateway_id, source_id FROM orders.payments"
            " WHERE order_id = $1 AND kind IN ('capture', 'charge', 'refund') ORDER BY at, kind",
            order_id,
        )
        announced = await conn.fetchval(
            "SELECT count(*) FROM kernel.events WHERE topic = 'payment.refunded' AND key = $1",
            order_id,
        )
    finally:
        await conn.close()
    paid = {r["kind"]: r for r in ledger if r["kind"] != "refund"}
    refunds = {r["source_id"]: r for r in ledger if r["kind"] == "refund"}
    assert set(refunds) == {paid["capture"]["gateway_id"], paid["charge"]["gateway_id"]}
    assert refunds[paid["capture"]["gateway_id"]]["amount"] == paid["capture"]["amount"]
    assert refunds[paid["charge"]["gateway_id"]]["amount"] == paid["charge"]["amount"]
    assert announced == 1

    gateway = stripe.StripeClient(
        OrdersSettings().stripe_api_key,
        base_addresses={"api": stripe_url},
        http_client=stripe.HTTPXClient(),
    )
    for intent_id, row in refunds.items():
        at_stripe = await gateway.v1.refunds.list_async(params={"payment_intent": intent_id})
        assert [(r.id, r.amount) for r in at_stripe.data] == [(row["gateway_id"], row["amount"])]

    timeline = (await orders.get("/v1/me/timeline", headers=SHOPPER)).json()["items"]
    assert [(e["status"], e["amount"]["amount"]) for e in timeline] == [("delivery_failed", 0)]


async def test_an_out_for_delivery_for_a_cancelled_order_changes_nothing(orders, database):
    view = await place_and_pay(orders, {"sku": CABBAGE, "quantity": 1})
    cancelled = await orders.post(f"/v1/orders/{view['order_id']}/cancel", json={}, headers=SHOPPER)
    assert cancelled.status_code == 200, cancelled.text
    before = await view_of(orders, view["order_id"])
    now = Clock().now()
    await report(database, out(view["order_id"], now + timedelta(minutes=12)), at=now)
    after = await view_of(orders, view["order_id"])
    assert after["status"] == "cancelled" and after["delivery"] is None
    assert after["stages"] == before["stages"]
