"""The catalog's queries: one function per query in queries.sql, `conn` first, structs out."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import asyncpg
import msgspec

from services.orders.catalog.domain import (
    PriceChange,
    Product,
    ProductDefinition,
    StockCount,
    StockedProduct,
    StockRow,
)
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


async def search_products(
    conn: asyncpg.Connection,
    *,
    store_id: str,
    pattern: str | None,
    category: str | None,
    zone: str | None,
    after: tuple[str, str] | None,
    limit: int,
) -> list[StockedProduct]:
    """Products in (name_en, sku) order after the key `after`; `pattern` is for ILIKE."""
    name_en, sku = after or (None, None)
    rows = await conn.fetch(
        Q["search_products"], store_id, pattern, category, zone, name_en, sku, limit
    )
    return [msgspec.convert(dict(row), StockedProduct) for row in rows]


async def get_product(
    conn: asyncpg.Connection, *, store_id: str, sku: str
) -> StockedProduct | None:
    row = await conn.fetchrow(Q["get_product"], store_id, sku)
    return msgspec.convert(dict(row), StockedProduct) if row else None


async def substitute_candidates(
    conn: asyncpg.Connection,
    *,
    store_id: str,
    original: Product,
    quantity: int,
    named: str | None,
) -> list[StockedProduct]:
    """Products of `original`'s unit and category, or the `named` sku, with `quantity` available."""
    rows = await conn.fetch(
        Q["substitute_candidates"],
        store_id,
        original.sku,
        original.unit,
        quantity,
        original.category,
        named,
    )
    return [msgspec.convert(dict(row), StockedProduct) for row in rows]


async def lock_stock(
    conn: asyncpg.Connection, *, store_id: str, skus: Sequence[str]
) -> dict[str, StockRow]:
    """The stock rows of those of `skus` that exist, locked until the transaction ends."""
    rows = await conn.fetch(Q["lock_stock"], store_id, list(skus))
    return {row["sku"]: msgspec.convert(dict(row), StockRow) for row in rows}


async def ean_owners(
    conn: asyncpg.Connection, *, store_id: str, eans: Sequence[str]
) -> dict[str, str]:
    """The sku holding each of `eans` that some product of the store holds."""
    return {
        row["ean"]: row["sku"] for row in await conn.fetch(Q["ean_owners"], store_id, list(eans))
    }


async def define_products(
    conn: asyncpg.Connection, *, store_id: str, items: Sequence[ProductDefinition]
) -> None:
    columns = ("sku", "ean", "name_en", "name_ja", "brand", "category", "zone", "unit")
    await conn.execute(
        Q["define_products"],
        store_id,
        *([getattr(item, column) for item in items] for column in columns),
        [item.price.amount for item in items],
    )


async def set_prices(
    conn: asyncpg.Connection, *, store_id: str, changes: Sequence[PriceChange]
) -> None:
    await conn.execute(
        Q["set_prices"], store_id, [c.sku for c in changes], [c.price.amount for c in changes]
    )


async def set_on_hand(
    conn: asyncpg.Connection, *, store_id: str, counts: Sequence[StockCount]
) -> None:
    await conn.execute(
        Q["set_on_hand"], store_id, [c.sku for c in counts], [c.on_hand for c in counts]
    )
