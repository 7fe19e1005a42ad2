"""Riders' use cases: start and end a shift, report positions, read the route in hand.

A rider is the token's subject in the token's store (`me`): nobody reports for another rider.
Every change locks the rider's row first, as the dispatcher does before giving them a route.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal

import asyncpg
import msgspec

from services.delivery.deliveries.views import RouteView, route_view
from services.delivery.dispatch.wakeup import wake_dispatcher
from services.delivery.riders import store as db
from services.delivery.riders.domain import (
    Ping,
    Position,
    admit,
    check_end,
    check_pings,
    check_start,
    position_after,
)
from shared.auth import Principal
from shared.clock import Clock
from shared.errors import Conflict, Forbidden, NotFound

ShiftAction = Literal["start", "end"]


class Shift(msgspec.Struct, frozen=True, kw_only=True):
    rider_id: str
    store_id: str
    on_shift: bool
    started_at: datetime
    ended_at: datetime | None


class Located(msgspec.Struct, frozen=True, kw_only=True):
    """The pings kept, and where the rider is now as far as anyone knows."""

    accepted: int
    position: Position | None


async def _me(conn: asyncpg.Connection, principal: Principal) -> db.RiderRow:
    store_id = principal.store_id or ""
    rider = await db.lock_rider(conn, store_id=store_id, rider_id=principal.subject)
    if rider is None:
        raise Forbidden(f"{principal.subject} is not a rider of store {store_id}")
    return rider


async def shift(
    conn: asyncpg.Connection,
    clock: Clock,
    principal: Principal,
    *,
    store_id: str,
    action: ShiftAction,
) -> Shift:
    """Start a shift (the dispatcher may plan with the rider from now on), or end it with no
    route in hand."""
    if store_id != principal.store_id:
        raise Forbidden(
            f"your token is for store {principal.store_id}, not {store_id}", field="store_id"
        )
    rider = await _me(conn, principal)
    now = clock.now()
    if action == "start":
        check_start(rider.on_shift)
        await db.start_shift(conn, store_id=store_id, rider_id=rider.rider_id, now=now)
        await wake_dispatcher(conn, store_id)
        return Shift(
            rider_id=rider.rider_id, store_id=store_id, on_shift=True, started_at=now, ended_at=None
        )
    route = await db.open_route(conn, store_id=store_id, rider_id=rider.rider_id)
    check_end(rider.on_shift, route)
    started = await db.end_shift(conn, store_id=store_id, rider_id=rider.rider_id, now=now)
    return Shift(
        rider_id=rider.rider_id,
        store_id=store_id,
        on_shift=False,
        started_at=started or now,
        ended_at=now,
    )


async def report_location(
    conn: asyncpg.Connection, clock: Clock, principal: Principal, *, pings: Sequence[Ping]
) -> Located:
    """Keep a batch of positions (a phone sends what it gathered while offline); the newest
    becomes the rider's position. Only on shift, and at most so many calls a minute."""
    now = clock.now()
    check_pings(pings, now)
    rider = await _me(conn, principal)
    if not rider.on_shift:
        raise Conflict("start a shift before reporting your location", field="pings")
    window = admit(rider.window, now)
    store_id = principal.store_id or ""
    await db.add_pings(conn, store_id=store_id, rider_id=rider.rider_id, pings=pings)
    position = position_after(rider.position, pings)
    await db.save_rider_state(
        conn, store_id=store_id, rider_id=rider.rider_id, position=position, window=window
    )
    return Located(accepted=len(pings), position=position)


async def my_route(conn: asyncpg.Connection, principal: Principal) -> RouteView:
    """The route the rider holds (assigned, or out on the road)."""
    store_id = principal.store_id or ""
    route = await db.open_route(conn, store_id=store_id, rider_id=principal.subject)
    if route is None:
        raise NotFound("you have no route right now; stay near the store", field="route")
    return await route_view(conn, store_id=store_id, route_id=route[0])
