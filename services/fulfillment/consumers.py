"""The events fulfillment follows, each handled in the bus's transaction."""

from __future__ import annotations

import asyncpg

from services.fulfillment import live
from services.fulfillment import store as db
from services.fulfillment.batches import picking
from services.fulfillment.batches import store as batch_db
from services.fulfillment.tasks import URGENT, plan_tasks
from shared.bus import Consumer
from shared.events import (
    Envelope,
    OrderCancelled,
    OrderCollected,
    OrderPlaced,
    StoreUpdated,
    SubstitutionDecided,
)


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
                weight_prefixes=store.weight_prefixes,
                price_prefixes=store.price_prefixes,
            )


async def queue_picking(conn: asyncpg.Connection, envelope: Envelope) -> None:
    """A paid order becomes pick tasks (the store's screens hear of urgent ones); a cancelled
    one leaves the queue, or its picker's tote. A basket the till bagged and sent home
    (`needs_picking` false) has nothing to pick."""
    at = envelope.occurred_at
    match envelope.event:
        case OrderPlaced(needs_picking=True) as order:
            bins = await db.bins_of(
                conn, store_id=order.store_id, skus=[line.sku for line in order.lines]
            )
            for task in plan_tasks(order, bins):
                added = await db.insert_task(
                    conn, task, store_id=order.store_id, fulfilment=order.fulfilment, at=at
                )
                if added and task.deadline - at <= URGENT:
                    await live.notify(
                        conn,
                        store_id=order.store_id,
                        picker_id=None,
                        topic="urgent",
                        at=at,
                        order_id=order.order_id,
                        zone=task.zone,
                        deadline=task.deadline.isoformat(),
                        message=f"Urgent {task.zone} order due {task.deadline:%H:%M} UTC",
                    )
        case OrderCancelled() as cancelled:
            held = await db.cancel_tasks(
                conn, store_id=cancelled.store_id, order_id=cancelled.order_id
            )
            for gone in held:
                if gone.picker_id and gone.batch_id:
                    await live.notify(
                        conn,
                        store_id=cancelled.store_id,
                        picker_id=gone.picker_id,
                        topic="cancelled",
                        at=at,
                        batch_id=gone.batch_id,
                        order_id=cancelled.order_id,
                        message=f"Order in tote {gone.tote} was cancelled: put its items back",
                    )


async def follow_decisions(conn: asyncpg.Connection, envelope: Envelope) -> None:
    """Shoppers' answers to proposed substitutes; collected pickup orders free their slot."""
    match envelope.event:
        case SubstitutionDecided() as decided:
            await picking.apply_decision(conn, decided, at=envelope.occurred_at)
        case OrderCollected() as collected:
            await batch_db.collect(
                conn,
                store_id=collected.store_id,
                order_id=collected.order_id,
                now=envelope.occurred_at,
            )


CONSUMERS = [
    Consumer("fulfillment.stores", (StoreUpdated.topic,), keep_store),
    Consumer("fulfillment.picking", (OrderPlaced.topic, OrderCancelled.topic), queue_picking),
    Consumer(
        "fulfillment.decisions",
        (SubstitutionDecided.topic, OrderCollected.topic),
        follow_decisions,
    ),
]
