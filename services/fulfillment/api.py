"""Fulfillment's HTTP API."""

from __future__ import annotations

from litestar import get
from litestar.params import FromPath

from services.fulfillment import service
from services.fulfillment.domain import Bin
from services.fulfillment.store import Picker, QueuedTask
from shared.auth import Role
from shared.web.access import allow
from shared.web.deps import Tx


@get(
    "/v1/stores/{store_id:str}/layout",
    guards=[allow(Role.MANAGER, Role.PICKER)],
    tags=["layout"],
    operation_id="getLayout",
)
async def get_layout(store_id: FromPath[str], conn: Tx) -> list[Bin]:
    """Every bin in the order a picker walks them (the store's staff)."""
    return await service.pick_path(conn, store_id)


@get(
    "/v1/stores/{store_id:str}/pickers",
    guards=[allow(Role.MANAGER)],
    tags=["pickers"],
    operation_id="listPickers",
)
async def list_pickers(store_id: FromPath[str], conn: Tx) -> list[Picker]:
    """The store's pickers (its manager)."""
    return await service.pickers(conn, store_id)


@get(
    "/v1/stores/{store_id:str}/pick-tasks",
    guards=[allow(Role.MANAGER, Role.PICKER)],
    tags=["picking"],
    operation_id="listPickTasks",
)
async def list_pick_tasks(store_id: FromPath[str], conn: Tx) -> list[QueuedTask]:
    """The store's queued pick tasks, earliest deadline first (its staff)."""
    return await service.queued_tasks(conn, store_id)


ROUTES = [get_layout, list_pickers, list_pick_tasks]
