"""Delivery's HTTP API."""

from __future__ import annotations

from litestar import get
from litestar.params import FromPath

from services.delivery import service
from services.delivery.domain import Coverage
from services.delivery.store import Rider
from shared.auth import Role
from shared.events import Latitude, Longitude
from shared.web.access import PUBLIC, allow
from shared.web.deps import Tx


@get("/v1/stores/{store_id:str}/zone", opt=PUBLIC, tags=["zone"], operation_id="checkZone")
async def check_zone(store_id: FromPath[str], lat: Latitude, lng: Longitude, conn: Tx) -> Coverage:
    """Whether an address is inside the store's delivery zone, and how far it is (anyone)."""
    return await service.check_coverage(conn, store_id, lat, lng)


@get(
    "/v1/stores/{store_id:str}/riders",
    guards=[allow(Role.MANAGER, Role.SERVICE)],
    tags=["riders"],
    operation_id="listRiders",
)
async def list_riders(store_id: FromPath[str], conn: Tx) -> list[Rider]:
    """The store's riders (its manager)."""
    return await service.riders(conn, store_id)


ROUTES = [check_zone, list_riders]
