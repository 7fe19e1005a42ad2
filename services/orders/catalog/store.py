"""The catalog's queries: one function per query in queries.sql, `conn` first, structs out."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import asyncpg
import msgspec

from services.orders.catalog.domain import PriceChange, Product, ProductDefinition, StockedProduct
from services.orders.catalog.paging import Found, Language, PageKey
from shared.sql import load_queries, row_as, rows_as

Q = load_queries(Path(__file__).with_name("queries.sql"))
# What a definition and a stored product share, column for column (price aside: Money or int).
DEFINED = (
    *("sku", "ean", "name_en", "name_ja", "brand", "category", "zone", "unit"),
    *("description_en", "description_ja", "tax_class", "reading"),
)
# Lists go as JSON texts: unnest cannot take an array of arrays of unequal lengths.
LISTS = ("image_urls", "allergens")


def _columns(
    items: Sequence[Product] | Sequence[ProductDefinition], names: Sequence[str]
) -> dict[str, list[object]]:
    """Each named column as the list of the items' values, for an unnest."""
    columns: dict[str, list[object]] = {c: [getattr(i, c) for i in items] for c in names}
    for c in LISTS:
        columns[c] = [msgspec.json.encode(getattr(i, c)).decode() for i in items]
    return columns


async def upsert_products(
    conn: asyncpg.Connection, *, store_id: str, products: Sequence[Product]
) -> None:
    await conn.execute(
        *Q["upsert_products"](
            store_id=store_id, **_columns(products, (*DEFINED, "price", "on_hand"))
        )
    )


async def count_products(conn: asyncpg.Connection, *, store_id: str) -> int:
    return await conn.fetchval(Q["count_products"], store_id)


async def search_products(
    conn: asyncpg.Connection,
    *,
    store_id: str,
    q: str | None,
    lang: Language,
    category: str | None,
    zone: str | None,
    after: PageKey | None,
    limit: int,
) -> list[Found]:
    """Products matching `q` in relevance then `lang`'s name order, after the key `after`."""
    rows = await conn.fetch(
        *Q["search_products"](
            store_id=store_id,
            q=q,
            lang=lang,
            category=category,
            zone=zone,
            after_tier=after.tier if after else None,
            after_key=after.key if after else None,
            after_sku=after.sku if after else None,
            limit=limit,
        )
    )
    return rows_as(Found, rows)


async def get_product(
    conn: asyncpg.Connection, *, store_id: str, sku: str
) -> StockedProduct | None:
    row = await conn.fetchrow(Q["get_product"], store_id, sku)
    return row_as(StockedProduct, row)


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
        *Q["substitute_candidates"](
            store_id=store_id,
            sku=original.sku,
            unit=original.unit,
            quantity=quantity,
            category=original.category,
            named=named,
        )
    )
    return rows_as(StockedProduct, rows)


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
    await conn.execute(
        *Q["define_products"](
            store_id=store_id,
            price=[item.price.amount for item in items],
            **_columns(items, DEFINED),
        )
    )


async def set_prices(
    conn: asyncpg.Connection, *, store_id: str, changes: Sequence[PriceChange]
) -> None:
    await conn.execute(
        Q["set_prices"], store_id, [c.sku for c in changes], [c.price.amount for c in changes]
    )


async def catalog_version(conn: asyncpg.Connection, *, store_id: str) -> int:
    """The store's catalog version (0 before its first change); see `bump_catalog_version`."""
    return await conn.fetchval(Q["catalog_version"], store_id)


async def bump_catalog_version(conn: asyncpg.Connection, *, store_id: str) -> None:
    """In the transaction that changes the store's prices, definitions, stock counts or
    currency: pages cached under the version before are not served again once it commits."""
    await conn.execute(Q["bump_catalog_version"], store_id)
