"""Stores' queries: one function per query in queries.sql, `conn` first, structs out."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import asyncpg
import msgspec

from services.orders.stores.domain import BarcodePrefixes, BoundingBox, Store
from shared.sql import load_queries

Q = load_queries(Path(__file__).with_name("queries.sql"))


def _store_row(store: Store, now: datetime) -> tuple:
    return (
        store.store_id,
        store.name,
        store.lat,
        store.lng,
        store.radius_m,
        store.currency,
        store.timezone,
        now,
    )


async def insert_store(
    conn: asyncpg.Connection, store: Store, *, now: datetime
) -> BarcodePrefixes | None:
    """The new store's barcode prefixes; None if a store with that id exists already."""
    row = await conn.fetchrow(Q["insert_store"], *_store_row(store, now))
    return msgspec.convert(dict(row), BarcodePrefixes) if row else None


async def update_store(
    conn: asyncpg.Connection, store: Store, *, now: datetime
) -> BarcodePrefixes | None:
    """The store's barcode prefixes; None if there is no such store."""
    row = await conn.fetchrow(Q["update_store"], *_store_row(store, now))
    return msgspec.convert(dict(row), BarcodePrefixes) if row else None


async def get_store(conn: asyncpg.Connection, *, store_id: str) -> Store | None:
    row = await conn.fetchrow(Q["get_store"], store_id)
    return msgspec.convert(dict(row), Store) if row else None


async def stores_in_box(conn: asyncpg.Connection, *, box: BoundingBox) -> list[Store]:
    rows = await conn.fetch(Q["stores_in_box"], box.min_lat, box.max_lat, *box.west, *box.east)
    return [msgspec.convert(dict(row), Store) for row in rows]
