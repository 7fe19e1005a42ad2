"""History's use cases: a member's own timeline and favourites."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from services.orders.history import store as db
from services.orders.history.domain import Entry, Favourite
from services.orders.stores import service as stores


async def timeline(
    conn: asyncpg.Connection, *, member_id: str, before: datetime | None, limit: int
) -> list[Entry]:
    """Every channel's purchases of the member, newest first, before `before` if given."""
    return await db.timeline(conn, member_id=member_id, before=before, limit=limit)


async def buy_again(
    conn: asyncpg.Connection, *, member_id: str, store_id: str, limit: int
) -> list[Favourite]:
    """What the member buys most often, as `store_id` (which must exist) sells it today."""
    await stores.get_store(conn, store_id)
    return await db.buy_again(conn, member_id=member_id, store_id=store_id, limit=limit)
