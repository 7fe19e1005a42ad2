"""Refunds after capture: by lines or by amount, never more than was collected and not refunded."""

from __future__ import annotations

from typing import Annotated

import asyncpg
import msgspec

from services.orders.checkout import store as db
from services.orders.payments.domain import refund_parts
from services.orders.payments.gateway import StripeGateway
from shared.bus import publish
from shared.clock import Clock
from shared.errors import Conflict, InvalidInput
from shared.events import PaymentRefunded


class RefundRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Either an amount in minor units, or the order's line numbers to refund in full."""

    amount: Annotated[int, msgspec.Meta(gt=0)] | None = None
    lines: Annotated[list[int], msgspec.Meta(min_length=1, max_length=100)] | None = None
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class Refunded(msgspec.Struct, frozen=True, kw_only=True):
    order_id: str
    amount: int
    currency: str
    refund_ids: list[str]


async def refund(
    conn: asyncpg.Connection,
    gateway: StripeGateway,
    clock: Clock,
    order: db.OrderRow,
    request: RefundRequest,
    *,
    key: str,
) -> Refunded:
    if (request.amount is None) == (request.lines is None):
        raise InvalidInput("send an amount or lines, one of the two", field="amount")
    order = await db.lock_order(conn, store_id=order.store_id, order_id=order.order_id)
    keys = {"store_id": order.store_id, "order_id": order.order_id}
    entries = await db.ledger(conn, **keys)
    collected = [(e.gateway_id or "", e.amount) for e in entries if e.kind in ("capture", "charge")]
    if not collected:
        raise Conflict(
            f"nothing has been charged on an order that is {order.status}", field="order_id"
        )
    amount = request.amount or 0
    if request.lines is not None:
        charged = {x.line_no: x.charged or 0 for x in await db.lines(conn, **keys)}
        for i, line_no in enumerate(request.lines):
            if line_no not in charged:
                raise InvalidInput(f"the order has no line {line_no}", field=f"lines[{i}]")
        amount = sum(charged[n] for n in set(request.lines))
    refunded: dict[str, int] = {}
    for e in entries:
        if e.kind == "refund" and e.source_id:
            refunded[e.source_id] = refunded.get(e.source_id, 0) + e.amount
    left = sum(got for _, got in collected) - sum(refunded.values())
    if amount > left:
        raise InvalidInput(
            f"at most {left} {order.currency} is left to refund",
            field="amount" if request.amount else "lines",
            refundable=left,
        )
    now = clock.now()
    ids = []
    for part in refund_parts(collected, refunded, amount):
        refund_id = await gateway.refund(
            part.source_id, part.amount, key=f"refund-{order.order_id}-{key}-{part.source_id}"
        )
        await db.add_ledger(
            conn,
            **keys,
            kind="refund",
            amount=part.amount,
            currency=order.currency,
            gateway_id=refund_id,
            at=now,
            source_id=part.source_id,
        )
        ids.append(refund_id)
    await publish(
        conn,
        PaymentRefunded(
            order_id=order.order_id, store_id=order.store_id, amount=amount, currency=order.currency
        ),
        occurred_at=now,
    )
    return Refunded(order_id=order.order_id, amount=amount, currency=order.currency, refund_ids=ids)
