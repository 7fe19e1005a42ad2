"""Checkout's own reads (queries.sql): the store's rules for an order, and what it sells. The
order it stores is written through `services.orders.order.store`, its stock through
`services.orders.stock.store`."""

from __future__ import annotations

from pathlib import Path

import asyncpg
import msgspec

from services.orders.checkout.domain import Sellable
from shared.sql import load_queries, row_as, rows_as

Q = load_queries(Path(__file__).with_name("queries.sql"))


class StoreRules(msgspec.Struct, frozen=True, kw_only=True):
    currency: str
    weighed_buffer_pct: int
    unpaid_timeout_s: int
    lat: float
    lng: float


async def store_rules(conn: asyncpg.Connection, *, store_id: str) -> StoreRules | None:
    return row_as(StoreRules, await conn.fetchrow(Q["store_rules"], store_id))


async def sellable(
    conn: asyncpg.Connection, *, store_id: str, skus: list[str]
) -> dict[str, Sellable]:
    return {s.sku: s for s in rows_as(Sellable, await conn.fetch(Q["sellable"], store_id, skus))}
