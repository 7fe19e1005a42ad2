"""The catalog's queries: one function per query in queries.sql, `conn` first, structs out."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import asyncpg

from services.orders.catalog.domain import Product
from shared.sql import load_queries

Q = load_queries(Path(__file__).with_name("queries.sql"))


async def upsert_products(
    conn: asyncpg.Connection, *, store_id: str, products: Sequence[Product]
) -> None:
    columns = (
        "sku",
        "ean",
        "name_en",
        "name_ja",
        "brand",
        "category",
        "zone",
        "unit",
        "price",
        "on_hand",
    )
    await conn.execute(
        Q["upsert_products"],
        store_id,
        *([getattr(p, column) for p in products] for column in columns),
    )


async def count_products(conn: asyncpg.Connection, *, store_id: str) -> int:
    return await conn.fetchval(Q["count_products"], store_id)
