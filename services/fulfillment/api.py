"""Fulfillment's HTTP API."""

from __future__ import annotations

from typing import Annotated

from litestar import get, put
from litestar.params import FromPath, QueryParameter

from services.fulfillment import service
from services.fulfillment.batches.bagging import PackingRule
from services.fulfillment.domain import Bin, LayoutEdit, Picker, TaskStatus
from services.fulfillment.queue import QueueView
from shared import paging
from shared.auth import Role
from shared.web.access import allow
from shared.web.deps import Now, Tx
from shared.web.openapi import example
from shared.web.query import CursorQuery

# Lists bounded by the store's floor and staff: one page each (`next_cursor` null).


class BinPage(paging.Page, frozen=True, kw_only=True):
    items: list[Bin]


class PickerPage(paging.Page, frozen=True, kw_only=True):
    items: list[Picker]


@get(
    "/v1/stores/{store_id:str}/layout",
    guards=[allow(Role.MANAGER, Role.PICKER)],
    tags=["layout"],
    operation_id="getLayout",
)
async def get_layout(store_id: FromPath[str], conn: Tx) -> BinPage:
    """Every bin in the order a picker walks them (the store's staff); one page."""
    return BinPage(items=await service.pick_path(conn, store_id), next_cursor=None)


@get(
    "/v1/stores/{store_id:str}/pickers",
    guards=[allow(Role.MANAGER)],
    tags=["pickers"],
    operation_id="listPickers",
)
async def list_pickers(store_id: FromPath[str], conn: Tx) -> PickerPage:
    """The store's pickers (its manager); one page."""
    return PickerPage(items=await service.pickers(conn, store_id), next_cursor=None)


@get(
    "/v1/stores/{store_id:str}/pick-tasks",
    guards=[allow(Role.MANAGER, Role.PICKER)],
    tags=["picking"],
    operation_id="listPickTasks",
)
async def list_pick_tasks(
    store_id: FromPath[str],
    conn: Tx,
    status: Annotated[
        list[TaskStatus] | None,
        QueryParameter(description="Only these statuses; unpacked ones by default."),
    ] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=500, description="at most this many")] = 500,
    cursor: CursorQuery = None,
) -> service.TaskPage:
    """The store's pick tasks, earliest deadline first, a page at a time, with the time of
    every stage (created, claimed, first scan, picked, packed) and who holds or packed each
    (its staff)."""
    return await service.list_tasks(
        conn, store_id, status or service.OPEN, limit=limit, cursor=cursor
    )


@get(
    "/v1/stores/{store_id:str}/orders/{order_id:str}/pick-tasks",
    guards=[allow(Role.MANAGER, Role.PICKER)],
    tags=["picking"],
    operation_id="listOrderPickTasks",
)
async def list_order_pick_tasks(
    store_id: FromPath[str], order_id: FromPath[str], conn: Tx
) -> service.TaskPage:
    """One order's pick tasks, packed and cancelled ones too, with the time of every stage and
    who holds or packed each (its staff; none for an order the store has not been sent)."""
    tasks = await service.order_tasks(conn, store_id, order_id)
    return service.TaskPage(items=tasks, next_cursor=None)


@get(
    "/v1/stores/{store_id:str}/fulfillment/queue",
    guards=[allow(Role.MANAGER)],
    tags=["picking"],
    operation_id="getFulfillmentQueue",
)
async def get_queue(store_id: FromPath[str], conn: Tx, clock: Now) -> QueueView:
    """Backlog per zone with the oldest wait, orders at risk of missing their promise, and
    the pickers at work (the store's manager)."""
    return await service.queue_view(conn, clock, store_id)


LAYOUT_EXAMPLE = example(
    LayoutEdit,
    {
        "bins": [
            {"sku": "SKU-10001", "zone": "produce", "aisle": 1, "bay": 1, "shelf": 1},
            {"sku": "SKU-10002", "zone": "produce", "aisle": 1, "bay": 1, "shelf": 2},
        ]
    },
    "Cabbage and daikon on the first bay of aisle 1",
)


@put(
    "/v1/stores/{store_id:str}/layout",
    guards=[allow(Role.MANAGER)],
    tags=["layout"],
    operation_id="editLayout",
)
async def edit_layout(
    store_id: FromPath[str], data: Annotated[LayoutEdit, LAYOUT_EXAMPLE], conn: Tx
) -> BinPage:
    """Place or move products on the floor (the store's manager); the whole layout comes back
    in walking order, one page. PUT: a repeat is the same change."""
    return BinPage(items=await service.edit_layout(conn, store_id, data.bins), next_cursor=None)


@get(
    "/v1/stores/{store_id:str}/packing-rule",
    guards=[allow(Role.MANAGER, Role.PICKER)],
    tags=["packing"],
    operation_id="getPackingRule",
)
async def get_packing_rule(store_id: FromPath[str], conn: Tx) -> PackingRule:
    """Which zones may share a bag, and the lines a bag holds (the store's staff)."""
    return await service.packing_rule(conn, store_id)


PACKING_RULE_EXAMPLE = example(
    PackingRule,
    {"groups": [["ambient", "produce"], ["chilled", "frozen"]], "lines_per_bag": 6},
    "Cold goods bagged together, apart from the rest",
)


@put(
    "/v1/stores/{store_id:str}/packing-rule",
    guards=[allow(Role.MANAGER)],
    tags=["packing"],
    operation_id="setPackingRule",
)
async def set_packing_rule(
    store_id: FromPath[str], data: Annotated[PackingRule, PACKING_RULE_EXAMPLE], conn: Tx
) -> PackingRule:
    """Set the store's packing rule (its manager): `groups` of zones that may share a bag
    (chilled and frozen never with ambient or produce) and `lines_per_bag` (1 to 40)."""
    return await service.set_packing_rule(conn, store_id, data)


ROUTES = [
    get_layout,
    edit_layout,
    list_pickers,
    list_pick_tasks,
    list_order_pick_tasks,
    get_queue,
    get_packing_rule,
    set_packing_rule,
]
