"""Webhooks' queries: one function per query in queries.sql, `conn` first, structs out."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from uuid import UUID

import asyncpg
import msgspec

from services.orders.webhooks.domain import Delivery, Endpoint
from shared.sql import load_queries, rows_as

Q = load_queries(Path(__file__).with_name("queries.sql"))


class Due(msgspec.Struct, frozen=True, kw_only=True):
    """A delivery leased to this sender, with where and how to send it."""

    store_id: str
    endpoint_id: str
    event_id: UUID
    topic: str
    body: bytes
    attempts: int
    url: str
    secret: str
    disabled_at: datetime | None


async def insert_endpoint(
    conn: asyncpg.Connection,
    *,
    store_id: str,
    endpoint_id: str,
    url: str,
    topics: list[str],
    description: str,
    secret: str,
    at: datetime,
) -> None:
    await conn.execute(
        *Q["insert_endpoint"](
            store_id=store_id,
            endpoint_id=endpoint_id,
            url=url,
            topics=topics,
            description=description,
            secret=secret,
            at=at,
        )
    )


async def list_endpoints(conn: asyncpg.Connection, *, store_id: str) -> list[Endpoint]:
    return rows_as(Endpoint, await conn.fetch(Q["list_endpoints"], store_id))


async def disable_endpoint(
    conn: asyncpg.Connection, *, store_id: str, endpoint_id: str, at: datetime
) -> bool:
    return await conn.fetchval(Q["disable_endpoint"], store_id, endpoint_id, at) is not None


async def fan_out(
    conn: asyncpg.Connection,
    *,
    store_id: str,
    event_id: UUID,
    seq: int,
    topic: str,
    body: bytes,
    at: datetime,
) -> None:
    await conn.execute(
        *Q["fan_out"](store_id=store_id, event_id=event_id, seq=seq, topic=topic, body=body, at=at)
    )


async def claim_due(
    conn: asyncpg.Connection, *, now: datetime, lease: timedelta, limit: int
) -> list[Due]:
    return rows_as(Due, await conn.fetch(*Q["claim_due"](now=now, lease=lease, limit=limit)))


async def record_try(
    conn: asyncpg.Connection,
    due: Due,
    *,
    at: datetime,
    status: int | None,
    error: str | None,
    delivered: bool,
    next_at: datetime | None,
) -> None:
    await conn.execute(
        *Q["record_try"](
            store_id=due.store_id,
            endpoint_id=due.endpoint_id,
            event_id=due.event_id,
            at=at,
            status=status,
            error=error,
            delivered=delivered,
            next_at=next_at,
        )
    )


async def deliveries_of(
    conn: asyncpg.Connection, *, store_id: str, endpoint_id: str, before_seq: int | None, limit: int
) -> list[Delivery]:
    rows = await conn.fetch(Q["deliveries_of"], store_id, endpoint_id, before_seq, limit)
    return rows_as(Delivery, rows)


async def redeliver(
    conn: asyncpg.Connection, *, store_id: str, endpoint_id: str, event_id: UUID, at: datetime
) -> bool:
    found = await conn.fetchval(Q["redeliver"], store_id, endpoint_id, event_id, at)
    return found is not None
