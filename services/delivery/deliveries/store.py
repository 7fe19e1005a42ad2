"""Deliveries' queries: one function per query in queries.sql.

Writers lock in one order, as the dispatcher does: deliveries (by order id), then the rider,
then the route; so a pickup, a hand-over, a cancellation and a plan being committed never wait
on each other in a circle.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import asyncpg
import msgspec

from services.delivery.dispatch.store import Run
from shared.events import Bag
from shared.sql import load_queries

Q = load_queries(Path(__file__).with_name("queries.sql"))


class Delivery(msgspec.Struct, frozen=True, kw_only=True):
    order_id: str
    member_id: str
    status: str
    handover_code: str
    route_id: str | None
    rider_id: str | None
    eta: datetime | None
    promise_at: datetime


class RouteRow(msgspec.Struct, frozen=True, kw_only=True):
    route_id: str
    rider_id: str
    status: str


class RouteOrder(msgspec.Struct, frozen=True, kw_only=True):
    order_id: str
    status: str
    eta: datetime | None


class RouteHeader(msgspec.Struct, frozen=True, kw_only=True):
    route_id: str
    rider_id: str
    status: str
    planned_at: datetime
    picked_up_at: datetime | None
    store_id: str
    store_name: str
    store_lat: float
    store_lng: float


class StopRow(msgspec.Struct, frozen=True, kw_only=True):
    seq: int
    order_id: str
    address_text: str
    lat: float
    lng: float
    eta: datetime | None
    status: str
    promise_at: datetime
    bags: list[str]


class TrackingRow(msgspec.Struct, frozen=True, kw_only=True):
    store_id: str
    order_id: str
    member_id: str
    status: str
    promise_at: datetime
    eta: datetime | None
    handover_code: str
    rider_name: str | None
    rider_lat: float | None
    rider_lng: float | None
    located_at: datetime | None
    stops_before: int


class RiderOnShift(msgspec.Struct, frozen=True, kw_only=True):
    """A rider on shift as the store view shows them: where, and the route in hand."""

    rider_id: str
    name: str
    lat: float | None
    lng: float | None
    located_at: datetime | None
    route_id: str | None
    route_status: str | None
    stops_left: int
    box_bags: int  # what their box carries: their own, else the store's


class OpenDelivery(msgspec.Struct, frozen=True, kw_only=True):
    """A delivery not yet done: `late` when past its promise or planned to arrive after it."""

    order_id: str
    status: str
    promise_at: datetime
    eta: datetime | None
    ready_at: datetime | None
    bags: int
    route_id: str | None
    rider_id: str | None
    late: bool = False


def _as(row: asyncpg.Record | None, kind: type[msgspec.Struct]):
    return msgspec.convert(dict(row), kind) if row is not None else None


async def insert_delivery(
    conn: asyncpg.Connection,
    *,
    store_id: str,
    order_id: str,
    member_id: str,
    lat: float,
    lng: float,
    address_text: str,
    promise_at: datetime,
    placed_at: datetime,
    handover_code: str,
) -> None:
    await conn.execute(
        Q["insert_delivery"],
        store_id,
        order_id,
        member_id,
        lat,
        lng,
        address_text,
        promise_at,
        placed_at,
        handover_code,
    )


async def add_bags(
    conn: asyncpg.Connection, *, store_id: str, order_id: str, bags: Sequence[Bag]
) -> None:
    await conn.execute(
        Q["add_bags"],
        store_id,
        order_id,
        [b.code for b in bags],
        [b.zone for b in bags],
        [b.number for b in bags],
        [b.of for b in bags],
    )


async def mark_ready(
    conn: asyncpg.Connection, *, store_id: str, order_id: str, now: datetime
) -> bool:
    """A waiting delivery becomes ready with its bags counted; False if it was not waiting."""
    return await conn.fetchval(Q["mark_ready"], store_id, order_id, now) is not None


async def leave_backlog(conn: asyncpg.Connection, *, store_id: str, order_ids: list[str]) -> None:
    await conn.execute(Q["leave_backlog"], store_id, order_ids)


async def leave_backlog_if_pickup(
    conn: asyncpg.Connection, *, store_id: str, order_id: str
) -> None:
    await conn.execute(Q["leave_backlog_if_pickup"], store_id, order_id)


async def lock_delivery(
    conn: asyncpg.Connection, *, store_id: str, order_id: str
) -> Delivery | None:
    return _as(await conn.fetchrow(Q["lock_delivery"], store_id, order_id), Delivery)


async def cancel_delivery(
    conn: asyncpg.Connection, *, store_id: str, order_id: str, now: datetime
) -> None:
    await conn.execute(Q["cancel_delivery"], store_id, order_id, now)


async def remove_stop(
    conn: asyncpg.Connection, *, store_id: str, route_id: str, order_id: str
) -> None:
    await conn.execute(Q["remove_stop"], store_id, route_id, order_id)


async def get_route(conn: asyncpg.Connection, *, store_id: str, route_id: str) -> RouteRow | None:
    return _as(await conn.fetchrow(Q["get_route"], store_id, route_id), RouteRow)


async def lock_route(conn: asyncpg.Connection, *, store_id: str, route_id: str) -> RouteRow | None:
    return _as(await conn.fetchrow(Q["lock_route"], store_id, route_id), RouteRow)


async def lock_route_deliveries(conn: asyncpg.Connection, *, store_id: str, route_id: str) -> None:
    await conn.execute(Q["lock_route_deliveries"], store_id, route_id)


async def route_orders(
    conn: asyncpg.Connection, *, store_id: str, route_id: str
) -> list[RouteOrder]:
    """The route's orders in stop order."""
    rows = await conn.fetch(Q["route_orders"], store_id, route_id)
    return [RouteOrder(order_id=r["order_id"], status=r["status"], eta=r["eta"]) for r in rows]


async def route_bags(conn: asyncpg.Connection, *, store_id: str, route_id: str) -> dict[str, str]:
    """The bags the rider collects for the route's orders not yet out: code -> order id."""
    rows = await conn.fetch(Q["route_bags"], store_id, route_id)
    return {r["code"]: r["order_id"] for r in rows}


async def route_out(
    conn: asyncpg.Connection, *, store_id: str, route_id: str, now: datetime
) -> None:
    await conn.execute(Q["route_out"], store_id, route_id, now)


async def deliveries_out(
    conn: asyncpg.Connection, *, store_id: str, order_ids: list[str], now: datetime
) -> None:
    await conn.execute(Q["deliveries_out"], store_id, order_ids, now)


async def stops_left(conn: asyncpg.Connection, *, store_id: str, route_id: str) -> int:
    """The route's orders not yet delivered or failed."""
    return await conn.fetchval(Q["stops_left"], store_id, route_id)


async def close_route(
    conn: asyncpg.Connection, *, store_id: str, route_id: str, status: str, now: datetime
) -> None:
    await conn.execute(Q["close_route"], store_id, route_id, status, now)


async def finish_delivery(
    conn: asyncpg.Connection,
    *,
    store_id: str,
    order_id: str,
    status: str,
    now: datetime,
    proof: str | None = None,
    photo_ref: str | None = None,
    failure_reason: str | None = None,
) -> None:
    await conn.execute(
        Q["finish_delivery"], store_id, order_id, status, now, proof, photo_ref, failure_reason
    )


async def route_header(
    conn: asyncpg.Connection, *, store_id: str, route_id: str
) -> RouteHeader | None:
    return _as(await conn.fetchrow(Q["route_header"], store_id, route_id), RouteHeader)


async def route_stops(conn: asyncpg.Connection, *, store_id: str, route_id: str) -> list[StopRow]:
    rows = await conn.fetch(Q["route_stops"], store_id, route_id)
    return [msgspec.convert(dict(r), StopRow) for r in rows]


async def tracking(conn: asyncpg.Connection, *, order_id: str) -> TrackingRow | None:
    return _as(await conn.fetchrow(Q["tracking"], order_id), TrackingRow)


async def board_riders(conn: asyncpg.Connection, *, store_id: str) -> list[RiderOnShift]:
    rows = await conn.fetch(Q["board_riders"], store_id)
    return [msgspec.convert(dict(r), RiderOnShift) for r in rows]


async def board_deliveries(conn: asyncpg.Connection, *, store_id: str) -> list[OpenDelivery]:
    rows = await conn.fetch(Q["board_deliveries"], store_id)
    return [msgspec.convert(dict(r), OpenDelivery) for r in rows]


async def last_run(conn: asyncpg.Connection, *, store_id: str) -> Run | None:
    return _as(await conn.fetchrow(Q["last_run"], store_id), Run)


async def code_failures(conn: asyncpg.Connection, *, store_id: str, order_id: str) -> int:
    return await conn.fetchval(Q["code_failures"], store_id, order_id)


async def add_code_failure(
    conn: asyncpg.Connection, *, store_id: str, order_id: str, at: datetime
) -> None:
    await conn.execute(Q["add_code_failure"], store_id, order_id, at)
