"""History's queries: one function per query in queries.sql."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import asyncpg

from services.orders.history.domain import Entry, Favourite
from shared.sql import load_queries, rows_as

Q = load_queries(Path(__file__).with_name("queries.sql"))


async def timeline(
    conn: asyncpg.Connection, *, member_id: str, before: datetime | None, limit: int
) -> list[Entry]:
    return rows_as(Entry, await conn.fetch(Q["timeline"], member_id, before, limit))


async def buy_again(
    conn: asyncpg.Connection, *, member_id: str, store_id: str, limit: int
) -> list[Favourite]:
    return rows_as(Favourite, await conn.fetch(Q["buy_again"], member_id, store_id, limit))
