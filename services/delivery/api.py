"""Delivery's HTTP API."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import get, post, put
from litestar.params import FromPath

from services.delivery import quoting, service
from services.delivery.capacity import Capacity, RiderBox, RiderCapacity
from services.delivery.deps import Forecasts, Settings
from services.delivery.domain import Coverage, Rider
from services.delivery.promise import Pace
from shared import paging
from shared.auth import Role
from shared.events import Fulfilment, Latitude, Longitude
from shared.web.access import PUBLIC, allow
from shared.web.deps import Now, Pool, Tx
from shared.web.openapi import example
from shared.web.query import LatitudeQuery, LongitudeQuery


@get("/v1/stores/{store_id:str}/zone", opt=PUBLIC, tags=["zone"], operation_id="checkZone")
async def check_zone(
    store_id: FromPath[str], lat: LatitudeQuery, lng: LongitudeQuery, conn: Tx
) -> Coverage:
    """Whether an address is inside the store's delivery zone, and how far it is (anyone)."""
    return await service.check_coverage(conn, store_id, lat, lng)


class RiderPage(paging.Page, frozen=True, kw_only=True):
    items: list[Rider]


@get(
    "/v1/stores/{store_id:str}/riders",
    guards=[allow(Role.MANAGER, Role.SERVICE)],
    tags=["riders"],
    operation_id="listRiders",
)
async def list_riders(store_id: FromPath[str], conn: Tx) -> RiderPage:
    """The store's riders (its manager); one page (`next_cursor` null)."""
    return RiderPage(items=await service.riders(conn, store_id), next_cursor=None)


@get(
    "/v1/stores/{store_id:str}/pace",
    guards=[allow(Role.MANAGER)],
    tags=["zone"],
    operation_id="getPace",
)
async def get_pace(store_id: FromPath[str], conn: Tx) -> Pace:
    """The pace promises are made at (its manager)."""
    return await service.pace(conn, store_id)


PACE_EXAMPLE = example(
    Pace,
    {"orders_per_hour": 90, "detour_factor": 1.35, "rider_speed_kmh": 15.0},
    "A store that packs 90 orders an hour",
)


@put(
    "/v1/stores/{store_id:str}/pace",
    guards=[allow(Role.MANAGER)],
    tags=["zone"],
    operation_id="setPace",
)
async def set_pace(
    store_id: FromPath[str],
    data: Annotated[Pace, PACE_EXAMPLE],
    pool: Pool,
    futures: Forecasts,
) -> Pace:
    """Set the pace for the evening's staff: orders an hour the pickers manage, the riders'
    speed and the detour factor of the streets (its manager). Replaces all three; a PUT, so
    sending it twice is the same as once. The next quote is made at it."""
    async with futures.changing(pool, store_id) as conn:
        return await service.set_pace(conn, store_id, data)


@get(
    "/v1/stores/{store_id:str}/capacity",
    guards=[allow(Role.MANAGER)],
    tags=["riders"],
    operation_id="getCapacity",
)
async def get_capacity(store_id: FromPath[str], conn: Tx) -> Capacity:
    """What the store's riders' box carries, and the time at a door (its manager)."""
    return await service.capacity(conn, store_id)


CAPACITY_EXAMPLE = example(
    Capacity,
    {"box_bags": 6, "handover_s": 120},
    "Six bags a box, two minutes a door",
)


@put(
    "/v1/stores/{store_id:str}/capacity",
    guards=[allow(Role.MANAGER)],
    tags=["riders"],
    operation_id="setCapacity",
)
async def set_capacity(
    store_id: FromPath[str],
    data: Annotated[Capacity, CAPACITY_EXAMPLE],
    pool: Pool,
    futures: Forecasts,
) -> Capacity:
    """Set the bags a rider's box carries (1 to 40) and the seconds a hand-over takes (its
    manager). Replaces both; riders with a box of their own keep it."""
    async with futures.changing(pool, store_id) as conn:
        return await service.set_capacity(conn, store_id, data)


@get(
    "/v1/stores/{store_id:str}/riders/{rider_id:str}/capacity",
    guards=[allow(Role.MANAGER)],
    tags=["riders"],
    operation_id="getRiderCapacity",
)
async def get_rider_capacity(
    store_id: FromPath[str], rider_id: FromPath[str], conn: Tx
) -> RiderCapacity:
    """What one rider carries, and whether it is their own box (its manager)."""
    return await service.rider_capacity(conn, store_id, rider_id)


RIDER_BOX_EXAMPLE = example(
    RiderBox,
    {"box_bags": 4},
    "A rider on a bicycle carries four bags",
)


@put(
    "/v1/stores/{store_id:str}/riders/{rider_id:str}/capacity",
    guards=[allow(Role.MANAGER)],
    tags=["riders"],
    operation_id="setRiderCapacity",
)
async def set_rider_capacity(
    store_id: FromPath[str],
    rider_id: FromPath[str],
    data: Annotated[RiderBox, RIDER_BOX_EXAMPLE],
    pool: Pool,
    futures: Forecasts,
) -> RiderCapacity:
    """Give a rider a box of their own, in bags (a cargo bike carries more); `box_bags`
    null puts them back on the store's box (its manager)."""
    async with futures.changing(pool, store_id) as conn:
        return await service.set_rider_capacity(conn, store_id, rider_id, data)


class QuoteRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    store_id: str
    lat: Latitude
    lng: Longitude
    fulfilment: Fulfilment = "delivery"
    # A basket bagged already (the till's deliver-home): no picking ahead of the rider. Only
    # the promise the orders service asks for itself is binding, so a shopper gains nothing.
    packed: bool = False


QUOTE_EXAMPLE = example(
    QuoteRequest,
    {"store_id": "kobe-sannomiya", "lat": 34.6981, "lng": 135.1925, "fulfilment": "delivery"},
    "Delivery to Kitano, 1 km from the store",
)


@post(
    "/v1/quotes",
    guards=[allow(Role.SERVICE, Role.SHOPPER)],
    tags=["zone"],
    operation_id="quote",
    status_code=200,
)
async def make_quote(
    data: Annotated[QuoteRequest, QUOTE_EXAMPLE],
    pool: Pool,
    clock: Now,
    futures: Forecasts,
    settings: Settings,
) -> quoting.Quote:
    """Is the address in the zone, and by when can an order placed now arrive? (the orders
    service at checkout, and shoppers' apps before it). A question, not a creation: no
    Idempotency-Key. No transaction: at peak most quotes send no SQL (`quoting.Futures`)."""
    return await quoting.quote(
        pool,
        clock,
        futures,
        data.store_id,
        lat=data.lat,
        lng=data.lng,
        pickup=data.fulfilment == "pickup",
        packed=data.packed,
        batching=settings.dispatch_policy != "greedy",
    )


ROUTES = [
    check_zone,
    list_riders,
    get_pace,
    set_pace,
    get_capacity,
    set_capacity,
    get_rider_capacity,
    set_rider_capacity,
    make_quote,
]
