"""An order's life after checkout, as the orders service follows it on the bus.

Checkout publishes `order.placed` once the payment is authorized; fulfillment picks and packs
it, delivery rides it. Orders hears back, and each feature reacts:

1. `substitution.proposed` (fulfillment, a line came up short): substitutions records the offer
   for the shopper to decide (`orders.substitution_proposals`).
2. `order.packed` (fulfillment): payments settles it, charging exactly what was packed, and
   takes its goods from stock (`payments.service.settle_packed`).
3. `order.ready_for_pickup` (fulfillment, a pickup order): pickups shows where its bags wait.
4. `order.out_for_delivery`, then `order.delivered` or `delivery.failed` (delivery): deliveries
   follows it to the door, and a failed delivery is refunded by payments' policy.

Steps 2 to 4 are one consumer, `orders.settle_packed`: the bus keeps one order's events in
publish order only within one consumer, and the shopper should see the slot, the rider or a
refund only once the order is settled. It runs its own transactions (settling calls the payment
provider between short transactions of its own, never inside one that holds stock rows); every
other step is one transaction, idempotent by the order's status.

At any time before packing, `order.cancelled` (checkout: the shopper, the manager, or an unpaid
order expiring) has payments void the authorization (`orders.void_authorizations`).

Members' visits to the store bring them back online (`orders.nudges`): a `sale.recorded` with a
member attached (a till, scan-and-go) or an `order.collected` (a pickup) queues the nudge the
visit earns, and their next online `order.placed` is counted for the nudge sent before it.
"""

from __future__ import annotations

import asyncpg

from services.orders.deliveries import service as deliveries
from services.orders.nudges import service as nudges
from services.orders.payments.gateway import StripeGateway
from services.orders.payments.service import settle_packed
from services.orders.payments.voids import void_authorization
from services.orders.pickups import service as pickups
from services.orders.substitutions import service as substitutions
from services.orders.webhooks.domain import OFFERED
from services.orders.webhooks.service import fan_out
from shared.bus import Consumer
from shared.events import (
    DeliveryFailed,
    Envelope,
    OrderCancelled,
    OrderCollected,
    OrderDelivered,
    OrderOutForDelivery,
    OrderPacked,
    OrderPlaced,
    OrderReadyForPickup,
    SaleRecorded,
    SubstitutionProposed,
)


async def record_proposals(conn: asyncpg.Connection, envelope: Envelope) -> None:
    match envelope.event:
        case SubstitutionProposed() as proposal:
            await substitutions.record_proposal(conn, proposal)


async def nudge_after_visits(conn: asyncpg.Connection, envelope: Envelope) -> None:
    at = envelope.occurred_at
    match envelope.event:
        case SaleRecorded(member_id=str() as member_id) as sale:
            bought = [line.sku for line in sale.lines]
            visit = nudges.Visit(
                store_id=sale.store_id,
                member_id=member_id,
                visit=sale.sale_id,
                at=at,
                bought=bought,
            )
            await nudges.on_visit(conn, visit)
        case OrderCollected() as collected:
            await nudges.on_collected(
                conn, store_id=collected.store_id, order_id=collected.order_id, at=at
            )
        case OrderPlaced() as placed:
            await nudges.on_placed(conn, placed, at=at)


def void_authorizations(gateway: StripeGateway) -> Consumer:
    async def handle(conn: asyncpg.Connection, envelope: Envelope) -> None:
        match envelope.event:
            case OrderCancelled() as cancelled:
                await void_authorization(conn, gateway, cancelled, at=envelope.occurred_at)

    return Consumer("orders.void_authorizations", (OrderCancelled.topic,), handle)


def settle_on_packed(gateway: StripeGateway) -> Consumer:
    """Steps 2 to 4: settle the packed order, then follow it to the counter or the door."""

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


def consumers(gateway: StripeGateway) -> list[Consumer]:
    """Orders' consumers, bound to the app's payment gateway."""
    return [
        void_authorizations(gateway),
        settle_on_packed(gateway),
        Consumer("orders.substitution_proposals", (SubstitutionProposed.topic,), record_proposals),
        Consumer("orders.webhooks", tuple(sorted(OFFERED)), fan_out),
        Consumer(
            "orders.nudges",
            (SaleRecorded.topic, OrderCollected.topic, OrderPlaced.topic),
            nudge_after_visits,
        ),
    ]
