"""Orders' HTTP API: decode a struct, call a use case, encode a struct. No SQL, no rules."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Request, Response, get, post, put
from litestar.params import FromPath, PathParameter

from services.orders.stores import service
from services.orders.stores.domain import STORE_ID_PATTERN, NearbyStore, RadiusM, Store
from shared import paging
from shared.auth import Role
from shared.events import Latitude, Longitude
from shared.money import Currency
from shared.web.access import PUBLIC, allow
from shared.web.deps import Caller, Now, Tx
from shared.web.idempotency import IdempotencyKey, once
from shared.web.openapi import example
from shared.web.query import LatitudeQuery, LongitudeQuery


class NewStore(Store, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A store to open."""


class StoreChange(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=120)]
    lat: Latitude
    lng: Longitude
    radius_m: RadiusM = 3000
    currency: Currency = "JPY"
    timezone: str = "Asia/Tokyo"


NEW_STORE_EXAMPLE = example(
    NewStore,
    {
        "store_id": "kobe-sannomiya",
        "name": "omo Kobe Sannomiya",
        "lat": 34.6937,
        "lng": 135.1955,
        "radius_m": 3000,
        "currency": "JPY",
        "timezone": "Asia/Tokyo",
    },
    "A store delivering within 3 km",
)


@post("/v1/stores", guards=[allow(Role.SERVICE)], tags=["stores"], operation_id="openStore")
async def open_store(
    request: Request,
    data: Annotated[NewStore, NEW_STORE_EXAMPLE],
    conn: Tx,
    clock: Now,
    principal: Caller,
    idempotency_key: IdempotencyKey,
) -> Response[Store]:
    """Open a store (operators, with a `service` token)."""
    return await once(
        conn,
        request,
        caller=principal.subject,
        key=idempotency_key,
        create=lambda: service.open_store(conn, clock, data),
    )


STORE_CHANGE_EXAMPLE = example(
    StoreChange,
    {
        "name": "omo Kobe Sannomiya",
        "lat": 34.6937,
        "lng": 135.1955,
        "radius_m": 2500,
        "currency": "JPY",
        "timezone": "Asia/Tokyo",
    },
    "Deliver within 2.5 km from now on",
)


@put(
    "/v1/stores/{store_id:str}",
    guards=[allow(Role.MANAGER, Role.SERVICE)],
    tags=["stores"],
    operation_id="changeStore",
)
async def change_store(
    store_id: Annotated[str, PathParameter(pattern=STORE_ID_PATTERN)],
    data: Annotated[StoreChange, STORE_CHANGE_EXAMPLE],
    conn: Tx,
    clock: Now,
) -> Store:
    """Change a store's public facts (its manager, or operators)."""
    store = Store(store_id=store_id, **msgspec.structs.asdict(data))
    return await service.change_store(conn, clock, store)


@get("/v1/stores/{store_id:str}", opt=PUBLIC, tags=["stores"], operation_id="getStore")
async def get_store(store_id: FromPath[str], conn: Tx) -> Store:
    """A store's public facts (anyone)."""
    return await service.get_store(conn, store_id)


class NearbyStorePage(paging.Page, frozen=True, kw_only=True):
    items: list[NearbyStore]


@get("/v1/stores", opt=PUBLIC, tags=["stores"], operation_id="findStores")
async def find_stores(lat: LatitudeQuery, lng: LongitudeQuery, conn: Tx) -> NearbyStorePage:
    """The stores that deliver to a point, nearest first, with its distance in metres (anyone);
    one page (`next_cursor` null): only stores within their radius of the point."""
    return NearbyStorePage(items=await service.find_stores(conn, lat, lng), next_cursor=None)


ROUTES = [open_store, change_store, get_store, find_stores]
