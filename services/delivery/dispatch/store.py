"""Dispatch's queries: a store's snapshot, committing routes, the store's lock and wake-up."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from pathlib import Path

import asyncpg
import msgspec

from services.delivery.dispatch.planning import Assignment, Order, Place, Rider, Snapshot
from services.delivery.dispatch.runs import Run
from shared.sql import load_queries

Q = load_queries(Path(__file__).with_name("queries.sql"))


async def stores(conn: asyncpg.Connection) -> list[str]:
    return [r["store_id"] for r in await conn.fetch(Q["stores"])]


def _order(r: asyncpg.Record) -> Order:
    return Order(
        order_id=r["order_id"],
        at=Place(r["lat"], r["lng"]),
        promise_at=r["promise_at"],
        placed_at=r["placed_at"],
        bags=r["bags"],
        ready_by=r.get("ready_by"),
    )


async def snapshot(conn: asyncpg.Connection, store_id: str, now: datetime) -> Snapshot | None:
    """The store as the dispatcher plans it at `now`, read in one repeatable-read transaction:
    ready orders, orders still being packed, riders free or out with what they carry. Riders
    with a route they have not picked up yet, and its orders, are left out: that plan is
    committed."""
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        store = await conn.fetchrow(Q["store"], store_id)
        if store is None:
            return None
        ready = [_order(r) for r in await conn.fetch(Q["ready"], store_id)]
        waiting = [_order(r) for r in await conn.fetch(Q["waiting"], store_id, now)]
        carried: dict[str, list[Order]] = defaultdict(list)
        for r in await conn.fetch(Q["carried"], store_id):
            carried[r["route_id"]].append(_order(r))
        riders = [
            Rider(
                rider_id=r["rider_id"],
                at=Place(r["lat"], r["lng"]) if r["lat"] is not None else None,
                carrying=carried.get(r["route_id"], []),
                route_id=r["route_id"],
                capacity=r["box_bags"],
            )
            for r in await conn.fetch(Q["riders"], store_id)
            if r["route_status"] != "assigned"
        ]
    return Snapshot(
        store_id=store_id,
        store=Place(store["lat"], store["lng"]),
        bag_capacity=store["bag_capacity"],
        service_s=store["service_s"],
        detour_factor=store["detour_factor"],
        speed_kmh=store["rider_speed_kmh"],
        ready=ready,
        riders=riders,
        waiting=waiting,
    )


async def take_store(conn: asyncpg.Connection, store_id: str) -> bool:
    """The store's advisory lock on `conn`'s session: True if this dispatcher now owns it."""
    return bool(await conn.fetchval(Q["take_store"], store_id))


async def take_ready(conn: asyncpg.Connection, store_id: str, order_ids: list[str]) -> set[str]:
    """Lock those orders that are still ready (not cancelled, not assigned since)."""
    return {r["order_id"] for r in await conn.fetch(Q["take_ready"], store_id, order_ids)}


async def rider_free(conn: asyncpg.Connection, store_id: str, rider_id: str) -> bool:
    """Lock the rider; True while on shift with no open route."""
    return bool(await conn.fetchval(Q["rider_free"], store_id, rider_id))


async def insert_route(
    conn: asyncpg.Connection,
    store_id: str,
    route_id: str,
    route: Assignment,
    *,
    now: datetime,
    solver: str,
) -> None:
    await conn.execute(Q["insert_route"], store_id, route_id, route.rider_id, now, solver)
    seqs = list(range(1, len(route.order_ids) + 1))
    await conn.execute(Q["insert_stops"], store_id, route_id, seqs, route.order_ids, route.etas)
    await conn.execute(Q["assign"], store_id, route_id, route.rider_id, route.order_ids, route.etas)


async def refresh_etas(conn: asyncpg.Connection, store_id: str, etas: dict[str, datetime]) -> None:
    await conn.execute(Q["refresh_etas"], store_id, list(etas), list(etas.values()))


async def record_run(conn: asyncpg.Connection, store_id: str, run: Run) -> None:
    await conn.execute(*Q["record_run"](store_id=store_id, **msgspec.structs.asdict(run)))
