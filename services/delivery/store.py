"""Delivery's queries: one function per query in queries.sql."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import asyncpg
import msgspec

from services.delivery.capacity import Capacity, RiderCapacity
from services.delivery.domain import Rider, Zone
from services.delivery.promise import Cause, Pace
from shared.events import Fulfilment
from shared.ids import uuid7
from shared.sql import load_queries, row_as, rows_as

Q = load_queries(Path(__file__).with_name("queries.sql"))


async def upsert_store(
    conn: asyncpg.Connection,
    *,
    store_id: str,
    name: str,
    lat: float,
    lng: float,
    radius_m: int,
    timezone: str,
    updated_at: datetime,
) -> None:
    await conn.execute(
        *Q["upsert_store"](
            store_id=store_id,
            name=name,
            lat=lat,
            lng=lng,
            radius_m=radius_m,
            timezone=timezone,
            updated_at=updated_at,
        )
    )


async def get_zone(conn: asyncpg.Connection, *, store_id: str) -> Zone | None:
    return row_as(Zone, await conn.fetchrow(Q["get_zone"], store_id))


async def add_riders(conn: asyncpg.Connection, *, store_id: str, riders: Sequence[Rider]) -> None:
    await conn.execute(
        Q["add_riders"], store_id, [r.rider_id for r in riders], [r.name for r in riders]
    )


async def list_riders(conn: asyncpg.Connection, *, store_id: str) -> list[Rider]:
    return rows_as(Rider, await conn.fetch(Q["list_riders"], store_id))


async def get_pace(conn: asyncpg.Connection, *, store_id: str) -> Pace | None:
    return row_as(Pace, await conn.fetchrow(Q["get_pace"], store_id))


async def set_pace(conn: asyncpg.Connection, *, store_id: str, pace: Pace) -> Pace | None:
    row = await conn.fetchrow(
        Q["set_pace"], store_id, pace.orders_per_hour, pace.detour_factor, pace.rider_speed_kmh
    )
    return row_as(Pace, row)


async def get_capacity(conn: asyncpg.Connection, *, store_id: str) -> Capacity | None:
    return row_as(Capacity, await conn.fetchrow(Q["get_capacity"], store_id))


async def set_capacity(
    conn: asyncpg.Connection, *, store_id: str, capacity: Capacity
) -> Capacity | None:
    return row_as(
        Capacity,
        await conn.fetchrow(Q["set_capacity"], store_id, capacity.box_bags, capacity.handover_s),
    )


async def get_rider_capacity(
    conn: asyncpg.Connection, *, store_id: str, rider_id: str
) -> RiderCapacity | None:
    return row_as(RiderCapacity, await conn.fetchrow(Q["get_rider_capacity"], store_id, rider_id))


async def set_rider_capacity(
    conn: asyncpg.Connection, *, store_id: str, rider_id: str, box_bags: int | None
) -> RiderCapacity | None:
    return row_as(
        RiderCapacity, await conn.fetchrow(Q["set_rider_capacity"], store_id, rider_id, box_bags)
    )


class QuoteBasis(msgspec.Struct, frozen=True, kw_only=True):
    lat: float
    lng: float
    pace: Pace
    bag_capacity: int
    service_s: int
    typical_bags: int
    backlog: int


async def quote_basis(
    conn: asyncpg.Connection, *, store_id: str, now: datetime
) -> tuple[Zone, QuoteBasis] | None:
    """The store's zone and what a quote needs of it, in one read (one round trip a quote)."""
    row = await conn.fetchrow(Q["quote_basis"], store_id, now)
    if row is None:
        return None
    zone = Zone(store_id=store_id, lat=row["lat"], lng=row["lng"], radius_m=row["radius_m"])
    pace = Pace(
        orders_per_hour=row["orders_per_hour"],
        detour_factor=row["detour_factor"],
        rider_speed_kmh=row["rider_speed_kmh"],
    )
    return zone, msgspec.convert({**row, "pace": pace}, QuoteBasis)


class RiderRow(msgspec.Struct, frozen=True, kw_only=True):
    rider_id: str
    box_bags: int | None  # their own box; None: the store's
    lat: float | None
    lng: float | None
    eta: datetime | None  # the open route's last stop, if any
    stop_lat: float | None
    stop_lng: float | None


async def rider_times(conn: asyncpg.Connection, *, store_id: str) -> list[RiderRow]:
    return rows_as(RiderRow, await conn.fetch(Q["rider_times"], store_id))


class UnassignedRow(msgspec.Struct, frozen=True, kw_only=True):
    order_id: str
    lat: float
    lng: float
    promise_at: datetime
    placed_at: datetime
    bags: int
    ready_by: datetime


async def unassigned(
    conn: asyncpg.Connection, *, store_id: str, now: datetime
) -> list[UnassignedRow]:
    return rows_as(UnassignedRow, await conn.fetch(Q["unassigned"], store_id, now))


async def add_to_backlog(
    conn: asyncpg.Connection,
    *,
    store_id: str,
    order_id: str,
    fulfilment: Fulfilment,
    promise_at: datetime,
) -> None:
    await conn.execute(Q["add_to_backlog"], store_id, order_id, fulfilment, promise_at)


async def remove_from_backlog(conn: asyncpg.Connection, *, store_id: str, order_id: str) -> None:
    await conn.execute(Q["remove_from_backlog"], store_id, order_id)


async def add_late_quote(
    conn: asyncpg.Connection,
    *,
    store_id: str,
    at: datetime,
    fulfilment: Fulfilment,
    cause: Cause,
    promise_at: datetime | None,
    reason: str,
) -> None:
    """A quote that refused (no `promise_at`) or promised later than 30 minutes."""
    await conn.execute(
        Q["add_late_quote"], store_id, at, uuid7(), fulfilment, cause, promise_at, reason
    )
