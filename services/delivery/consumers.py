"""The events delivery follows, each handled in the bus's transaction."""

from __future__ import annotations

import asyncpg

from services.delivery import store as db
from services.delivery.deliveries import store as deliveries_db
from services.delivery.deliveries.consumers import CONSUMERS as DELIVERY_CONSUMERS
from services.delivery.members.erasure import CONSUMERS as ERASURE_CONSUMERS
from shared.bus import Consumer
from shared.events import Envelope, OrderCancelled, OrderPacked, OrderPlaced, StoreUpdated


async def keep_zone(conn: asyncpg.Connection, envelope: Envelope) -> None:
    """Keep delivery's copy of a store's zone; it never reads the orders schema."""
    match envelope.event:
        case StoreUpdated() as store:
            await db.upsert_store(
                conn,
                store_id=store.store_id,
                name=store.name,
                lat=store.lat,
                lng=store.lng,
                radius_m=store.radius_m,
                updated_at=envelope.occurred_at,
            )


async def keep_backlog(conn: asyncpg.Connection, envelope: Envelope) -> None:
    """Count the orders each store has yet to get out of the door; promises depend on it."""
    match envelope.event:
        case OrderPlaced() as order:
            await db.add_to_backlog(
                conn,
                store_id=order.store_id,
                order_id=order.order_id,
                fulfilment=order.fulfilment,
                promise_at=order.promise_at,
            )
        case OrderCancelled() as order:
            await db.remove_from_backlog(conn, store_id=order.store_id, order_id=order.order_id)
        case OrderPacked() as order:  # a delivery order leaves when its rider takes it out
            await deliveries_db.leave_backlog_if_pickup(
                conn, store_id=order.store_id, order_id=order.order_id
            )


CONSUMERS = [
    Consumer("delivery.zones", (StoreUpdated.topic,), keep_zone),
    Consumer(
        "delivery.backlog",
        (OrderPlaced.topic, OrderCancelled.topic, OrderPacked.topic),
        keep_backlog,
    ),
    *DELIVERY_CONSUMERS,
    *ERASURE_CONSUMERS,
]
