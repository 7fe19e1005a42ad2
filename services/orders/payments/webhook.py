"""Stripe's webhook: what the app confirmed with Stripe, and what happened on Stripe's side.

An authorization places the order (as dev's confirm-payment does); a scan-and-go payment that
succeeded pays its cart; a cancelled intent of an unpaid order gives its stock back; refunds made
in Stripe's dashboard are booked.

Trusted only as far as Stripe vouches for it. A good signature proves that the sender holds our
webhook secret and nothing more (a leaked secret signs anything), so an event is read only for
the object it names: that PaymentIntent or charge is fetched from Stripe with our secret key,
and its status, amount, currency and metadata as Stripe holds them decide. An event whose
object Stripe does not know, or is not in the state the event claims (a "succeeded" intent that
Stripe says still requires a payment method), never reaches the database; one that does not
match the order it names (another intent, amount or currency) changes nothing. Both are still
answered 200 with `applied: false`, as Stripe's webhook docs ask of an event received: any
other status counts as a failed delivery that Stripe retries for up to three days, and each
retry would find the same. Only Stripe out of reach is an error (502): nothing is recorded, and
Stripe's retry looks again. An applied event is recorded by its id in the transaction of its
effect, so a redelivery changes nothing.
"""

from __future__ import annotations

import asyncpg
import msgspec
import stripe

from services.orders.checkout import cancelling, paying
from services.orders.order import store as orders
from services.orders.payments import store as payments
from services.orders.payments.gateway import PaymentIntent, Refund, StripeGateway
from services.orders.scan_and_go import service as scan_and_go
from shared.clock import Clock
from shared.errors import InvalidInput

# The status each PaymentIntent event says its intent is in: Stripe must say the same.
INTENT_STATUS = {
    "payment_intent.amount_capturable_updated": "requires_capture",
    "payment_intent.succeeded": "succeeded",
    "payment_intent.canceled": "canceled",
}


class Fetched(msgspec.Struct, frozen=True, kw_only=True):
    """What Stripe says of the object an event names: the intent, and a charge's refunds."""

    intent: PaymentIntent
    refunds: list[Refund] = []


def verify(payload: bytes, signature: str | None, secret: str) -> stripe.Event:
    try:
        event = stripe.Webhook.construct_event(payload, signature, secret)
    except (stripe.SignatureVerificationError, ValueError) as exc:
        raise InvalidInput(
            f"not a webhook signed by our Stripe account: {exc}", field="Stripe-Signature"
        ) from None
    except (AttributeError, TypeError):  # signed JSON that is not an object
        raise InvalidInput("signed, but not a Stripe event", field="body") from None
    shape = event.to_dict()  # plain dicts: the stripe objects refuse .get()
    if not (isinstance(shape.get("id"), str) and isinstance(shape.get("type"), str)):
        raise InvalidInput("signed, but not a Stripe event (its id or type)", field="body")
    return event


def _named(event: stripe.Event, prefix: str) -> str | None:
    """The id of the object the event names, if it is one of Stripe's ids of that kind."""
    data = event.to_dict().get("data")
    named = data.get("object") if isinstance(data, dict) else None
    named = named.get("id") if isinstance(named, dict) else None
    return named if isinstance(named, str) and named.startswith(prefix) else None


async def fetch(gateway: StripeGateway, event: stripe.Event) -> Fetched | None:
    """The event's object as Stripe holds it now, when the event is one we act on and Stripe
    confirms what it claims; None otherwise."""
    if event.type in INTENT_STATUS:
        intent_id = _named(event, "pi_")
        intent = await gateway.retrieve(intent_id) if intent_id else None
        if intent is None or intent.status != INTENT_STATUS[event.type]:
            return None
        return Fetched(intent=intent)
    if event.type == "charge.refunded":
        charge_id = _named(event, "ch_")
        charge = await gateway.charge_refunds(charge_id) if charge_id else None
        if charge is None or charge.payment_intent is None:
            return None
        intent = await gateway.retrieve(charge.payment_intent)
        refunds = [r for r in charge.refunds if r.status == "succeeded"]
        return Fetched(intent=intent, refunds=refunds) if intent and refunds else None
    return None


async def reconcile(
    conn: asyncpg.Connection, clock: Clock, event: stripe.Event, fetched: Fetched
) -> bool:
    """Apply one event Stripe vouched for; False if it was seen before or matches nothing of
    ours."""
    intent, metadata = fetched.intent, fetched.intent.metadata
    if event.type == "payment_intent.succeeded" and metadata.get("cart_id"):
        if not await payments.first_seen_event(conn, event_id=event.id, kind=event.type):
            return False
        store_id = metadata.get("store_id", "")
        await scan_and_go.paid(
            conn, clock, store_id=store_id, cart_id=metadata["cart_id"], intent=intent
        )
        return True
    order_id = metadata.get("order_id")
    order = await orders.get_order(conn, order_id=order_id) if order_id else None
    if order is None or metadata.get("store_id", order.store_id) != order.store_id:
        return False
    if intent.currency != order.currency.lower():
        return False
    if event.type == "charge.refunded":  # the order's authorization, or its second charge
        if not await payments.first_seen_event(conn, event_id=event.id, kind=event.type):
            return False
        await _book_refunds(conn, clock, order, intent, fetched.refunds)
        return True
    if intent.id != order.payment_intent_id:  # an intent of ours, but not this order's payment
        return False
    authorizes = event.type == "payment_intent.amount_capturable_updated"
    if authorizes and intent.amount != order.to_authorize:
        return False
    expires = event.type == "payment_intent.canceled" and order.status == "awaiting_payment"
    if not (authorizes or expires):
        return False
    if not await payments.first_seen_event(conn, event_id=event.id, kind=event.type):
        return False
    if authorizes:
        await paying.authorized(
            conn, clock, store_id=order.store_id, order_id=order.order_id, intent=intent
        )
    else:
        await cancelling.cancel(conn, clock, order, reason="payment cancelled", status="expired")
    return True


async def _book_refunds(
    conn: asyncpg.Connection,
    clock: Clock,
    order: orders.OrderRow,
    intent: PaymentIntent,
    refunds: list[Refund],
) -> None:
    """Book the refunds Stripe lists that the ledger lacks (made in Stripe's dashboard).

    Before API version 2025-03-31 Stripe made a refund of the rest of a partially captured
    charge, and localstripe still does: the ledger holds that as the release, so the charge's
    first refund, when it is exactly the amount released, is not booked again."""
    keys = {"store_id": order.store_id, "order_id": order.order_id}
    entries = await payments.ledger(conn, **keys)
    booked = {e.gateway_id for e in entries if e.kind == "refund"}
    released = sum(e.amount for e in entries if e.kind == "release" and e.gateway_id == intent.id)
    if refunds and released and refunds[0].amount == released:
        refunds = refunds[1:]
    for refund in refunds:
        if refund.id not in booked and refund.currency.lower() == order.currency.lower():
            await payments.add_ledger(
                conn,
                **keys,
                kind="refund",
                amount=refund.amount,
                currency=order.currency,
                gateway_id=refund.id,
                at=clock.now(),
                source_id=intent.id,
            )
