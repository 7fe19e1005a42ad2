"""Settling an order once it is packed: charge exactly what was packed, never more than agreed.

Runs as the bus handler of `order.packed`, in steps that each commit on their own (payments'
`orders.settlements` row says which comes next): plan the settlement with the order's row
locked; capture (or void) the authorization with no row locked, then book it; the same for a
second charge above the authorization; then, in one short transaction, take the goods from
stock, mark the order packed and announce the payment. No product row is ever locked while the
payment provider is asked anything. A retry starts at the recorded step: a crash between a
payment call and its booking repeats the call under the same idempotency key, which the provider
answers as the first time, so nothing is captured, charged or taken from stock twice.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime

import asyncpg

from services.orders.order import store as orders
from services.orders.order.store import LineRow, OrderRow
from services.orders.payments import store as payments
from services.orders.payments.domain import (
    Charge,
    Ordered,
    Settlement,
    Step,
    charges,
    first_step,
    settle,
    step_after,
)
from services.orders.payments.gateway import StripeGateway
from services.orders.stock import store as stock
from shared.bus import publish
from shared.events import OrderPacked, PackedLine, PaymentCaptured
from shared.money import Money

SETTLEABLE = frozenset({"placed", "picking", "picked"})


async def settle_packed(
    pool: asyncpg.Pool, gateway: StripeGateway, packed: OrderPacked, *, at: datetime
) -> bool:
    """Capture the final total for a packed order and take its goods from stock, step by step
    (each its own transaction); False if there was nothing (left) to settle."""
    async with pool.acquire() as conn, conn.transaction():
        started = await _start(conn, packed)
    if started is None:
        return False
    order, step, plan = started
    keys = {"store_id": order.store_id, "order_id": order.order_id}
    intent_id = order.payment_intent_id or ""

    async def book(conn: asyncpg.Connection, kind: str, amount: int, gateway_id: str) -> None:
        await payments.add_ledger(
            conn,
            **keys,
            kind=kind,
            amount=amount,
            currency=order.currency,
            gateway_id=gateway_id,
            at=at,
        )

    if step == "capture":
        if plan.capture:
            captured = await gateway.capture(intent_id, plan.capture)
        else:  # nothing was packed: the whole authorization goes back
            captured = await gateway.cancel(intent_id)
        step = step_after("capture", plan)
        async with pool.acquire() as conn, conn.transaction():
            if await payments.advance_settlement(conn, **keys, done="capture", to=step):
                if plan.capture:
                    await book(conn, "capture", plan.capture, captured.id)
                if plan.release:
                    await book(conn, "release", plan.release, intent_id)
    if step == "charge":
        extra = await gateway.charge(
            order_id=order.order_id,
            like=intent_id,
            amount=plan.second_charge,
            currency=order.currency,
        )
        step = step_after("charge", plan)
        async with pool.acquire() as conn, conn.transaction():
            if await payments.advance_settlement(conn, **keys, done="charge", to=step):
                await book(conn, "charge", plan.second_charge, extra.id)
    if step == "stock":
        async with pool.acquire() as conn, conn.transaction():
            await _take_stock(conn, order, packed, plan, at=at)
    return True


async def _start(
    conn: asyncpg.Connection, packed: OrderPacked
) -> tuple[OrderRow, Step, Settlement] | None:
    """The order (its row locked) with its settlement's next step and plan, planned now if the
    order has none; None if nothing is left to do (settled already, cancelled, paid at the
    till)."""
    found = await orders.get_order(conn, order_id=packed.order_id)
    if found is None:
        return None
    order = await orders.lock_order(conn, store_id=found.store_id, order_id=found.order_id)
    keys = {"store_id": order.store_id, "order_id": order.order_id}
    current = await payments.settlement(conn, **keys)
    if current is None:
        if order.status not in SETTLEABLE:
            return None  # cancelled, paid at the till, or settled before settlements were kept
        lines = await orders.lines(conn, **keys)
        entries = await payments.ledger(conn, **keys)
        authorized = sum(e.amount for e in entries if e.kind == "authorize")
        plan = settle(sum(c.charged for c in _charges(lines, packed.lines)), authorized)
        step = first_step(at_door=order.payment_intent_id is None)
        await payments.start_settlement(conn, **keys, plan=plan, step=step)
        return order, step, plan
    if current.step == "done":
        return None
    return order, current.step, current.plan


async def _take_stock(
    conn: asyncpg.Connection,
    order: OrderRow,
    packed: OrderPacked,
    plan: Settlement,
    *,
    at: datetime,
) -> None:
    """The last step: what left the shelf leaves stock, the order is packed, the payment is
    announced. The order's row is locked first, as every writer of an order and its stock
    locks them."""
    keys = {"store_id": order.store_id, "order_id": order.order_id}
    await orders.lock_order(conn, **keys)
    if not await payments.advance_settlement(conn, **keys, done="stock", to="done"):
        return
    lines = await orders.lines(conn, **keys)
    taken: Counter[str] = Counter()
    for line in packed.lines:
        ordered_sku = next(x.sku for x in lines if x.line_no == line.line_no)
        taken[ordered_sku] += line.picked
        if line.substitute:
            taken[line.substitute.sku] += line.substitute.quantity
    await stock.take_from_stock(
        conn,
        store_id=order.store_id,
        taken=dict(taken),
        unreserve={x.sku: x.quantity for x in lines},
    )
    charged = {c.line_no: c.charged for c in _charges(lines, packed.lines)}
    await orders.record_packed_lines(conn, **keys, packed=packed.lines, charged=charged)
    await orders.set_status(conn, **keys, status="packed")
    await orders.add_stage(conn, **keys, stage="packed", at=at)
    if order.payment_intent_id is not None:  # else the rider takes it (`paid_at_door`)
        await publish(
            conn,
            PaymentCaptured(**keys, amount=Money(plan.total, order.currency)),
            occurred_at=at,
        )


async def paid_at_door(conn: asyncpg.Connection, order: OrderRow, *, by: str, at: datetime) -> int:
    """An order paid on delivery is paid as the rider hands it over: its settled total is
    booked as a charge taken at the door (the rider's card terminal, or cash) and announced.
    The caller holds the order's row lock; 0 for any other order, or one booked already."""
    keys = {"store_id": order.store_id, "order_id": order.order_id}
    current = await payments.settlement(conn, **keys) if not order.payment_intent_id else None
    if current is None or current.step != "done":
        return 0  # paid by card, or at the till
    if any(e.kind == "charge" for e in await payments.ledger(conn, **keys)):
        return 0
    total = current.plan.total
    await payments.add_ledger(
        conn, **keys, kind="charge", amount=total, currency=order.currency, gateway_id=by, at=at
    )
    captured = PaymentCaptured(**keys, amount=Money(total, order.currency))
    await publish(conn, captured, occurred_at=at)
    return total


def _charges(lines: Sequence[LineRow], packed: Sequence[PackedLine]) -> list[Charge]:
    ordered = [
        Ordered(
            line_no=x.line_no,
            unit=x.unit,
            quantity=x.quantity,
            unit_price=x.unit_price,
            substitution=x.substitution,
        )
        for x in lines
    ]
    return charges(ordered, packed)
