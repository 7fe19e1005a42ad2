"""Stores' queries: one function per query in queries.sql, `conn` first, structs out."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import asyncpg

from services.orders.stores.domain import BarcodePrefixes, BoundingBox, Store
from shared.sql import load_queries, row_as, rows_as

Q = load_queries(Path(__file__).with_name("queries.sql"))


def _store_params(store: Store, now: datetime) -> dict[str, object]:
    return {
        "store_id": store.store_id,
        "name": store.name,
        "lat": store.lat,
        "lng": store.lng,
        "radius_m": store.radius_m,
        "currency": store.currency,
        "timezone": store.timezone,
        "now": now,
    }


async def insert_store(
    conn: asyncpg.Connection, store: Store, *, now: datetime
) -> BarcodePrefixes | None:
    """The new store's barcode prefixes; None if a store with that id exists already."""
    row = await conn.fetchrow(*Q["insert_store"](**_store_params(store, now)))
    return row_as(BarcodePrefixes, row)


async def update_store(
    conn: asyncpg.Connection, store: Store, *, now: datetime
) -> BarcodePrefixes | None:
    """The store's barcode prefixes; None if there is no such store."""
    row = await conn.fetchrow(*Q["update_store"](**_store_params(store, now)))
    return row_as(BarcodePrefixes, row)


async def get_store(conn: asyncpg.Connection, *, store_id: str) -> Store | None:
    row = await conn.fetchrow(Q["get_store"], store_id)
    return row_as(Store, row)


async def stores_in_box(conn: asyncpg.Connection, *, box: BoundingBox) -> list[Store]:
    rows = await conn.fetch(Q["stores_in_box"], box.min_lat, box.max_lat, *box.west, *box.east)
    return rows_as(Store, rows)
