"""Shopping helpers for the orders tests: a basket, a paid order, a packed one."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from datetime import datetime
from uuid import UUID

import asyncpg
import httpx
import stripe

from services.orders.payments.gateway import StripeGateway
from services.orders.settings import OrdersSettings
from shared.auth import Role
from shared.bus import publish
from shared.clock import Clock
from shared.db import connect, init_connection
from shared.events import Bag, OrderPacked, OrderReadyForPickup, PackedLine
from tests.eventually import eventually
from tests.eventually import handled as handled_by
from tests.integration.apps import bearer
from tests.integration.conftest import serving

SHOPPER = bearer(Role.SHOPPER, member="mem_test_1")
KOBE = {"lat": 34.6950, "lng": 135.2000, "text": "1-1 Sannomiya-cho, Chuo-ku, Kobe"}
CABBAGE, POTATOES = "SKU-10001", "SKU-10005"


def yen(amount: int) -> dict:
    """Money as the API shows it."""
    return {"amount": amount, "currency": "JPY"}


def order(*lines: dict, **extra) -> dict:
    return {
        "store_id": "kobe-sannomiya",
        "fulfilment": "delivery",
        "address": KOBE,
        "lines": list(lines),
        **extra,
    }


def key() -> dict:
    return {"Idempotency-Key": str(uuid.uuid4())}


async def stock(database: str, sku: str) -> tuple[int, int]:
    conn = await asyncpg.connect(database)
    try:
        row = await conn.fetchrow(
            "SELECT on_hand, reserved FROM orders.products"
            " WHERE store_id = 'kobe-sannomiya' AND sku = $1",
            sku,
        )
        return row["on_hand"], row["reserved"]
    finally:
        await conn.close()


async def order_count(database: str, status: str) -> int:
    conn = await asyncpg.connect(database)
    try:
        return await conn.fetchval("SELECT count(*) FROM orders.orders WHERE status = $1", status)
    finally:
        await conn.close()


async def place_and_pay(orders, *lines, **extra) -> dict:
    placed = await orders.post(
        "/v1/orders",
        json=order(*lines, **extra),
        headers={**SHOPPER, "Idempotency-Key": str(uuid.uuid4())},
    )
    assert placed.status_code == 201, placed.text
    paid = await orders.post(
        f"/v1/orders/{placed.json()['order_id']}/confirm-payment", json={}, headers=SHOPPER
    )
    assert paid.status_code == 200, paid.text
    return paid.json()


async def pack(database: str, order_id: str, *lines: PackedLine, event_id=None) -> UUID:
    """What fulfillment publishes when the last zone is packed; the event's id."""
    conn = await connect(database)
    try:
        await init_connection(conn)
        async with conn.transaction():
            return await publish(
                conn,
                OrderPacked(
                    order_id=order_id,
                    store_id="kobe-sannomiya",
                    lines=list(lines),
                    bags=[Bag(code=f"{order_id}-produce-1", zone="produce", number=1, of=1)],
                ),
                occurred_at=Clock().now(),
                event_id=event_id,
            )
    finally:
        await conn.close()


async def ready_for_pickup(database: str, order_id: str, slot: str, *, at: datetime) -> UUID:
    """What fulfillment publishes when a pickup order's bags are staged; the event's id."""
    conn = await connect(database)
    try:
        await init_connection(conn)
        async with conn.transaction():
            return await publish(
                conn,
                OrderReadyForPickup(
                    order_id=order_id,
                    store_id="kobe-sannomiya",
                    slot=slot,
                    bags=[Bag(code=f"{order_id}-produce-1", zone="produce", number=1, of=1)],
                ),
                occurred_at=at,
            )
    finally:
        await conn.close()


async def handled(database: str, consumer: str, event_id: UUID) -> None:
    """Wait until `consumer` has handled the event."""
    conn = await asyncpg.connect(database)
    try:
        await eventually(
            lambda: handled_by(conn, consumer, event_id), f"{consumer} to handle event {event_id}"
        )
    finally:
        await conn.close()


async def settled(orders, order_id: str) -> dict:
    async def view() -> dict:
        return (await orders.get(f"/v1/orders/{order_id}", headers=SHOPPER)).json()

    return await eventually(
        view, f"order {order_id} to be settled", ok=lambda v: v.get("status") == "packed"
    )


WEBHOOK_SECRET = OrdersSettings().stripe_webhook_secret


def stripe_side(stripe_url: str) -> StripeGateway:
    """Stripe itself (localstripe), as the shopper's app or the store's dashboard reach it."""
    return StripeGateway(OrdersSettings().stripe_api_key, stripe_url)


def signed(event: dict, secret: str = WEBHOOK_SECRET) -> tuple[bytes, dict]:
    payload = json.dumps(event)
    header = stripe.WebhookSignature.generate_signature_header(payload, secret)
    return payload.encode(), {"Stripe-Signature": header, "content-type": "application/json"}


def intent_event(event_id: str, kind: str, intent: dict) -> dict:
    return {
        "id": event_id,
        "object": "event",
        "type": kind,
        "api_version": "2024-06-20",
        "created": int(time.time()),
        "data": {"object": intent},
    }


async def flash_sale(
    database: str, delivery_url: str, stripe_url: str, *, shoppers: int, at_once: int
) -> list[httpx.Response]:
    """`shoppers` members checking out one cabbage each, `at_once` at a time (as a flash sale's
    crowd keeps it), against an orders service with time to quote and a pool of 20."""
    gate = asyncio.Semaphore(at_once)

    async def checkout(http: httpx.AsyncClient, n: int) -> httpx.Response:
        async with gate:
            return await http.post(
                "/v1/orders",
                json=order({"sku": CABBAGE, "quantity": 1}),
                headers={**bearer(Role.SHOPPER, member=f"mem_{n}"), **key()},
            )

    with serving(
        "orders",
        database_url=database,
        delivery_url=delivery_url,
        stripe_api_base=stripe_url,
        quote_timeout_s=10.0,
        db_pool_size=20,
    ) as url:
        limits = httpx.Limits(max_connections=at_once)
        async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as http:
            return await asyncio.gather(*(checkout(http, n) for n in range(shoppers)))
