"""Refunds after capture: by lines or by amount, never more than was collected and not refunded."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import asyncpg
import msgspec

from services.orders.order import store as orders
from services.orders.order.store import OrderRow
from services.orders.payments import store as payments
from services.orders.payments.domain import failed_delivery_refund, refund_parts
from services.orders.payments.gateway import StripeGateway
from services.orders.payments.store import LedgerRow
from shared.bus import publish
from shared.clock import Clock
from shared.errors import Conflict, InvalidInput
from shared.events import PaymentRefunded
from shared.money import Money


class RefundRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Either an amount (in the order's currency), or the order's line numbers to refund in
    full."""

    amount: Money | None = None
    lines: Annotated[list[int], msgspec.Meta(min_length=1, max_length=100)] | None = None
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class Refunded(msgspec.Struct, frozen=True, kw_only=True):
    order_id: str
    amount: Money
    refund_ids: list[str]


async def refund(
    conn: asyncpg.Connection,
    gateway: StripeGateway,
    clock: Clock,
    order: OrderRow,
    request: RefundRequest,
    *,
    key: str,
) -> Refunded:
    if (request.amount is None) == (request.lines is None):
        raise InvalidInput("send an amount or lines, one of the two", field="amount")
    order = await orders.lock_order(conn, store_id=order.store_id, order_id=order.order_id)
    if order.payment_intent_id is None:
        raise Conflict(
            "this order was paid at the till or at the door, not by card online: "
            "refund it at the till",
            field="order_id",
        )
    keys = {"store_id": order.store_id, "order_id": order.order_id}
    collected, refunded = _sources(await payments.ledger(conn, **keys))
    if not collected:
        raise Conflict(
            f"nothing has been charged on an order that is {order.status}", field="order_id"
        )
    amount = _amount(request.amount, order.currency) if request.amount else 0
    if request.lines is not None:
        charged = {x.line_no: x.charged or 0 for x in await orders.lines(conn, **keys)}
        for i, line_no in enumerate(request.lines):
            if line_no not in charged:
                raise InvalidInput(f"the order has no line {line_no}", field=f"lines[{i}]")
        amount = sum(charged[n] for n in set(request.lines))
    left = sum(got for _, got in collected) - sum(refunded.values())
    if amount > left:
        raise InvalidInput(
            f"at most {left} {order.currency} is left to refund",
            field="amount" if request.amount else "lines",
            refundable=left,
        )
    ids = await _pay_back(
        conn,
        gateway,
        order,
        amount,
        collected=collected,
        refunded=refunded,
        key=key,
        at=clock.now(),
    )
    return Refunded(order_id=order.order_id, amount=Money(amount, order.currency), refund_ids=ids)


def _amount(asked: Money, currency: str) -> int:
    if asked.currency != currency:
        raise InvalidInput(f"this order was charged in {currency}", field="amount.currency")
    if asked.amount <= 0:
        raise InvalidInput("refund more than nothing", field="amount.amount")
    return asked.amount


async def refund_failed_delivery(
    conn: asyncpg.Connection,
    gateway: StripeGateway,
    order: OrderRow,
    *,
    reason: str,
    at: datetime,
) -> int:
    """Give back what the policy gives for a failed delivery (all that is left); the amount.

    The caller holds the order's row lock, and the amount is what the ledger says is left, so a
    second report of the same failure refunds nothing. An order paid at the till (no
    PaymentIntent) is refunded at the till, not through the gateway.
    """
    if order.payment_intent_id is None:
        return 0
    collected, refunded = _sources(
        await payments.ledger(conn, store_id=order.store_id, order_id=order.order_id)
    )
    amount = failed_delivery_refund(
        reason,
        collected=sum(got for _, got in collected),
        refunded=sum(refunded.values()),
    )
    if amount:
        await _pay_back(
            conn,
            gateway,
            order,
            amount,
            collected=collected,
            refunded=refunded,
            key="delivery-failed",
            at=at,
        )
    return amount


def _sources(entries: list[LedgerRow]) -> tuple[list[tuple[str, int]], dict[str, int]]:
    """What each capture and second charge collected (in that order), and what was refunded of
    each already."""
    collected = [(e.gateway_id or "", e.amount) for e in entries if e.kind in ("capture", "charge")]
    refunded: dict[str, int] = {}
    for e in entries:
        if e.kind == "refund" and e.source_id:
            refunded[e.source_id] = refunded.get(e.source_id, 0) + e.amount
    return collected, refunded


async def _pay_back(
    conn: asyncpg.Connection,
    gateway: StripeGateway,
    order: OrderRow,
    amount: int,
    *,
    collected: list[tuple[str, int]],
    refunded: dict[str, int],
    key: str,
    at: datetime,
) -> list[str]:
    """Refund `amount` at the gateway, the capture first, book each part and announce it all.

    Each part's gateway idempotency key is made of `key`, so a retried transaction never
    refunds a part twice at Stripe."""
    keys = {"store_id": order.store_id, "order_id": order.order_id}
    ids = []
    for part in refund_parts(collected, refunded, amount):
        refund_id = await gateway.refund(
            part.source_id, part.amount, key=f"refund-{order.order_id}-{key}-{part.source_id}"
        )
        await payments.add_ledger(
            conn,
            **keys,
            kind="refund",
            amount=part.amount,
            currency=order.currency,
            gateway_id=refund_id,
            at=at,
            source_id=part.source_id,
        )
        ids.append(refund_id)
    paid_back = PaymentRefunded(**keys, amount=Money(amount, order.currency))
    await publish(conn, paid_back, occurred_at=at)
    return ids
