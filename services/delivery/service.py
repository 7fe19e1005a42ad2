"""Delivery's use cases."""

from __future__ import annotations

import asyncpg

from services.delivery import store as db
from services.delivery.domain import Coverage, coverage
from shared.errors import NotFound


async def check_coverage(
    conn: asyncpg.Connection, store_id: str, lat: float, lng: float
) -> Coverage:
    zone = await db.get_zone(conn, store_id=store_id)
    if zone is None:
        raise NotFound(f"delivery knows no store {store_id}", field="store_id")
    return coverage(zone, lat, lng)


async def riders(conn: asyncpg.Connection, store_id: str) -> list[db.Rider]:
    return await db.list_riders(conn, store_id=store_id)
