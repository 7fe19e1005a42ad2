"""Fulfillment's use cases."""

from __future__ import annotations

import asyncpg

from services.fulfillment import store as db
from services.fulfillment.domain import Bin, walk_order
from shared.errors import NotFound


async def _known_store(conn: asyncpg.Connection, store_id: str) -> None:
    if not await db.store_exists(conn, store_id=store_id):
        raise NotFound(f"fulfillment knows no store {store_id}", field="store_id")


async def pick_path(conn: asyncpg.Connection, store_id: str) -> list[Bin]:
    """Every bin of the store in walking order."""
    await _known_store(conn, store_id)
    return walk_order(await db.list_bins(conn, store_id=store_id))


async def pickers(conn: asyncpg.Connection, store_id: str) -> list[db.Picker]:
    await _known_store(conn, store_id)
    return await db.list_pickers(conn, store_id=store_id)


async def queued_tasks(conn: asyncpg.Connection, store_id: str) -> list[db.QueuedTask]:
    await _known_store(conn, store_id)
    return await db.queue(conn, store_id=store_id)
