"""History's queries: one function per query in queries.sql."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import asyncpg

from services.orders.history.domain import Entry, Favourite
from shared.money import priced
from shared.sql import load_queries, rows_as

Q = load_queries(Path(__file__).with_name("queries.sql"))


async def timeline(
    conn: asyncpg.Connection, *, member_id: str, after: tuple[datetime, str] | None, limit: int
) -> list[Entry]:
    """Newest first, after the page's cursor (the last shown's time and ref) if any."""
    at, ref = after or (None, None)
    rows = await conn.fetch(Q["timeline"], member_id, at, ref, limit)
    return rows_as(Entry, (priced(r, "amount") for r in rows))


async def buy_again(
    conn: asyncpg.Connection, *, member_id: str, store_id: str, limit: int
) -> list[Favourite]:
    rows = await conn.fetch(Q["buy_again"], member_id, store_id, limit)
    return rows_as(Favourite, (priced(r, "price") for r in rows))
