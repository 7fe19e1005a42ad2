"""The handheld's screen queries (queries.sql, beside the PIN queries of pins.py)."""

from __future__ import annotations

from pathlib import Path

import asyncpg

from services.fulfillment.handheld.domain import ParkedTote, StoreFacts
from shared.languages import store_language
from shared.sql import load_queries, rows_as

Q = load_queries(Path(__file__).with_name("queries.sql"))


async def store_facts(conn: asyncpg.Connection, *, store_id: str) -> StoreFacts | None:
    row = await conn.fetchrow(Q["store_facts"], store_id)
    if row is None:
        return None
    return StoreFacts(
        store_id=row["store_id"],
        name=row["name"],
        timezone=row["timezone"],
        language=store_language(row["timezone"]),
    )


async def parked_totes(conn: asyncpg.Connection, *, store_id: str) -> list[ParkedTote]:
    return rows_as(ParkedTote, await conn.fetch(Q["parked_totes"], store_id))
