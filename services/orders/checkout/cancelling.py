"""Undoing a checkout: an order cancelled before packing by its shopper or manager, or left
unpaid past its store's timeout, and a stock claim left by a checkout that died before it
stored its order or gave the claim back (`service`'s phases say how a claim is taken)."""

from __future__ import annotations

import asyncpg

from services.orders.checkout import paying
from services.orders.checkout.views import OrderView, order_view, visible_order
from services.orders.order import store as orders
from services.orders.order.store import OrderRow
from services.orders.payments import store as payments
from services.orders.stock import store as stock
from shared.auth import Principal
from shared.bus import publish
from shared.clock import Clock
from shared.errors import Conflict
from shared.events import OrderCancelled

CANCELLABLE = frozenset({"awaiting_payment", "placed", "picking", "picked"})


async def cancel(
    conn: asyncpg.Connection,
    clock: Clock,
    order: OrderRow,
    *,
    reason: str,
    status: str = "cancelled",
) -> OrderRow:
    """Before packing: release the stock, and let the voiding consumer cancel the payment."""
    keys = {"store_id": order.store_id, "order_id": order.order_id}
    order = await orders.lock_order(conn, **keys)
    if order.status not in CANCELLABLE:
        raise Conflict(
            f"an order that is {order.status} can no longer be cancelled", field="order_id"
        )
    if await payments.settlement(conn, **keys):
        raise Conflict("the order is packed and being paid for", field="order_id")
    now = clock.now()
    await paying.release_stock(conn, order)
    await orders.set_status(conn, **keys, status=status, failure=reason)
    await orders.add_stage(conn, **keys, stage=status, at=now)
    await publish(conn, OrderCancelled(**keys, reason=reason), occurred_at=now)
    return await orders.lock_order(conn, **keys)


async def cancel_by(
    conn: asyncpg.Connection, clock: Clock, principal: Principal, *, order_id: str, reason: str
) -> OrderView:
    """Its shopper or its store's manager cancels the order (see `cancel`)."""
    order = await visible_order(conn, principal, order_id)
    cancelled = await cancel(conn, clock, order, reason=reason)
    return await order_view(conn, cancelled, principal.role)


async def expire_claims(pool: asyncpg.Pool, clock: Clock, *, limit: int = 100) -> int:
    """Claims past their expiry give their stock back: their checkout died before it stored the
    order or gave them back itself."""
    expired = await stock.expired_claims(pool, now=clock.now(), limit=limit)
    for store_id, claim_id in expired:
        await stock.release_claim(pool, store_id=store_id, claim_id=claim_id)
    return len(expired)


async def expire_unpaid(pool: asyncpg.Pool, clock: Clock, *, limit: int = 100) -> int:
    """Orders left unpaid past their store's timeout give their stock back."""
    async with pool.acquire() as conn, conn.transaction():
        overdue = await orders.overdue_unpaid(conn, now=clock.now(), limit=limit)
        for key in overdue:
            order = await orders.lock_order(conn, store_id=key.store_id, order_id=key.order_id)
            await cancel(
                conn, clock, order, reason="payment not completed in time", status="expired"
            )
    return len(overdue)
