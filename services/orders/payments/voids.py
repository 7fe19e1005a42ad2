"""Voiding the authorization of a cancelled order (the bus retries it until Stripe agrees)."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from services.orders.order import store as orders
from services.orders.payments import store as payments
from services.orders.payments.gateway import StripeGateway
from shared.events import OrderCancelled


async def void_authorization(
    conn: asyncpg.Connection, gateway: StripeGateway, cancelled: OrderCancelled, *, at: datetime
) -> None:
    """Cancel the order's PaymentIntent and book the release of what it held, once."""
    order = await orders.get_order(conn, order_id=cancelled.order_id)
    if order is None or order.payment_intent_id is None:
        return
    intent = await gateway.cancel(order.payment_intent_id)
    keys = {"store_id": order.store_id, "order_id": order.order_id}
    entries = await payments.ledger(conn, **keys)
    held = sum(e.amount for e in entries if e.kind == "authorize")
    if held and not any(e.kind == "release" for e in entries):
        await payments.add_ledger(
            conn,
            **keys,
            kind="release",
            amount=held,
            currency=order.currency,
            gateway_id=intent.id,
            at=at,
        )
