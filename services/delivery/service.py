"""Delivery's use cases."""

from __future__ import annotations

from typing import TypeVar

import asyncpg

from services.delivery import store as db
from services.delivery.capacity import Capacity, RiderBox, RiderCapacity
from services.delivery.dispatch.wakeup import wake_dispatcher
from services.delivery.domain import Coverage, Rider, coverage
from services.delivery.promise import Pace
from shared.errors import NotFound

T = TypeVar("T")


async def check_coverage(
    conn: asyncpg.Connection, store_id: str, lat: float, lng: float
) -> Coverage:
    zone = await db.get_zone(conn, store_id=store_id)
    if zone is None:
        raise _unknown(store_id)
    return coverage(zone, lat, lng)


async def riders(conn: asyncpg.Connection, store_id: str) -> list[Rider]:
    return await db.list_riders(conn, store_id=store_id)


async def pace(conn: asyncpg.Connection, store_id: str) -> Pace:
    return known(store_id, await db.get_pace(conn, store_id=store_id))


async def set_pace(conn: asyncpg.Connection, store_id: str, pace: Pace) -> Pace:
    """Promises from now on are made at this pace; the dispatcher plans rides with it."""
    return known(store_id, await db.set_pace(conn, store_id=store_id, pace=pace))


async def capacity(conn: asyncpg.Connection, store_id: str) -> Capacity:
    return known(store_id, await db.get_capacity(conn, store_id=store_id))


async def set_capacity(conn: asyncpg.Connection, store_id: str, capacity: Capacity) -> Capacity:
    """Every rider without a box of their own carries this from the next plan on. A box
    smaller than an order already packed is accepted: the dispatch board names that order."""
    saved = known(store_id, await db.set_capacity(conn, store_id=store_id, capacity=capacity))
    await wake_dispatcher(conn, store_id)
    return saved


async def rider_capacity(conn: asyncpg.Connection, store_id: str, rider_id: str) -> RiderCapacity:
    found = await db.get_rider_capacity(conn, store_id=store_id, rider_id=rider_id)
    if found is None:
        raise _no_rider(store_id, rider_id)
    return found


async def set_rider_capacity(
    conn: asyncpg.Connection, store_id: str, rider_id: str, box: RiderBox
) -> RiderCapacity:
    """The rider carries their own box from the next plan on (null: the store's again)."""
    saved = await db.set_rider_capacity(
        conn, store_id=store_id, rider_id=rider_id, box_bags=box.box_bags
    )
    if saved is None:
        raise _no_rider(store_id, rider_id)
    await wake_dispatcher(conn, store_id)
    return saved


def _no_rider(store_id: str, rider_id: str) -> NotFound:
    return NotFound(f"store {store_id} has no rider {rider_id}", field="rider_id")


def known(store_id: str, found: T | None) -> T:
    """What delivery found of a store, or NotFound naming it."""
    if found is None:
        raise _unknown(store_id)
    return found


def _unknown(store_id: str) -> NotFound:
    return NotFound(f"delivery knows no store {store_id}", field="store_id")
