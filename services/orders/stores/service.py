"""Stores' use cases: load, decide with the domain, store, publish; one transaction each."""

from __future__ import annotations

import asyncpg

from services.orders.catalog import store as catalog
from services.orders.stores import store as db
from services.orders.stores.domain import (
    MAX_RADIUS_M,
    BarcodePrefixes,
    NearbyStore,
    Store,
    bounding_box,
    check_store,
    covering_stores,
)
from shared.bus import publish
from shared.clock import Clock
from shared.errors import Conflict, NotFound
from shared.events import StoreUpdated


def _store_updated(store: Store, prefixes: BarcodePrefixes) -> StoreUpdated:
    return StoreUpdated(
        store_id=store.store_id,
        name=store.name,
        lat=store.lat,
        lng=store.lng,
        radius_m=store.radius_m,
        currency=store.currency,
        timezone=store.timezone,
        weight_prefixes=prefixes.weight_prefixes,
        price_prefixes=prefixes.price_prefixes,
    )


async def open_store(conn: asyncpg.Connection, clock: Clock, store: Store) -> Store:
    """A new store; the other services learn of it from `store.updated`."""
    check_store(store)
    now = clock.now()
    prefixes = await db.insert_store(conn, store, now=now)
    if prefixes is None:
        raise Conflict(f"store {store.store_id} exists already", field="store_id")
    await publish(conn, _store_updated(store, prefixes), occurred_at=now)
    return store


async def change_store(conn: asyncpg.Connection, clock: Clock, store: Store) -> Store:
    check_store(store)
    now = clock.now()
    prefixes = await db.update_store(conn, store, now=now)
    if prefixes is None:
        raise NotFound(f"there is no store {store.store_id}", field="store_id")
    await catalog.bump_catalog_version(conn, store_id=store.store_id)  # its pages show currency
    await publish(conn, _store_updated(store, prefixes), occurred_at=now)
    return store


async def get_store(conn: asyncpg.Connection, store_id: str) -> Store:
    found = await db.get_store(conn, store_id=store_id)
    if found is None:
        raise NotFound(f"there is no store {store_id}", field="store_id")
    return found


async def find_stores(conn: asyncpg.Connection, lat: float, lng: float) -> list[NearbyStore]:
    """The stores that deliver to a point, nearest first."""
    near = await db.stores_in_box(conn, box=bounding_box(lat, lng, MAX_RADIUS_M))
    return covering_stores(near, lat, lng)
