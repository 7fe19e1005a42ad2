"""The catalog's use cases."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from services.orders.catalog import store as db
from services.orders.catalog.domain import (
    CatalogItem,
    PriceChange,
    Product,
    ProductDefinition,
    StockCount,
    Updated,
    Upserted,
    Zone,
    catalog_item,
    check_definitions,
    check_price_changes,
    check_product,
    check_stock_counts,
    plan_definitions,
)
from services.orders.catalog.paging import (
    Language,
    ProductPage,
    decode_cursor,
    product_page,
    search_text,
)
from services.orders.catalog.substitutes import (
    Substitute,
    named_substitute,
    offer,
    rank_substitutes,
)
from services.orders.stock import store as stock
from services.orders.stores import service as stores
from shared.errors import Conflict, NotFound


async def load_catalog(conn: asyncpg.Connection, store_id: str, products: Sequence[Product]) -> int:
    """Upsert products with their price and stock on hand; returns the store's product count."""
    await stores.get_store(conn, store_id)
    await db.upsert_products(conn, store_id=store_id, products=[check_product(p) for p in products])
    await db.bump_catalog_version(conn, store_id=store_id)
    return await db.count_products(conn, store_id=store_id)


async def search(
    conn: asyncpg.Connection,
    store_id: str,
    *,
    q: str | None = None,
    lang: Language = "en",
    category: str | None = None,
    zone: Zone | None = None,
    cursor: str | None = None,
    limit: int,
) -> ProductPage:
    """A page of the store's products matching a name, brand, category and zone, the most
    relevant first, in the order of `lang`'s names."""
    after = decode_cursor(cursor)
    store = await stores.get_store(conn, store_id)
    rows = await db.search_products(
        conn,
        store_id=store_id,
        q=search_text(q),
        lang=lang,
        category=category,
        zone=zone,
        after=after,
        limit=limit + 1,
    )
    return product_page(rows, store.currency, limit)


async def get_product(conn: asyncpg.Connection, store_id: str, sku: str) -> CatalogItem:
    store = await stores.get_store(conn, store_id)
    product = await db.get_product(conn, store_id=store_id, sku=sku)
    if product is None:
        raise NotFound(f"{store_id} has no product {sku}", field="sku")
    return catalog_item(product, store.currency)


async def substitutes(
    conn: asyncpg.Connection, store_id: str, sku: str, *, quantity: int, preference: str
) -> list[Substitute]:
    """What a picker may offer instead of `quantity` of `sku`, as the line's preference allows,
    each with why a shopper would accept it."""
    store = await stores.get_store(conn, store_id)
    original = await db.get_product(conn, store_id=store_id, sku=sku)
    if original is None:
        raise NotFound(f"{store_id} has no product {sku}", field="sku")
    candidates = await db.substitute_candidates(
        conn,
        store_id=store_id,
        original=original,
        quantity=quantity,
        named=named_substitute(preference),
    )
    return [
        offer(catalog_item(p, store.currency), why)
        for p, why in rank_substitutes(original, candidates, preference, store.currency)
    ]


async def define_products(
    conn: asyncpg.Connection, store_id: str, items: Sequence[ProductDefinition]
) -> Upserted:
    """Create or redefine products (names, codes, prices), all or none; stock is left alone."""
    store = await stores.get_store(conn, store_id)
    check_definitions(items, store.currency)
    existing = await stock.lock_stock(conn, store_id=store_id, skus=[i.sku for i in items])
    owners = await db.ean_owners(conn, store_id=store_id, eans=[i.ean for i in items])
    written = plan_definitions(items, existing, owners)
    try:
        await db.define_products(conn, store_id=store_id, items=items)
    except asyncpg.UniqueViolationError:
        # Products of this request trading EANs (the table checks row by row), or a product
        # given one of these EANs meanwhile.
        raise Conflict(
            "an EAN here is held by another product; products cannot trade EANs in one request",
            field="items",
        ) from None
    await db.bump_catalog_version(conn, store_id=store_id)
    return written


async def change_prices(
    conn: asyncpg.Connection, store_id: str, changes: Sequence[PriceChange]
) -> Updated:
    """New prices for existing products, all or none."""
    store = await stores.get_store(conn, store_id)
    known = await stock.lock_stock(conn, store_id=store_id, skus=[c.sku for c in changes])
    check_price_changes(changes, store.currency, known)
    await db.set_prices(conn, store_id=store_id, changes=changes)
    await db.bump_catalog_version(conn, store_id=store_id)
    return Updated(updated=len(changes))


async def count_stock(
    conn: asyncpg.Connection, store_id: str, counts: Sequence[StockCount]
) -> Updated:
    """Set stock on hand after a stock take, all or none; a count below what online orders
    hold is recorded too (the till rule, stock.store)."""
    await stores.get_store(conn, store_id)
    # Locked, so no order can reserve between the check and the write.
    known = await stock.lock_stock(conn, store_id=store_id, skus=[c.sku for c in counts])
    check_stock_counts(counts, known)
    await stock.set_on_hand(conn, store_id=store_id, counts=counts)
    await db.bump_catalog_version(conn, store_id=store_id)
    return Updated(updated=len(counts))
