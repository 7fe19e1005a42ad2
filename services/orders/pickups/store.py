"""Pickups' queries: one function per query in queries.sql, `conn` first, structs out."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import asyncpg

from services.orders.pickups.domain import PickupState
from shared.sql import load_queries, row_as

Q = load_queries(Path(__file__).with_name("queries.sql"))


async def pickup_state(
    conn: asyncpg.Connection, *, store_id: str, order_id: str
) -> PickupState | None:
    row = await conn.fetchrow(Q["pickup_state"], store_id, order_id)
    return row_as(PickupState, row)


async def issue_code(
    conn: asyncpg.Connection, *, store_id: str, order_id: str, now: datetime
) -> None:
    """The order's first code (version 1), unless it has one already."""
    await conn.execute(Q["issue_code"], store_id, order_id, now)


async def reissue_code(
    conn: asyncpg.Connection,
    *,
    store_id: str,
    order_id: str,
    now: datetime,
    gift_phone: str | None,
    gift_note: str | None,
) -> int:
    """The order's next code version, which kills every earlier one."""
    return await conn.fetchval(Q["reissue_code"], store_id, order_id, now, gift_phone, gift_note)


async def mark_collected(
    conn: asyncpg.Connection, *, store_id: str, order_id: str, now: datetime, by: str
) -> None:
    await conn.execute(Q["mark_collected"], store_id, order_id, now, by)
