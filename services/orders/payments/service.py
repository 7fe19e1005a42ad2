"""Settling an order once it is packed: charge exactly what was packed, never more than agreed.

Runs as the bus handler of `order.packed`, in its transaction. The gateway is called while only
this order's row is locked; stock rows are touched after, briefly. A redelivered event finds the
order settled and changes nothing.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

import asyncpg

from services.orders.checkout import store as db
from services.orders.payments.domain import Ordered, charges, settle
from services.orders.payments.gateway import StripeGateway
from shared.bus import publish
from shared.events import OrderPacked, PaymentCaptured

SETTLEABLE = frozenset({"placed", "picking", "picked"})


async def settle_packed(
    conn: asyncpg.Connection, gateway: StripeGateway, packed: OrderPacked, *, at: datetime
) -> bool:
    """Capture the final total for a packed order; False if there was nothing to settle."""
    found = await db.get_order(conn, order_id=packed.order_id)
    if found is None:
        return False
    order = await db.lock_order(conn, store_id=found.store_id, order_id=found.order_id)
    if order.status not in SETTLEABLE or order.payment_intent_id is None:
        return False  # settled already, cancelled, or paid at the till
    keys = {"store_id": order.store_id, "order_id": order.order_id}
    lines = await db.lines(conn, **keys)
    per_line = charges(
        [
            Ordered(
                line_no=x.line_no,
                unit=x.unit,
                quantity=x.quantity,
                unit_price=x.unit_price,
                substitution=x.substitution,
            )
            for x in lines
        ],
        packed.lines,
    )
    authorized = sum(e.amount for e in await db.ledger(conn, **keys) if e.kind == "authorize")
    plan = settle(sum(c.charged for c in per_line), authorized)

    def book(kind: str, amount: int, gateway_id: str | None) -> object:
        return db.add_ledger(
            conn,
            **keys,
            kind=kind,
            amount=amount,
            currency=order.currency,
            gateway_id=gateway_id,
            at=at,
        )

    if plan.capture:
        captured = await gateway.capture(order.payment_intent_id, plan.capture)
        await book("capture", plan.capture, captured.id)
    else:
        await gateway.cancel(order.payment_intent_id)
    if plan.release:
        await book("release", plan.release, order.payment_intent_id)
    if plan.second_charge:
        extra = await gateway.charge(
            order_id=order.order_id,
            like=order.payment_intent_id,
            amount=plan.second_charge,
            currency=order.currency,
        )
        await book("charge", plan.second_charge, extra.id)

    taken: Counter[str] = Counter()
    for line in packed.lines:
        ordered_sku = next(x.sku for x in lines if x.line_no == line.line_no)
        taken[ordered_sku] += line.picked
        if line.substitute:
            taken[line.substitute.sku] += line.substitute.quantity
    await db.take_from_stock(
        conn,
        store_id=order.store_id,
        taken=dict(taken),
        unreserve={x.sku: x.quantity for x in lines},
    )
    await db.record_packed_lines(
        conn, **keys, packed=packed.lines, charged={c.line_no: c.charged for c in per_line}
    )
    await db.set_status(conn, **keys, status="packed")
    await db.add_stage(conn, **keys, stage="packed", at=at)
    await publish(
        conn,
        PaymentCaptured(
            order_id=order.order_id,
            store_id=order.store_id,
            amount=plan.total,
            currency=order.currency,
        ),
        occurred_at=at,
    )
    return True
