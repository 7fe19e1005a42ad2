"""Fulfillment's use cases."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import asyncpg

from services.fulfillment import store as db
from services.fulfillment.batches import store as batches_db
from services.fulfillment.batches.bagging import PackingRule, check_rule
from services.fulfillment.domain import Bin, Picker, TaskStatus, walk_order
from services.fulfillment.queue import QueueView, TaskSummary, summarize
from shared import paging
from shared.clock import Clock
from shared.errors import InvalidInput, NotFound


async def _known_store(conn: asyncpg.Connection, store_id: str) -> None:
    if not await db.store_exists(conn, store_id=store_id):
        raise NotFound(f"fulfillment knows no store {store_id}", field="store_id")


async def pick_path(conn: asyncpg.Connection, store_id: str) -> list[Bin]:
    """Every bin of the store in walking order."""
    await _known_store(conn, store_id)
    return walk_order(await db.list_bins(conn, store_id=store_id))


async def pickers(conn: asyncpg.Connection, store_id: str) -> list[Picker]:
    await _known_store(conn, store_id)
    return await db.list_pickers(conn, store_id=store_id)


OPEN: tuple[TaskStatus, ...] = ("queued", "claimed", "picked")


class TaskPage(paging.Page, frozen=True, kw_only=True):
    items: list[TaskSummary]


async def list_tasks(
    conn: asyncpg.Connection,
    store_id: str,
    statuses: Sequence[TaskStatus],
    *,
    limit: int,
    cursor: str | None,
) -> TaskPage:
    """The store's tasks of `statuses`, earliest deadline first, a page at a time (packed ones
    pile up all day)."""
    await _known_store(conn, store_id)
    after = paging.decode_cursor(cursor, tuple[datetime, str])
    rows = await db.tasks(conn, store_id=store_id, statuses=statuses, after=after, limit=limit + 1)
    shown, next_cursor = paging.cut(rows, limit, lambda t: (t.deadline, t.task_id))
    return TaskPage(items=list(shown), next_cursor=next_cursor)


async def order_tasks(conn: asyncpg.Connection, store_id: str, order_id: str) -> list[TaskSummary]:
    await _known_store(conn, store_id)
    return await db.order_tasks(conn, store_id=store_id, order_id=order_id)


async def queue_view(conn: asyncpg.Connection, clock: Clock, store_id: str) -> QueueView:
    await _known_store(conn, store_id)
    return summarize(
        await db.tasks(conn, store_id=store_id, statuses=OPEN),
        await db.pickers_at_work(conn, store_id=store_id),
        clock.now(),
    )


async def edit_layout(conn: asyncpg.Connection, store_id: str, bins: Sequence[Bin]) -> list[Bin]:
    """Place products on the floor (all or nothing); tasks already queued keep their walk."""
    await _known_store(conn, store_id)
    seen: set[str] = set()
    for i, spot in enumerate(bins):
        if spot.sku in seen:
            raise InvalidInput(f"{spot.sku} is placed twice", field=f"bins[{i}].sku")
        seen.add(spot.sku)
    await db.upsert_bins(conn, store_id=store_id, bins=bins)
    return walk_order(await db.list_bins(conn, store_id=store_id))


async def packing_rule(conn: asyncpg.Connection, store_id: str) -> PackingRule:
    await _known_store(conn, store_id)
    return await batches_db.get_packing_rule(conn, store_id=store_id)


async def set_packing_rule(
    conn: asyncpg.Connection, store_id: str, rule: PackingRule
) -> PackingRule:
    """Packers bag by this rule from their next tote; bags already packed keep what they hold."""
    await _known_store(conn, store_id)
    await batches_db.set_packing_rule(conn, store_id=store_id, rule=check_rule(rule))
    return rule
