"""Checkout's use cases, in the phases that keep stock rows free of network waits.

1. Ask delivery for a promise (network, no transaction).
2. One short transaction: claim the Idempotency-Key, price, reserve stock, store the order
   awaiting payment.
3. Create the PaymentIntent (network) holding only this order's row lock, so a duplicate request
   waits instead of paying twice; on failure release the stock and mark the order failed.
4. When the payment is authorized (dev confirm, or Stripe's webhook) the order is placed and
   `order.placed` goes to fulfillment and delivery, in the same transaction.
"""

from __future__ import annotations

from datetime import timedelta

import asyncpg

from services.orders.checkout import store as db
from services.orders.checkout.domain import (
    OrderRequest,
    Promised,
    line_cost,
    price_lines,
    totals,
)
from services.orders.checkout.quotes import NoPromise
from services.orders.metrics import ORDERS_PLACED
from services.orders.payments import store as payments
from services.orders.payments.gateway import GatewayUnavailable, PaymentIntent, StripeGateway
from shared.bus import publish
from shared.clock import Clock
from shared.errors import Conflict, InvalidInput, NotFound
from shared.events import Address, OrderCancelled, OrderPlaced
from shared.ids import uuid7

CANCELLABLE = frozenset({"awaiting_payment", "placed", "picking", "picked"})


def check_promise(promised: Promised, request: OrderRequest) -> None:
    if not promised.deliverable:
        raise NoPromise(
            promised.reason or "the address is outside the delivery zone", field="address"
        )
    if promised.promise_at is None:  # no rider on shift: no time can be promised
        raise NoPromise(promised.reason or "the store cannot deliver now", field="fulfilment")
    if not promised.meets_30_minutes and not request.accept_later_promise:
        raise NoPromise(
            f"{promised.reason}; the earliest we can promise is {promised.promise_at:%H:%M} UTC "
            "(send accept_later_promise=true to take it)",
            field="accept_later_promise",
            promise_at=promised.promise_at.isoformat(),
        )


async def place(
    conn: asyncpg.Connection,
    clock: Clock,
    *,
    member_id: str,
    key: str,
    request: OrderRequest,
    promised: Promised,
) -> tuple[str, str]:
    """Price, reserve and store the order awaiting payment; returns (store_id, order_id)."""
    rules = await db.store_rules(conn, store_id=request.store_id)
    if rules is None:
        raise NotFound(f"there is no store {request.store_id}", field="store_id")
    check_promise(promised, request)
    assert promised.promise_at is not None  # check_promise refuses an order without one
    catalog = await db.sellable(
        conn, store_id=request.store_id, skus=[line.sku for line in request.lines]
    )
    lines = price_lines(request, catalog)
    wanted = {line.sku: line.quantity for line in lines}
    taken = await db.reserve(conn, store_id=request.store_id, amounts=wanted)
    if short := sorted(set(wanted) - taken):
        index = next(i for i, line in enumerate(lines) if line.sku == short[0])
        raise Conflict(
            f"not enough {short[0]} left for this order", field=f"lines[{index}].sku", skus=short
        )
    now = clock.now()
    sums = totals(lines, rules.weighed_buffer_pct)
    address = request.address
    order = db.OrderRow(
        store_id=request.store_id,
        order_id=f"ord_{uuid7().hex}",
        member_id=member_id,
        fulfilment=request.fulfilment,
        address_text=address.text if address else None,
        address_lat=address.lat if address else None,
        address_lng=address.lng if address else None,
        status="awaiting_payment",
        currency=rules.currency,
        estimate=sums.estimate,
        to_authorize=sums.to_authorize,
        promise_at=promised.promise_at,
        payment_intent_id=None,
        client_secret=None,
        pay_by=now + timedelta(seconds=rules.unpaid_timeout_s),
        failure=None,
    )
    await db.insert_order(
        conn,
        order,
        idempotency_key=key,
        lines=lines,
        line_estimates=[line_cost(x.unit, x.quantity, x.unit_price) for x in lines],
    )
    await db.add_stage(
        conn, store_id=order.store_id, order_id=order.order_id, stage="created", at=now
    )
    return order.store_id, order.order_id


async def _release_stock(conn: asyncpg.Connection, order: db.OrderRow) -> None:
    lines = await db.lines(conn, store_id=order.store_id, order_id=order.order_id)
    await db.release(conn, store_id=order.store_id, amounts={x.sku: x.quantity for x in lines})


async def pay_for(
    pool: asyncpg.Pool, gateway: StripeGateway, clock: Clock, *, store_id: str, order_id: str
) -> db.OrderRow:
    """Create the order's PaymentIntent once; if the gateway fails, undo the reservation."""
    failed: GatewayUnavailable | None = None
    async with pool.acquire() as conn, conn.transaction():
        order = await db.lock_order(conn, store_id=store_id, order_id=order_id)
        if order.payment_intent_id or order.status != "awaiting_payment":
            return order
        try:
            intent = await gateway.authorize(
                order_id=order_id,
                store_id=store_id,
                amount=order.to_authorize,
                currency=order.currency,
            )
        except GatewayUnavailable as exc:
            failed = exc
            await _release_stock(conn, order)
            await db.set_status(
                conn,
                store_id=store_id,
                order_id=order_id,
                status="payment_failed",
                failure=exc.detail,
            )
            await db.add_ledger(
                conn,
                store_id=store_id,
                order_id=order_id,
                kind="authorize_failed",
                amount=order.to_authorize,
                currency=order.currency,
                gateway_id=None,
                at=clock.now(),
            )
        else:
            await db.set_intent(
                conn,
                store_id=store_id,
                order_id=order_id,
                intent_id=intent.id,
                client_secret=intent.client_secret,
            )
            order = await db.lock_order(conn, store_id=store_id, order_id=order_id)
    if failed:
        raise failed
    return order


async def authorized(
    conn: asyncpg.Connection, clock: Clock, *, store_id: str, order_id: str, intent: PaymentIntent
) -> db.OrderRow:
    """The payment is authorized: place the order and tell the other services. Idempotent."""
    order = await db.lock_order(conn, store_id=store_id, order_id=order_id)
    if order.status != "awaiting_payment" or intent.status != "requires_capture":
        return order
    now = clock.now()
    await db.set_status(conn, store_id=store_id, order_id=order_id, status="placed")
    await db.add_stage(conn, store_id=store_id, order_id=order_id, stage="paid", at=now)
    await db.add_ledger(
        conn,
        store_id=store_id,
        order_id=order_id,
        kind="authorize",
        amount=intent.amount,
        currency=order.currency,
        gateway_id=intent.id,
        at=now,
    )
    address = None
    if order.address_text is not None:
        assert order.address_lat is not None and order.address_lng is not None  # stored together
        address = Address(lat=order.address_lat, lng=order.address_lng, text=order.address_text)
    await publish(
        conn,
        OrderPlaced(
            order_id=order_id,
            store_id=store_id,
            member_id=order.member_id,
            fulfilment=order.fulfilment,
            address=address,
            promise_at=order.promise_at,
            currency=order.currency,
            lines=await db.placed_lines(conn, store_id=store_id, order_id=order_id),
        ),
        occurred_at=now,
    )
    ORDERS_PLACED.labels(store_id, "app", order.fulfilment).inc()
    return await db.lock_order(conn, store_id=store_id, order_id=order_id)


async def confirm_payment(
    pool: asyncpg.Pool,
    gateway: StripeGateway,
    clock: Clock,
    order: db.OrderRow,
    payment_method: str,
) -> db.OrderRow:
    """Dev only: confirm with a test card, as the app's Stripe SDK would."""
    if order.status != "awaiting_payment" or order.payment_intent_id is None:
        raise Conflict(f"the order is {order.status}; there is nothing to pay", field="order_id")
    intent = await gateway.confirm(order.payment_intent_id, payment_method)
    if intent.status != "requires_capture":
        raise InvalidInput(f"the card was not authorized ({intent.status})", field="payment_method")
    async with pool.acquire() as conn, conn.transaction():
        return await authorized(
            conn, clock, store_id=order.store_id, order_id=order.order_id, intent=intent
        )


async def cancel(
    conn: asyncpg.Connection,
    clock: Clock,
    order: db.OrderRow,
    *,
    reason: str,
    status: str = "cancelled",
) -> db.OrderRow:
    """Before packing: release the stock, and let the voiding consumer cancel the payment."""
    order = await db.lock_order(conn, store_id=order.store_id, order_id=order.order_id)
    if order.status not in CANCELLABLE:
        raise Conflict(
            f"an order that is {order.status} can no longer be cancelled", field="order_id"
        )
    if await payments.settlement(conn, store_id=order.store_id, order_id=order.order_id):
        raise Conflict("the order is packed and being paid for", field="order_id")
    now = clock.now()
    await _release_stock(conn, order)
    await db.set_status(
        conn, store_id=order.store_id, order_id=order.order_id, status=status, failure=reason
    )
    await db.add_stage(conn, store_id=order.store_id, order_id=order.order_id, stage=status, at=now)
    await publish(
        conn,
        OrderCancelled(order_id=order.order_id, store_id=order.store_id, reason=reason),
        occurred_at=now,
    )
    return await db.lock_order(conn, store_id=order.store_id, order_id=order.order_id)


async def expire_unpaid(pool: asyncpg.Pool, clock: Clock, *, limit: int = 100) -> int:
    """Orders left unpaid past their store's timeout give their stock back."""
    async with pool.acquire() as conn, conn.transaction():
        overdue = await db.overdue_unpaid(conn, now=clock.now(), limit=limit)
        for store_id, order_id in overdue:
            order = await db.lock_order(conn, store_id=store_id, order_id=order_id)
            await cancel(
                conn, clock, order, reason="payment not completed in time", status="expired"
            )
    return len(overdue)
