"""A basket bagged at the till and sent home by rider: a delivery order that skips picking.

Made in the sale's transaction through the order's own store (and the payment ledger), so the
shopper, the store and the other services see it like any order: already paid (the till took the
money, so there is no PaymentIntent; the ledger books the sale as a charge), already packed, one
bag per temperature zone. `order.placed` says it needs no picking, and `order.packed` follows
it; its lines are read back with the order store's `placed_lines`, so they carry the EANs an
online order's do.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import asyncpg

from services.orders.checkout.domain import Promised
from services.orders.checkout.quotes import NoPromise
from services.orders.metrics import ORDERS_PLACED
from services.orders.order import store as orders
from services.orders.order.store import LineRow, OrderRow
from services.orders.payments import store as payments
from services.orders.sale.domain import Line
from services.orders.till.domain import bags
from shared.bus import publish
from shared.events import Address, OrderPacked, OrderPlaced, PackedLine
from shared.ids import uuid7

WALK_IN = "walk-in"  # the orders.orders member of a basket sent home by someone not a member


def promise_of(promised: Promised | None) -> datetime:
    """When the basket will be at the door: the promise delivery makes for a bagged basket now,
    later than 30 minutes when that is the truth. With none (no rider on shift, the address
    out of reach) the basket stays at the till and nothing is sold."""
    if promised is None or not promised.deliverable or promised.promise_at is None:
        reason = promised.reason if promised else None
        raise NoPromise(reason or "delivery made no promise for this basket", field="deliver_to")
    return promised.promise_at


async def send_home(
    conn: asyncpg.Connection,
    *,
    now: datetime,
    store_id: str,
    sale_id: str,
    member_id: str | None,
    address: Address,
    lines: Sequence[Line],
    currency: str,
    promise_at: datetime,
) -> str:
    """The delivery order of a till sale, packed and announced; returns its id."""
    order_id = f"ord_{uuid7().hex}"
    total = sum(x.amount for x in lines)
    ordered = [
        LineRow(
            line_no=n,
            sku=x.sku,
            name_en=x.name_en,
            name_ja=x.name_ja,
            zone=x.zone,
            unit=x.unit,
            quantity=x.quantity,
            unit_price=x.unit_price,
            estimate=x.amount,
            substitution="none",
            tax_class=x.tax_class,
        )
        for n, x in enumerate(lines, 1)
    ]
    order = OrderRow(
        store_id=store_id,
        order_id=order_id,
        member_id=member_id or WALK_IN,
        fulfilment="delivery",
        address_text=address.text,
        address_lat=address.lat,
        address_lng=address.lng,
        status="packed",
        currency=currency,
        estimate=total,
        to_authorize=total,
        promise_at=promise_at,
        payment_intent_id=None,
        client_secret=None,
        pay_by=now,
        failure=None,
    )
    keys = {"store_id": store_id, "order_id": order_id}
    # The sale id is the order's idempotency key: unique, also among walk-ins' orders.
    await orders.insert_order(
        conn,
        order,
        idempotency_key=sale_id,
        lines=ordered,
        created_at=now,
    )
    await orders.set_status(conn, **keys, status="packed")
    for stage in ("paid", "packed"):
        await orders.add_stage(conn, **keys, stage=stage, at=now)
    await payments.add_ledger(
        conn, **keys, kind="charge", amount=total, currency=currency, gateway_id=sale_id, at=now
    )
    placed = await orders.placed_lines(conn, **keys)
    await publish(
        conn,
        OrderPlaced(
            order_id=order_id,
            store_id=store_id,
            member_id=order.member_id,
            fulfilment="delivery",
            address=address,
            promise_at=order.promise_at,
            lines=placed,
            needs_picking=False,
        ),
        occurred_at=now,
    )
    ORDERS_PLACED.labels(store_id, "till", "delivery").inc()
    await publish(
        conn,
        OrderPacked(
            order_id=order_id,
            store_id=store_id,
            lines=[PackedLine(line_no=x.line_no, sku=x.sku, picked=x.quantity) for x in placed],
            bags=bags(order_id, [x.zone for x in lines]),
        ),
        occurred_at=now,
    )
    return order_id
