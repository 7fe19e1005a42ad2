"""Checkout's own reads (queries.sql): the store's rules for an order, and what it sells. The
order it stores is written through `services.orders.order.store`, its stock through
`services.orders.stock.store`."""

from __future__ import annotations

from pathlib import Path

import asyncpg
import msgspec

from services.orders.checkout.domain import Sellable
from shared.sql import load_queries

Q = load_queries(Path(__file__).with_name("queries.sql"))


class StoreRules(msgspec.Struct, frozen=True, kw_only=True):
    currency: str
    weighed_buffer_pct: int
    unpaid_timeout_s: int
    lat: float
    lng: float


class Stocked(msgspec.Struct, frozen=True, kw_only=True):
    """A sku as the catalog sells it, and how much of it is left to reserve."""

    product: Sellable
    available: int


class Basket(msgspec.Struct, frozen=True, kw_only=True):
    rules: StoreRules
    stocked: dict[str, Stocked]


async def basket(conn: asyncpg.Connection, *, store_id: str, skus: list[str]) -> Basket | None:
    """The store's rules and what it sells of `skus`; None if there is no such store."""
    rows = await conn.fetch(Q["offer"], store_id, skus)
    if not rows:
        return None
    first = rows[0]
    rules = StoreRules(
        currency=first["currency"],
        weighed_buffer_pct=first["weighed_buffer_pct"],
        unpaid_timeout_s=first["unpaid_timeout_s"],
        lat=first["lat"],
        lng=first["lng"],
    )
    stocked = {
        r["sku"]: Stocked(
            product=Sellable(
                sku=r["sku"],
                name_en=r["name_en"],
                name_ja=r["name_ja"],
                zone=r["zone"],
                unit=r["unit"],
                price=r["price"],
            ),
            available=r["available"],
        )
        for r in rows
        if r["sku"] is not None
    }
    return Basket(rules=rules, stocked=stocked)
