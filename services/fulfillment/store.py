"""Fulfillment's queries: one function per query in queries.sql."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import asyncpg
import msgspec

from services.fulfillment.domain import Bin
from services.fulfillment.tasks import Task
from shared.ids import uuid7
from shared.sql import load_queries

Q = load_queries(Path(__file__).with_name("queries.sql"))


class Picker(msgspec.Struct, frozen=True):
    picker_id: str
    name: str


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
        Q["upsert_store"], store_id, name, timezone, updated_at, weight_prefixes, price_prefixes
    )


async def store_exists(conn: asyncpg.Connection, *, store_id: str) -> bool:
    return await conn.fetchval(Q["store_exists"], store_id)


async def upsert_bins(conn: asyncpg.Connection, *, store_id: str, bins: Sequence[Bin]) -> None:
    await conn.execute(
        Q["upsert_bins"],
        store_id,
        *(
            [getattr(b, column) for b in bins]
            for column in ("sku", "zone", "aisle", "bay", "shelf")
        ),
    )


async def list_bins(conn: asyncpg.Connection, *, store_id: str) -> list[Bin]:
    return [msgspec.convert(dict(r), Bin) for r in await conn.fetch(Q["list_bins"], store_id)]


async def list_pickers(conn: asyncpg.Connection, *, store_id: str) -> list[Picker]:
    return [
        Picker(r["picker_id"], r["name"]) for r in await conn.fetch(Q["list_pickers"], store_id)
    ]


async def bins_of(conn: asyncpg.Connection, *, store_id: str, skus: list[str]) -> dict[str, Bin]:
    rows = await conn.fetch(Q["bins_of"], store_id, skus)
    return {r["sku"]: msgspec.convert(dict(r), Bin) for r in rows}


async def insert_task(
    conn: asyncpg.Connection, task: Task, *, store_id: str, fulfilment: str, at: datetime
) -> bool:
    """False if the order's task for that zone exists already (a redelivered event)."""
    task_id = f"tsk_{uuid7().hex}"
    if not await conn.fetchval(
        Q["insert_task"], store_id, task_id, task.order_id, task.zone, fulfilment, task.deadline, at
    ):
        return False
    lines = task.lines
    await conn.execute(
        Q["insert_task_lines"],
        store_id,
        task_id,
        list(range(1, len(lines) + 1)),
        [x.line_no for x in lines],
        [x.sku for x in lines],
        [x.name_en for x in lines],
        [x.name_ja for x in lines],
        [x.unit for x in lines],
        [x.quantity for x in lines],
        [x.bin.aisle if x.bin else None for x in lines],
        [x.bin.bay if x.bin else None for x in lines],
        [x.bin.shelf if x.bin else None for x in lines],
        [x.ean for x in lines],
        [x.unit_price for x in lines],
        [x.substitution for x in lines],
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
    rows = await conn.fetch(Q["cancel_tasks"], store_id, order_id)
    return [msgspec.convert(dict(r), Cancelled) for r in rows]


class TaskSummary(msgspec.Struct, frozen=True, kw_only=True):
    """A pick task and the time of every stage it reached."""

    task_id: str
    order_id: str
    zone: str
    fulfilment: str
    status: str
    deadline: datetime
    batch_id: str | None
    tote: int | None
    picker_id: str | None
    lines: int
    lines_left: int
    created_at: datetime
    claimed_at: datetime | None
    first_scan_at: datetime | None
    picked_at: datetime | None
    packed_at: datetime | None


async def tasks(
    conn: asyncpg.Connection, *, store_id: str, statuses: Sequence[str], limit: int = 500
) -> list[TaskSummary]:
    rows = await conn.fetch(Q["tasks"], store_id, list(statuses), limit)
    return [msgspec.convert(dict(r), TaskSummary) for r in rows]


class PickerAtWork(msgspec.Struct, frozen=True, kw_only=True):
    picker_id: str
    name: str
    batch_id: str
    zone: str
    orders: int
    claimed_at: datetime
    lease_until: datetime


async def pickers_at_work(conn: asyncpg.Connection, *, store_id: str) -> list[PickerAtWork]:
    rows = await conn.fetch(Q["pickers_at_work"], store_id)
    return [msgspec.convert(dict(r), PickerAtWork) for r in rows]
