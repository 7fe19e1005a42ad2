"""Fulfillment's queries: one function per query in queries.sql."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import asyncpg
import msgspec

from services.fulfillment.domain import Bin
from shared.sql import load_queries

Q = load_queries(Path(__file__).with_name("queries.sql"))


class Picker(msgspec.Struct, frozen=True):
    picker_id: str
    name: str


async def upsert_store(
    conn: asyncpg.Connection, *, store_id: str, name: str, timezone: str, updated_at: datetime
) -> None:
    await conn.execute(Q["upsert_store"], store_id, name, timezone, updated_at)


async def store_exists(conn: asyncpg.Connection, *, store_id: str) -> bool:
    return await conn.fetchval(Q["store_exists"], store_id)


async def upsert_bins(conn: asyncpg.Connection, *, store_id: str, bins: Sequence[Bin]) -> None:
    await conn.execute(
        Q["upsert_bins"],
        store_id,
        *(
            [getattr(b, column) for b in bins]
            for column in ("sku", "zone", "aisle", "bay", "shelf")
        ),
    )


async def list_bins(conn: asyncpg.Connection, *, store_id: str) -> list[Bin]:
    return [msgspec.convert(dict(r), Bin) for r in await conn.fetch(Q["list_bins"], store_id)]


async def add_pickers(
    conn: asyncpg.Connection, *, store_id: str, pickers: Sequence[Picker]
) -> None:
    await conn.execute(
        Q["add_pickers"], store_id, [p.picker_id for p in pickers], [p.name for p in pickers]
    )


async def list_pickers(conn: asyncpg.Connection, *, store_id: str) -> list[Picker]:
    return [
        Picker(r["picker_id"], r["name"]) for r in await conn.fetch(Q["list_pickers"], store_id)
    ]
