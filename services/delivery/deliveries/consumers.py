"""The order events that make and unmake deliveries, each handled in the bus's transaction.

The bus records each event handled, and every write here is guarded too (insert once, change
only from the expected status), so a redelivered event changes nothing.
"""

from __future__ import annotations

import logging
from datetime import datetime

import asyncpg

from services.delivery.deliveries import store as db
from services.delivery.deliveries.domain import new_handover_code
from services.delivery.dispatch.wakeup import wake_dispatcher
from shared.bus import Consumer
from shared.events import Envelope, OrderCancelled, OrderPacked, OrderPlaced

log = logging.getLogger("omo.delivery")


async def follow_orders(conn: asyncpg.Connection, envelope: Envelope) -> None:
    """A delivery order is waiting from `order.placed`, ready (its bags known) from
    `order.packed`, and leaves its route when cancelled before it is out."""
    at = envelope.occurred_at
    match envelope.event:
        case OrderPlaced(fulfilment="delivery") as order:
            if order.address is None:
                log.warning("delivery order %s has no address; not planned", order.order_id)
                return
            await db.insert_delivery(
                conn,
                store_id=order.store_id,
                order_id=order.order_id,
                member_id=order.member_id,
                lat=order.address.lat,
                lng=order.address.lng,
                address_text=order.address.text,
                promise_at=order.promise_at,
                placed_at=at,
                # the code the counter printed for the member, else one of ours for the app
                handover_code=order.handover_code or new_handover_code(),
            )
        case OrderPacked() as packed:
            keys = {"store_id": packed.store_id, "order_id": packed.order_id}
            if await db.lock_delivery(conn, **keys) is None:
                return  # a pickup order: the backlog consumer lets it go
            await db.add_bags(conn, **keys, bags=packed.bags)
            if await db.mark_ready(conn, **keys, now=at):
                await wake_dispatcher(conn, packed.store_id)
        case OrderCancelled() as cancelled:
            await cancel(conn, store_id=cancelled.store_id, order_id=cancelled.order_id, now=at)


async def cancel(conn: asyncpg.Connection, *, store_id: str, order_id: str, now: datetime) -> None:
    """A delivery not yet out is cancelled; its stop leaves its route, and a route left with no
    stop is cancelled. Once out, the bags are with the rider: the order is delivered or fails."""
    order = await db.lock_delivery(conn, store_id=store_id, order_id=order_id)
    if order is None or order.status not in ("waiting", "ready", "assigned"):
        if order is not None and order.status == "out":
            log.warning("order %s cancelled while out for delivery: left to the rider", order_id)
        return
    await db.cancel_delivery(conn, store_id=store_id, order_id=order_id, now=now)
    if order.status != "assigned" or order.route_id is None:
        return
    route = await db.lock_route(conn, store_id=store_id, route_id=order.route_id)
    await db.remove_stop(conn, store_id=store_id, route_id=order.route_id, order_id=order_id)
    if route is not None and route.status == "assigned":
        if await db.stops_left(conn, store_id=store_id, route_id=order.route_id) == 0:
            await db.close_route(
                conn, store_id=store_id, route_id=order.route_id, status="cancelled", now=now
            )
        await wake_dispatcher(conn, store_id)  # the rider has room again, or is free


CONSUMERS = [
    Consumer(
        "delivery.deliveries",
        (OrderPlaced.topic, OrderPacked.topic, OrderCancelled.topic),
        follow_orders,
    ),
]
