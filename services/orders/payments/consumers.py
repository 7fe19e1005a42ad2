"""Money side effects of events, made reliable by the bus: retried until the gateway agrees."""

from __future__ import annotations

import asyncpg

from services.orders.checkout import store as db
from services.orders.deliveries import service as deliveries
from services.orders.payments.gateway import StripeGateway
from services.orders.payments.service import settle_packed
from services.orders.pickups import service as pickups
from shared.bus import Consumer
from shared.events import (
    DeliveryFailed,
    Envelope,
    OrderCancelled,
    OrderDelivered,
    OrderOutForDelivery,
    OrderPacked,
    OrderReadyForPickup,
)


def void_authorizations(gateway: StripeGateway) -> Consumer:
    """On `order.cancelled`, cancel the order's PaymentIntent and book the release."""

    async def handle(conn: asyncpg.Connection, envelope: Envelope) -> None:
        match envelope.event:
            case OrderCancelled() as cancelled:
                order = await db.get_order(conn, order_id=cancelled.order_id)
                if order is None or order.payment_intent_id is None:
                    return
                intent = await gateway.cancel(order.payment_intent_id)
                entries = await db.ledger(conn, store_id=order.store_id, order_id=order.order_id)
                held = sum(e.amount for e in entries if e.kind == "authorize")
                if held and not any(e.kind == "release" for e in entries):
                    await db.add_ledger(
                        conn,
                        store_id=order.store_id,
                        order_id=order.order_id,
                        kind="release",
                        amount=held,
                        currency=order.currency,
                        gateway_id=intent.id,
                        at=envelope.occurred_at,
                    )

    return Consumer("orders.void_authorizations", (OrderCancelled.topic,), handle)


def settle_on_packed(gateway: StripeGateway) -> Consumer:
    """On `order.packed`, charge exactly what was packed; on `order.ready_for_pickup`, note
    where the bags wait; then follow a delivery to the door (`order.out_for_delivery`,
    `order.delivered`) or back (`delivery.failed`, refunded by policy).

    One consumer for all: the bus keeps an order's events in publish order only within one
    consumer, and the shopper should see the slot, the rider or a refund only once the order
    is settled and packed.

    The consumer runs its own transactions: settling calls the payment provider between
    short transactions of its own (never inside one that holds stock rows); every other
    handler runs in one transaction, and each is idempotent by the order's status.
    """

    async def handle(pool: asyncpg.Pool, envelope: Envelope) -> None:
        at = envelope.occurred_at
        if isinstance(envelope.event, OrderPacked):
            await settle_packed(pool, gateway, envelope.event, at=at)
            return
        async with pool.acquire() as conn, conn.transaction():
            match envelope.event:
                case OrderReadyForPickup() as ready:
                    await pickups.ready_for_pickup(conn, ready, at=at)
                case OrderOutForDelivery() as out:
                    await deliveries.out_for_delivery(conn, out, at=at)
                case OrderDelivered() as arrived:
                    await deliveries.delivered(conn, arrived, at=at)
                case DeliveryFailed() as failed:
                    await deliveries.delivery_failed(conn, gateway, failed, at=at)

    topics = (OrderPacked, OrderReadyForPickup, OrderOutForDelivery, OrderDelivered, DeliveryFailed)
    return Consumer(
        "orders.settle_packed", tuple(t.topic for t in topics), handle, own_transactions=True
    )
