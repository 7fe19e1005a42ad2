"""The events fulfillment follows, each handled in the bus's transaction."""

from __future__ import annotations

import asyncpg

from services.fulfillment import store as db
from services.fulfillment.tasks import plan_tasks
from shared.bus import Consumer
from shared.events import Envelope, OrderCancelled, OrderPlaced, StoreUpdated


async def keep_store(conn: asyncpg.Connection, envelope: Envelope) -> None:
    """Keep fulfillment's copy of a store; it never reads the orders schema."""
    match envelope.event:
        case StoreUpdated() as store:
            await db.upsert_store(
                conn,
                store_id=store.store_id,
                name=store.name,
                timezone=store.timezone,
                updated_at=envelope.occurred_at,
            )


async def queue_picking(conn: asyncpg.Connection, envelope: Envelope) -> None:
    """A paid order becomes pick tasks; a cancelled one leaves the queue. A basket the till
    bagged and sent home (`needs_picking` false) has nothing to pick."""
    match envelope.event:
        case OrderPlaced(needs_picking=True) as order:
            bins = await db.bins_of(
                conn, store_id=order.store_id, skus=[line.sku for line in order.lines]
            )
            for task in plan_tasks(order, bins):
                await db.insert_task(
                    conn,
                    task,
                    store_id=order.store_id,
                    fulfilment=order.fulfilment,
                    at=envelope.occurred_at,
                )
        case OrderCancelled() as cancelled:
            await db.cancel_tasks(conn, store_id=cancelled.store_id, order_id=cancelled.order_id)


CONSUMERS = [
    Consumer("fulfillment.stores", (StoreUpdated.topic,), keep_store),
    Consumer("fulfillment.picking", (OrderPlaced.topic, OrderCancelled.topic), queue_picking),
]
