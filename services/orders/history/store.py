"""History's queries: one function per query in queries.sql."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import asyncpg
import msgspec

from shared.sql import load_queries

Q = load_queries(Path(__file__).with_name("queries.sql"))


class Entry(msgspec.Struct, frozen=True, kw_only=True):
    kind: str  # online_delivery | online_pickup | pickup | till | scan_and_go
    store_id: str
    ref: str  # the order or sale id
    status: str
    amount: int | None
    currency: str
    at: datetime


class Favourite(msgspec.Struct, frozen=True, kw_only=True):
    sku: str
    times: int
    name_en: str
    name_ja: str
    unit: str
    price: int
    currency: str
    available: int  # pieces, or grams for `kg`


async def timeline(
    conn: asyncpg.Connection, *, member_id: str, before: datetime | None, limit: int
) -> list[Entry]:
    rows = await conn.fetch(Q["timeline"], member_id, before, limit)
    return [msgspec.convert(dict(r), Entry) for r in rows]


async def buy_again(
    conn: asyncpg.Connection, *, member_id: str, store_id: str, limit: int
) -> list[Favourite]:
    rows = await conn.fetch(Q["buy_again"], member_id, store_id, limit)
    return [msgspec.convert(dict(r), Favourite) for r in rows]
