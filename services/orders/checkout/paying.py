"""Checkout's payment: the order's PaymentIntent made once (`pay_for`), and the order placed
when the payment is authorized (`authorized`). The phases: `checkout.service`."""

from __future__ import annotations

import asyncpg

from services.orders.checkout.domain import PaymentFailed
from services.orders.checkout.views import OrderView, order_view, visible_order
from services.orders.metrics import ORDERS_PLACED
from services.orders.on_behalf import store as behalf
from services.orders.order import store as orders
from services.orders.order.store import OrderKey, OrderRow
from services.orders.payments import store as payments
from services.orders.payments.gateway import GatewayUnavailable, PaymentIntent, StripeGateway
from services.orders.stock import store as stock
from shared.auth import Principal
from shared.bus import publish
from shared.clock import Clock
from shared.errors import Conflict, InvalidInput
from shared.events import OrderPlaced


async def release_stock(conn: asyncpg.Connection, order: OrderRow) -> None:
    lines = await orders.lines(conn, store_id=order.store_id, order_id=order.order_id)
    await stock.release(conn, store_id=order.store_id, amounts={x.sku: x.quantity for x in lines})


async def pay_for(
    conn: asyncpg.Connection,
    gateway: StripeGateway,
    clock: Clock,
    placed: OrderKey,
    *,
    new: OrderRow | None = None,
    failed: GatewayUnavailable | None = None,
) -> OrderRow:
    """Phase 3, in a transaction whose refusal commits what it wrote (`unit_of_work`,
    `placing`): create the order's PaymentIntent once. If the gateway fails, the reservation is
    undone and the order failed, and `PaymentFailed` refuses; an order that failed so before is
    refused the same way. The caller may go on in the transaction (checkout stores its answer
    to the Idempotency-Key there). `new`: the order as this same transaction stored it
    (`NewOrder.order`); no other transaction sees it before the commit, so it is neither locked
    nor read (a `NewOrder` from an earlier transaction must not be passed: it is locked).
    `failed`: how the gateway failed this checkout already (`place_at_once`), recorded as if
    it had failed now, without asking again."""
    keys = {"store_id": placed.store_id, "order_id": placed.order_id}
    order = new or await orders.lock_order(conn, **keys)
    if order.status == "payment_failed":
        raise PaymentFailed(order.failure)
    if order.payment_intent_id or order.status != "awaiting_payment":
        return order
    intent = failed or await authorize(gateway, order)
    if isinstance(intent, GatewayUnavailable):
        await release_stock(conn, order)
        await orders.set_status(conn, **keys, status="payment_failed", failure=intent.detail)
        await payments.add_ledger(
            conn,
            **keys,
            kind="authorize_failed",
            amount=order.to_authorize,
            currency=order.currency,
            gateway_id=None,
            at=clock.now(),
        )
        raise PaymentFailed(intent.detail)
    return await orders.set_intent(
        conn, **keys, intent_id=intent.id, client_secret=intent.client_secret
    )


async def authorize(gateway: StripeGateway, order: OrderRow) -> PaymentIntent | GatewayUnavailable:
    """The order's PaymentIntent, or how the gateway failed to make it (`placing` asks before
    the order is stored)."""
    try:
        return await gateway.authorize(
            store_id=order.store_id,
            order_id=order.order_id,
            amount=order.to_authorize,
            currency=order.currency,
        )
    except GatewayUnavailable as exc:
        return exc


async def authorized(
    conn: asyncpg.Connection,
    clock: Clock,
    *,
    store_id: str,
    order_id: str,
    intent: PaymentIntent | None,
) -> OrderRow:
    """The payment is authorized, or (`intent` None: an order staff placed for a member who pays
    at the door) will be taken on delivery: place the order and tell the other services.
    Idempotent."""
    order = await orders.lock_order(conn, store_id=store_id, order_id=order_id)
    if order.status != "awaiting_payment" or (intent and intent.status != "requires_capture"):
        return order
    now = clock.now()
    keys = {"store_id": store_id, "order_id": order_id}
    counter = await behalf.codes_of(conn, **keys)  # an order staff placed for a member
    await orders.set_status(conn, **keys, status="placed")
    await orders.add_stage(conn, **keys, stage="paid" if intent else "placed", at=now)
    if intent:
        await payments.add_ledger(
            conn,
            **keys,
            kind="authorize",
            amount=intent.amount,
            currency=order.currency,
            gateway_id=intent.id,
            at=now,
        )
    await publish(
        conn,
        OrderPlaced(
            store_id=store_id,
            order_id=order_id,
            member_id=order.member_id,
            fulfilment=order.fulfilment,
            address=order.address,
            promise_at=order.promise_at,
            lines=await orders.placed_lines(conn, **keys),
            handover_code=counter.handover_code if counter else None,
        ),
        occurred_at=now,
    )
    ORDERS_PLACED.labels(store_id, "counter" if counter else "app", order.fulfilment).inc()
    return await orders.lock_order(conn, **keys)


async def confirm_payment(
    pool: asyncpg.Pool,
    gateway: StripeGateway,
    clock: Clock,
    principal: Principal,
    *,
    order_id: str,
    payment_method: str,
) -> OrderView:
    """Dev only: confirm with a test card, as the app's Stripe SDK would."""
    async with pool.acquire() as conn:
        order = await visible_order(conn, principal, order_id)
    if order.status != "awaiting_payment" or order.payment_intent_id is None:
        raise Conflict(f"the order is {order.status}; there is nothing to pay", field="order_id")
    intent = await gateway.confirm(order.payment_intent_id, payment_method)
    if intent.status != "requires_capture":
        raise InvalidInput(f"the card was not authorized ({intent.status})", field="payment_method")
    async with pool.acquire() as conn, conn.transaction():
        placed = await authorized(
            conn, clock, store_id=order.store_id, order_id=order.order_id, intent=intent
        )
        return await order_view(conn, placed, principal.role)
