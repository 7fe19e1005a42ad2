"""Stripe's webhook: what the app confirmed with Stripe, and what happened on Stripe's side.

Verified by signature, handled once per Stripe event id, and reconciled into the ledger: an
authorization places the order (as dev's confirm-payment does); a scan-and-go payment that
succeeded pays its cart; a cancelled intent of an unpaid order gives its stock back; refunds made
in Stripe's dashboard are booked.
"""

from __future__ import annotations

import asyncpg
import stripe

from services.orders.checkout import service as checkout
from services.orders.order import store as orders
from services.orders.payments import store as payments
from services.orders.payments.gateway import PaymentIntent
from services.orders.sales import carts
from shared.clock import Clock
from shared.errors import InvalidInput

_FIRST_TIME = """
INSERT INTO orders.stripe_events (event_id, type) VALUES ($1, $2)
ON CONFLICT DO NOTHING RETURNING true
"""


def verify(payload: bytes, signature: str | None, secret: str) -> stripe.Event:
    try:
        return stripe.Webhook.construct_event(payload, signature, secret)
    except (stripe.SignatureVerificationError, ValueError) as exc:
        raise InvalidInput(
            f"not a webhook signed by our Stripe account: {exc}", field="Stripe-Signature"
        ) from None


async def reconcile(conn: asyncpg.Connection, clock: Clock, event: stripe.Event) -> bool:
    """Apply one Stripe event; False if it was seen before or concerns no order of ours."""
    if not await conn.fetchval(_FIRST_TIME, event.id, event.type):
        return False
    data = event.data.object.to_dict()  # plain dicts: the stripe objects refuse .get()
    metadata = data.get("metadata") or {}
    order_id = metadata.get("order_id")
    if event.type == "payment_intent.succeeded" and metadata.get("cart_id"):
        intent = PaymentIntent(id=data["id"], status=data["status"], amount=data["amount"])
        await carts.paid(
            conn,
            clock,
            store_id=metadata.get("store_id", ""),
            cart_id=metadata["cart_id"],
            intent=intent,
        )
        return True
    if event.type.startswith("payment_intent.") and order_id:
        order = await orders.get_order(conn, order_id=order_id)
        if order is None:
            return False
        intent = PaymentIntent(id=data["id"], status=data["status"], amount=data["amount"])
        if event.type == "payment_intent.amount_capturable_updated":
            await checkout.authorized(
                conn, clock, store_id=order.store_id, order_id=order.order_id, intent=intent
            )
        elif event.type == "payment_intent.canceled" and order.status == "awaiting_payment":
            await checkout.cancel(conn, clock, order, reason="payment cancelled", status="expired")
        return True
    if event.type == "charge.refunded":
        order = await orders.get_order(conn, order_id=order_id) if order_id else None
        if order is None:
            return False
        keys = {"store_id": order.store_id, "order_id": order.order_id}
        booked = {e.gateway_id for e in await payments.ledger(conn, **keys) if e.kind == "refund"}
        for refund in data["refunds"]["data"]:
            if refund["id"] not in booked:
                await payments.add_ledger(
                    conn,
                    **keys,
                    kind="refund",
                    amount=refund["amount"],
                    currency=order.currency,
                    gateway_id=refund["id"],
                    at=clock.now(),
                    source_id=data.get("payment_intent"),
                )
        return True
    return False
