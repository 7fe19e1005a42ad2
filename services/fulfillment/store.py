"""Fulfillment's queries: one function per query in queries.sql."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import asyncpg
import msgspec

from services.fulfillment.domain import Bin, Picker, TaskStatus
from services.fulfillment.queue import PickerAtWork, TaskSummary
from services.fulfillment.tasks import Task
from shared.events import Fulfilment
from shared.ids import uuid7
from shared.sql import load_queries, rows_as

Q = load_queries(Path(__file__).with_name("queries.sql"))


async def upsert_store(
    conn: asyncpg.Connection,
    *,
    store_id: str,
    name: str,
    timezone: str,
    updated_at: datetime,
    weight_prefixes: list[str],
    price_prefixes: list[str],
) -> None:
    await conn.execute(
        *Q["upsert_store"](
            store_id=store_id,
            name=name,
            timezone=timezone,
            updated_at=updated_at,
            weight_prefixes=weight_prefixes,
            price_prefixes=price_prefixes,
        )
    )


async def store_exists(conn: asyncpg.Connection, *, store_id: str) -> bool:
    return await conn.fetchval(Q["store_exists"], store_id)


async def upsert_bins(conn: asyncpg.Connection, *, store_id: str, bins: Sequence[Bin]) -> None:
    await conn.execute(
        *Q["upsert_bins"](
            store_id=store_id,
            skus=[b.sku for b in bins],
            zones=[b.zone for b in bins],
            aisles=[b.aisle for b in bins],
            bays=[b.bay for b in bins],
            shelves=[b.shelf for b in bins],
        )
    )


async def list_bins(conn: asyncpg.Connection, *, store_id: str) -> list[Bin]:
    return rows_as(Bin, await conn.fetch(Q["list_bins"], store_id))


async def list_pickers(conn: asyncpg.Connection, *, store_id: str) -> list[Picker]:
    return rows_as(Picker, await conn.fetch(Q["list_pickers"], store_id))


async def bins_of(conn: asyncpg.Connection, *, store_id: str, skus: list[str]) -> dict[str, Bin]:
    bins = rows_as(Bin, await conn.fetch(Q["bins_of"], store_id, skus))
    return {b.sku: b for b in bins}


async def insert_task(
    conn: asyncpg.Connection, task: Task, *, store_id: str, fulfilment: Fulfilment, at: datetime
) -> bool:
    """False if the order's task for that zone exists already (a redelivered event)."""
    task_id = f"tsk_{uuid7().hex}"
    if not await conn.fetchval(
        *Q["insert_task"](
            store_id=store_id,
            task_id=task_id,
            order_id=task.order_id,
            zone=task.zone,
            fulfilment=fulfilment,
            deadline=task.deadline,
            created_at=at,
            currency=task.currency,
        )
    ):
        return False
    lines = task.lines
    await conn.execute(
        *Q["insert_task_lines"](
            store_id=store_id,
            task_id=task_id,
            seqs=list(range(1, len(lines) + 1)),
            line_nos=[x.line_no for x in lines],
            skus=[x.sku for x in lines],
            names_en=[x.name_en for x in lines],
            names_ja=[x.name_ja for x in lines],
            units=[x.unit for x in lines],
            quantities=[x.quantity for x in lines],
            aisles=[x.bin.aisle if x.bin else None for x in lines],
            bays=[x.bin.bay if x.bin else None for x in lines],
            shelves=[x.bin.shelf if x.bin else None for x in lines],
            eans=[x.ean for x in lines],
            unit_prices=[x.unit_price for x in lines],
            preferences=[x.substitution for x in lines],
        )
    )
    return True


class Cancelled(msgspec.Struct, frozen=True, kw_only=True):
    batch_id: str | None
    picker_id: str | None
    tote: int | None


async def cancel_tasks(
    conn: asyncpg.Connection, *, store_id: str, order_id: str
) -> list[Cancelled]:
    """Every unpacked task of the order leaves the queue or its batch."""
    return rows_as(Cancelled, await conn.fetch(Q["cancel_tasks"], store_id, order_id))


async def tasks(
    conn: asyncpg.Connection,
    *,
    store_id: str,
    statuses: Sequence[TaskStatus],
    after: tuple[datetime, str] | None = None,
    limit: int = 500,
) -> list[TaskSummary]:
    """Earliest deadline first, after a page's last (deadline, task id) if given."""
    deadline, task_id = after or (None, None)
    rows = await conn.fetch(Q["tasks"], store_id, list(statuses), deadline, task_id, limit)
    return rows_as(TaskSummary, rows)


async def order_tasks(
    conn: asyncpg.Connection, *, store_id: str, order_id: str
) -> list[TaskSummary]:
    return rows_as(TaskSummary, await conn.fetch(Q["order_tasks"], store_id, order_id))


async def pickers_at_work(conn: asyncpg.Connection, *, store_id: str) -> list[PickerAtWork]:
    return rows_as(PickerAtWork, await conn.fetch(Q["pickers_at_work"], store_id))
