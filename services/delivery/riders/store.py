"""Riders' queries: one function per query in queries.sql."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import asyncpg
import msgspec

from services.delivery.riders.domain import Ping, Position, Window
from shared.sql import load_queries

Q = load_queries(Path(__file__).with_name("queries.sql"))


class RiderRow(msgspec.Struct, frozen=True, kw_only=True):
    rider_id: str
    name: str
    on_shift: bool
    position: Position | None
    window: Window


async def lock_rider(conn: asyncpg.Connection, *, store_id: str, rider_id: str) -> RiderRow | None:
    """The rider's row, locked: every change to a rider (shift, position, rate window) and the
    dispatcher's assignment of a route take this lock."""
    row = await conn.fetchrow(Q["lock_rider"], store_id, rider_id)
    if row is None:
        return None
    position = None
    if row["located_at"] is not None:
        position = Position(lat=row["lat"], lng=row["lng"], located_at=row["located_at"])
    return RiderRow(
        rider_id=row["rider_id"],
        name=row["name"],
        on_shift=row["on_shift"],
        position=position,
        window=Window(start=row["window_start"], calls=row["window_calls"]),
    )


async def start_shift(
    conn: asyncpg.Connection, *, store_id: str, rider_id: str, now: datetime
) -> None:
    await conn.execute(Q["start_shift"], store_id, rider_id, now)


async def end_shift(
    conn: asyncpg.Connection, *, store_id: str, rider_id: str, now: datetime
) -> datetime | None:
    """Close the open shift; when it started (None if the rider had no open shift)."""
    return await conn.fetchval(Q["end_shift"], store_id, rider_id, now)


async def open_route(
    conn: asyncpg.Connection, *, store_id: str, rider_id: str
) -> tuple[str, str] | None:
    """The rider's route that is assigned or out (at most one), as (route_id, status)."""
    row = await conn.fetchrow(Q["open_route"], store_id, rider_id)
    return (row["route_id"], row["status"]) if row else None


async def add_pings(
    conn: asyncpg.Connection, *, store_id: str, rider_id: str, pings: Sequence[Ping]
) -> None:
    """Keep every ping; one sent twice (a retry) is kept once."""
    await conn.execute(
        Q["add_pings"],
        store_id,
        rider_id,
        [p.at for p in pings],
        [p.lat for p in pings],
        [p.lng for p in pings],
    )


async def save_rider_state(
    conn: asyncpg.Connection,
    *,
    store_id: str,
    rider_id: str,
    position: Position | None,
    window: Window,
) -> None:
    await conn.execute(
        *Q["save_rider_state"](
            store_id=store_id,
            rider_id=rider_id,
            lat=position.lat if position else None,
            lng=position.lng if position else None,
            located_at=position.located_at if position else None,
            window_start=window.start,
            window_calls=window.calls,
        )
    )
