"""A delivery order on its way to the door: one use case per event of delivery's.

Run by the `orders.settle_packed` consumer, after the order was settled (see the service's
consumers.py). Each locks the order's row, asks the domain whether the step applies
and, if not (a redelivered event, a cancelled or pickup order), changes nothing. A failed
delivery is refunded by policy in the same transaction, the gateway called while only this
order's row is locked; its goods are not put back into stock.
"""

from __future__ import annotations

from datetime import datetime

import asyncpg

from services.orders.deliveries.domain import Step, moves_on
from services.orders.order import store as orders
from services.orders.order.store import OrderRow
from services.orders.payments.gateway import StripeGateway
from services.orders.payments.refunds import refund_failed_delivery
from services.orders.payments.service import paid_at_door
from shared.events import DeliveryFailed, OrderDelivered, OrderOutForDelivery


async def _locked_for(
    conn: asyncpg.Connection, *, store_id: str, order_id: str, step: Step
) -> OrderRow | None:
    """The order, its row locked, if it takes `step`; None if the event changes nothing."""
    found = await orders.get_order(conn, order_id=order_id)
    if found is None or found.store_id != store_id:
        return None
    order = await orders.lock_order(conn, store_id=store_id, order_id=order_id)
    return order if moves_on(order.fulfilment, order.status, step) else None


async def out_for_delivery(
    conn: asyncpg.Connection, event: OrderOutForDelivery, *, at: datetime
) -> bool:
    """The rider left the store with the order: who, and when they should be at the door."""
    keys = {"store_id": event.store_id, "order_id": event.order_id}
    if await _locked_for(conn, **keys, step="out_for_delivery") is None:
        return False
    await orders.set_out_for_delivery(conn, **keys, rider_id=event.rider_id, eta=event.eta)
    await orders.add_stage(conn, **keys, stage="out_for_delivery", at=at)
    return True


async def delivered(conn: asyncpg.Connection, event: OrderDelivered, *, at: datetime) -> bool:
    """Handed over at the door, with the proof the rider took; an order paid on delivery is
    paid then."""
    keys = {"store_id": event.store_id, "order_id": event.order_id}
    order = await _locked_for(conn, **keys, step="delivered")
    if order is None:
        return False
    await paid_at_door(conn, order, by=f"door/{event.rider_id}", at=at)
    await orders.set_delivered(
        conn, **keys, rider_id=event.rider_id, proof=event.proof, photo_ref=event.photo_ref
    )
    await orders.add_stage(conn, **keys, stage="delivered", at=at)
    return True


async def delivery_failed(
    conn: asyncpg.Connection, gateway: StripeGateway, event: DeliveryFailed, *, at: datetime
) -> bool:
    """The rider could not hand the order over: its reason shown, and the shopper refunded as
    payments' `failed_delivery_refund` says (in full)."""
    keys = {"store_id": event.store_id, "order_id": event.order_id}
    order = await _locked_for(conn, **keys, step="delivery_failed")
    if order is None:
        return False
    await refund_failed_delivery(conn, gateway, order, reason=event.reason, at=at)
    await orders.set_delivery_failed(
        conn, **keys, rider_id=event.rider_id, reason=event.reason, note=event.note
    )
    await orders.add_stage(conn, **keys, stage="delivery_failed", at=at)
    return True
