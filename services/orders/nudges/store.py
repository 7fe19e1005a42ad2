"""Nudges' queries (queries.sql): one function per query, `conn` first, structs out. The table
`orders.nudges` is written here only; the rest is read."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import asyncpg
import msgspec

from services.orders.checkout.domain import FINISHED
from services.orders.nudges.rules import Channel, Kind, Nudge, Product, Received, Withheld
from shared.sql import load_queries, row_as, rows_as

Q = load_queries(Path(__file__).with_name("queries.sql"))
NOT_PLACED = frozenset({"awaiting_payment", "payment_failed", "expired", "cancelled"})
ARRIVED = FINISHED - NOT_PLACED  # delivered, collected


class MemberNow(msgspec.Struct, frozen=True, kw_only=True):
    channel: Channel | None
    phone: str | None
    ordered_online: bool
    last_nudged_at: datetime | None


class Due(msgspec.Struct, frozen=True, kw_only=True):
    store_id: str
    nudge_id: str
    member_id: str
    kind: Kind
    channel: Channel
    message: str
    created_at: datetime


class Sent(msgspec.Struct, frozen=True, kw_only=True):
    store_id: str
    nudge_id: str
    sent_at: datetime


class KindCounts(msgspec.Struct, frozen=True, kw_only=True):
    kind: Kind
    made: int
    sent: int
    withheld: int
    opened: int
    ordered: int


async def member_now(
    conn: asyncpg.Connection, *, member_id: str, since: datetime
) -> MemberNow | None:
    """The member's consent, phone, online orders since `since` (or on their way) and last
    nudge; None for no member (or one who deleted their account)."""
    row = await conn.fetchrow(
        *Q["member"](
            member_id=member_id,
            since=since,
            not_placed=sorted(NOT_PLACED),
            finished=sorted(ARRIVED),
        )
    )
    return row_as(MemberNow, row)


async def often_short(
    conn: asyncpg.Connection,
    *,
    store_id: str,
    member_id: str,
    often: int,
    bought_since: datetime,
    short_since: datetime,
) -> list[str]:
    rows = await conn.fetch(
        *Q["often_short"](
            store_id=store_id,
            member_id=member_id,
            often=often,
            bought_since=bought_since,
            short_since=short_since,
        )
    )
    return [r["sku"] for r in rows]


async def liked(conn: asyncpg.Connection, *, store_id: str, member_id: str) -> list[str]:
    rows = await conn.fetch(*Q["liked"](store_id=store_id, member_id=member_id))
    return [r["sku"] for r in rows]


async def products(
    conn: asyncpg.Connection, *, store_id: str, skus: Sequence[str]
) -> dict[str, Product]:
    rows = await conn.fetch(*Q["products"](store_id=store_id, skus=sorted(set(skus))))
    return {p.sku: p for p in rows_as(Product, rows)}


async def order_skus(conn: asyncpg.Connection, *, store_id: str, order_id: str) -> list[str]:
    rows = await conn.fetch(*Q["order_skus"](store_id=store_id, order_id=order_id))
    return [r["sku"] for r in rows]


async def order_member(conn: asyncpg.Connection, *, store_id: str, order_id: str) -> str | None:
    return await conn.fetchval(*Q["order_member"](store_id=store_id, order_id=order_id))


async def insert(
    conn: asyncpg.Connection,
    *,
    store_id: str,
    nudge_id: str,
    member_id: str,
    visit: str,
    nudge: Nudge,
    at: datetime,
) -> None:
    await conn.execute(
        *Q["insert_nudge"](
            store_id=store_id,
            nudge_id=nudge_id,
            member_id=member_id,
            visit=visit,
            kind=nudge.kind,
            channel=nudge.channel,
            skus=nudge.skus,
            message=nudge.message,
            created_at=at,
        )
    )


async def due(conn: asyncpg.Connection, *, limit: int) -> list[Due]:
    """Nudges waiting to go, locked (others' skipped) until the transaction ends."""
    return rows_as(Due, await conn.fetch(*Q["due"](limit=limit)))


async def mark_sent(
    conn: asyncpg.Connection, *, store_id: str, nudge_id: str, channel: Channel, at: datetime
) -> None:
    """Sent by `channel` (the member's consent now, which they may have changed since)."""
    await conn.execute(
        *Q["mark_sent"](store_id=store_id, nudge_id=nudge_id, channel=channel, at=at)
    )


async def unsend(conn: asyncpg.Connection, *, nudge_id: str) -> None:
    """The sender failed: the nudge is due again."""
    await conn.execute(*Q["unsend"](nudge_id=nudge_id))


async def withhold(
    conn: asyncpg.Connection, *, store_id: str, nudge_id: str, why: Withheld
) -> None:
    await conn.execute(*Q["withhold"](store_id=store_id, nudge_id=nudge_id, why=why))


async def open_nudge(
    conn: asyncpg.Connection, *, member_id: str, nudge_id: str, at: datetime
) -> bool:
    """False when the member has no such nudge sent."""
    found = await conn.fetchval(*Q["open"](member_id=member_id, nudge_id=nudge_id, at=at))
    return found is not None


async def last_sent(conn: asyncpg.Connection, *, member_id: str) -> Sent | None:
    return row_as(Sent, await conn.fetchrow(*Q["last_sent"](member_id=member_id)))


async def follow(
    conn: asyncpg.Connection, *, store_id: str, nudge_id: str, order_id: str, at: datetime
) -> None:
    await conn.execute(*Q["follow"](store_id=store_id, nudge_id=nudge_id, order_id=order_id, at=at))


async def by_counter(conn: asyncpg.Connection, *, store_id: str, order_id: str) -> bool:
    return await conn.fetchval(*Q["by_counter"](store_id=store_id, order_id=order_id))


async def of_member(
    conn: asyncpg.Connection,
    *,
    member_id: str,
    after: tuple[datetime, str] | None,
    limit: int,
) -> list[Received]:
    sent_at, nudge_id = after or (None, None)
    rows = await conn.fetch(
        *Q["of_member"](member_id=member_id, sent_at=sent_at, nudge_id=nudge_id, limit=limit)
    )
    return rows_as(Received, rows)


async def conversion(
    conn: asyncpg.Connection, *, store_id: str, since: datetime
) -> list[KindCounts]:
    return rows_as(KindCounts, await conn.fetch(*Q["conversion"](store_id=store_id, since=since)))
