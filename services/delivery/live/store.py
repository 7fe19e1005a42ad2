"""The live page's own queries (it writes nothing): the store, its open deliveries, what was
done in the last hour, the quotes that refused or promised later, and the order followed."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import asyncpg
import msgspec

from services.delivery.promise import Cause
from shared.events import Fulfilment
from shared.languages import Language, store_language
from shared.sql import load_queries, row_as, rows_as

Q = load_queries(Path(__file__).with_name("queries.sql"))


class StoreFacts(msgspec.Struct, frozen=True, kw_only=True):
    store_id: str
    name: str
    lat: float
    lng: float
    radius_m: int
    timezone: str
    language: Language  # the page's, until its reader switches


class OpenOrder(msgspec.Struct, frozen=True, kw_only=True):
    order_id: str
    status: str  # waiting | ready | assigned | out
    placed_at: datetime
    promise_at: datetime
    eta: datetime | None
    lat: float
    lng: float
    rider_id: str | None
    seq: int | None  # its stop on the rider's route


class Done(msgspec.Struct, frozen=True, kw_only=True):
    done: int
    delivered: int
    on_promise: int
    within_30: int


class FollowedRow(msgspec.Struct, frozen=True, kw_only=True):
    status: str
    placed_at: datetime  # paid: delivery hears of an order when it is paid
    promise_at: datetime
    ready_at: datetime | None
    out_at: datetime | None
    done_at: datetime | None
    eta: datetime | None
    rider: str | None


class CauseCount(msgspec.Struct, frozen=True, kw_only=True):
    cause: Cause
    quotes: int


class LateQuote(msgspec.Struct, frozen=True, kw_only=True):
    at: datetime
    fulfilment: Fulfilment
    cause: Cause
    promise_at: datetime | None  # None: refused
    reason: str


async def store(conn: asyncpg.Connection, *, store_id: str) -> StoreFacts | None:
    row = await conn.fetchrow(*Q["store"](store_id=store_id))
    if row is None:
        return None
    return StoreFacts(**row, language=store_language(row["timezone"]))


async def open_deliveries(conn: asyncpg.Connection, *, store_id: str) -> list[OpenOrder]:
    return rows_as(OpenOrder, await conn.fetch(*Q["open_deliveries"](store_id=store_id)))


async def done_since(conn: asyncpg.Connection, *, store_id: str, since: datetime) -> Done:
    done = row_as(Done, await conn.fetchrow(*Q["done_since"](store_id=store_id, since=since)))
    assert done is not None  # an aggregate always answers one row
    return done


async def late_quotes_by_cause(
    conn: asyncpg.Connection, *, store_id: str, since: datetime
) -> list[CauseCount]:
    return rows_as(
        CauseCount, await conn.fetch(*Q["late_quotes_by_cause"](store_id=store_id, since=since))
    )


async def latest_late_quotes(
    conn: asyncpg.Connection, *, store_id: str, since: datetime, limit: int
) -> list[LateQuote]:
    query = Q["latest_late_quotes"](store_id=store_id, since=since, limit=limit)
    return rows_as(LateQuote, await conn.fetch(*query))


async def followed_order(
    conn: asyncpg.Connection, *, store_id: str, order_id: str
) -> FollowedRow | None:
    query = Q["followed_order"](store_id=store_id, order_id=order_id)
    return row_as(FollowedRow, await conn.fetchrow(*query))
