"""On-behalf orders' queries (queries.sql): the receipt's codes, and tracking by code. The order
itself is written through `services.orders.order.store`, as checkout writes it."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import asyncpg
import msgspec

from services.orders.on_behalf.domain import Payment
from shared.events import Fulfilment, OrderStatus
from shared.sql import load_queries, row_as

Q = load_queries(Path(__file__).with_name("queries.sql"))


class Codes(msgspec.Struct, frozen=True, kw_only=True):
    """What the receipt prints, and how the member pays."""

    payment: Payment
    tracking_code: str
    handover_code: str | None


async def insert_codes(
    conn: asyncpg.Connection,
    *,
    store_id: str,
    order_id: str,
    placed_by: str,
    codes: Codes,
    at: datetime,
) -> None:
    await conn.execute(
        *Q["insert_codes"](
            store_id=store_id,
            order_id=order_id,
            placed_by=placed_by,
            payment=codes.payment,
            tracking_code=codes.tracking_code,
            handover_code=codes.handover_code,
            placed_at=at,
        )
    )


async def codes_of(conn: asyncpg.Connection, *, store_id: str, order_id: str) -> Codes | None:
    """The receipt's codes; None for an order not placed on anyone's behalf."""
    row = await conn.fetchrow(*Q["codes_of"](store_id=store_id, order_id=order_id))
    return row_as(Codes, row)


class TrackedRow(msgspec.Struct, frozen=True, kw_only=True):
    tracking_code: str
    store_id: str
    order_id: str
    timezone: str
    fulfilment: Fulfilment
    status: OrderStatus
    promise_at: datetime
    eta: datetime | None
    pickup_slot: str | None


async def tracked(conn: asyncpg.Connection, *, tracking_code: str) -> TrackedRow | None:
    """The order a tracking code follows; None when no order has it."""
    return row_as(TrackedRow, await conn.fetchrow(*Q["tracked"](tracking_code=tracking_code)))
