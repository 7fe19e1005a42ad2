"""The catalog's use cases."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from services.orders.catalog import store as db
from services.orders.catalog.domain import Product, check_product
from services.orders.stores import service as stores


async def load_catalog(conn: asyncpg.Connection, store_id: str, products: Sequence[Product]) -> int:
    """Upsert products with their price and stock on hand; returns the store's product count."""
    await stores.get_store(conn, store_id)
    await db.upsert_products(conn, store_id=store_id, products=[check_product(p) for p in products])
    return await db.count_products(conn, store_id=store_id)
