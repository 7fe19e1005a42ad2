"""Batches' queries: one function per query in queries.sql."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from pathlib import Path

import asyncpg
import msgspec

from services.fulfillment.batches.bagging import DEFAULT_RULE, PackedBag, PackingRule
from services.fulfillment.batches.planning import Candidate, Stop
from services.fulfillment.domain import BatchStatus, TaskStatus, Zone
from shared.events import Bag, Fulfilment
from shared.sql import load_queries, row_as, rows_as

Q = load_queries(Path(__file__).with_name("queries.sql"))


class Batch(msgspec.Struct, frozen=True, kw_only=True):
    store_id: str
    batch_id: str
    picker_id: str
    zone: Zone
    status: BatchStatus
    claimed_at: datetime
    lease_until: datetime
    closed_at: datetime | None


class TaskRow(msgspec.Struct, frozen=True, kw_only=True):
    task_id: str
    order_id: str
    zone: Zone
    tote: int | None
    fulfilment: Fulfilment
    deadline: datetime
    status: TaskStatus
    picker_id: str | None
    claimed_at: datetime | None
    first_scan_at: datetime | None
    picked_at: datetime | None
    packed_at: datetime | None
    parked_at: datetime | None = None  # a picker parked its tote to await the shopper
    parked_by: str | None = None
    parked_by_name: str | None = None  # (tasks_of_batch only)


class Lapsed(msgspec.Struct, frozen=True):
    batch_id: str
    picker_id: str
    requeued: int


async def lapse_batches(conn: asyncpg.Connection, *, store_id: str, now: datetime) -> list[Lapsed]:
    return rows_as(Lapsed, await conn.fetch(Q["lapse_batches"], store_id, now))


async def stores_with_lapsed(conn: asyncpg.Connection, *, now: datetime) -> list[str]:
    return [r["store_id"] for r in await conn.fetch(Q["stores_with_lapsed"], now)]


async def candidates(
    conn: asyncpg.Connection, *, store_id: str, limit: int, excluding: Collection[str]
) -> list[Candidate]:
    """The queued tasks due first, unlocked: a claim plans on them, then takes what it chose."""
    return [
        Candidate(
            task_id=r["task_id"],
            zone=r["zone"],
            deadline=r["deadline"],
            stops=[Stop(*s) for s in r["stops"]],
        )
        for r in await conn.fetch(Q["candidates"], store_id, limit, list(excluding))
    ]


async def take_queued(
    conn: asyncpg.Connection, *, store_id: str, task_ids: Sequence[str]
) -> set[str]:
    """Lock those of `task_ids` that are still queued and not being taken by another claim."""
    return {r["task_id"] for r in await conn.fetch(Q["take_queued"], store_id, list(task_ids))}


async def bays(conn: asyncpg.Connection, *, store_id: str) -> int:
    return await conn.fetchval(Q["bays"], store_id)


async def active_batch(conn: asyncpg.Connection, *, store_id: str, picker_id: str) -> str | None:
    return await conn.fetchval(Q["active_batch"], store_id, picker_id)


async def insert_batch(
    conn: asyncpg.Connection,
    *,
    store_id: str,
    batch_id: str,
    picker_id: str,
    zone: Zone,
    now: datetime,
    lease_until: datetime,
    task_ids: Sequence[str],
) -> None:
    await conn.execute(
        *Q["insert_batch"](
            store_id=store_id,
            batch_id=batch_id,
            picker_id=picker_id,
            zone=zone,
            claimed_at=now,
            lease_until=lease_until,
            task_ids=list(task_ids),
        )
    )


async def assign_tasks(
    conn: asyncpg.Connection,
    *,
    store_id: str,
    batch_id: str,
    picker_id: str,
    task_ids: Sequence[str],
    now: datetime,
) -> None:
    await conn.execute(
        *Q["assign_tasks"](
            store_id=store_id,
            batch_id=batch_id,
            picker_id=picker_id,
            task_ids=list(task_ids),
            totes=list(range(1, len(task_ids) + 1)),
            now=now,
        )
    )


async def lock_batch(conn: asyncpg.Connection, *, store_id: str, batch_id: str) -> Batch | None:
    """The batch and its tasks, locked in that order (every writer of both takes them so)."""
    row = await conn.fetchrow(Q["lock_batch"], store_id, batch_id)
    if row is None:
        return None
    await conn.execute(Q["lock_batch_tasks"], store_id, batch_id)
    return row_as(Batch, row)


async def lease_of(
    conn: asyncpg.Connection | asyncpg.Pool, *, store_id: str, picker_id: str
) -> tuple[str, datetime] | None:
    """The picker's active batch and when its lease runs out."""
    row = await conn.fetchrow(Q["lease_of"], store_id, picker_id)
    return (row["batch_id"], row["lease_until"]) if row else None


async def renew(
    conn: asyncpg.Connection, *, store_id: str, batch_id: str, lease_until: datetime
) -> None:
    await conn.execute(Q["renew"], store_id, batch_id, lease_until)


async def close_batch(
    conn: asyncpg.Connection, *, store_id: str, batch_id: str, now: datetime
) -> bool:
    """Done when every task in it is packed or cancelled; False while one is still open."""
    return bool(await conn.fetchval(Q["close_batch"], store_id, batch_id, now))


async def tasks_of_batch(
    conn: asyncpg.Connection, *, store_id: str, batch_id: str
) -> list[TaskRow]:
    return rows_as(TaskRow, await conn.fetch(Q["tasks_of_batch"], store_id, batch_id))


async def tasks_of_order(
    conn: asyncpg.Connection, *, store_id: str, order_id: str
) -> list[TaskRow]:
    return rows_as(TaskRow, await conn.fetch(Q["tasks_of_order"], store_id, order_id))


async def mark_picked(
    conn: asyncpg.Connection, *, store_id: str, task_id: str, now: datetime
) -> None:
    """Every line of the task is resolved: picked, whether it is held in a batch or queued."""
    await conn.execute(Q["mark_picked"], store_id, task_id, now)
    await conn.execute(Q["mark_picked_in_queue"], store_id, task_id, now)


async def park_task(
    conn: asyncpg.Connection, *, store_id: str, task_id: str, picker_id: str, now: datetime
) -> None:
    await conn.execute(
        *Q["park_task"](store_id=store_id, task_id=task_id, picker_id=picker_id, now=now)
    )


async def lock_order_packing(conn: asyncpg.Connection, *, store_id: str, order_id: str) -> None:
    await conn.execute(Q["lock_order_packing"], store_id, order_id)


async def mark_packed(
    conn: asyncpg.Connection, *, store_id: str, task_id: str, picker_id: str, now: datetime
) -> None:
    await conn.execute(Q["mark_packed"], store_id, task_id, now, picker_id)


async def insert_bags(
    conn: asyncpg.Connection,
    *,
    store_id: str,
    order_id: str,
    bags: Sequence[Bag],
    lines: Sequence[int],
    now: datetime,
) -> None:
    """New bags, each holding its own zone's `lines` (in the order of `bags`)."""
    await conn.execute(
        *Q["insert_bags"](
            store_id=store_id,
            order_id=order_id,
            packed_at=now,
            codes=[b.code for b in bags],
            zones=[b.zone for b in bags],
            numbers=[b.number for b in bags],
            ofs=[b.of for b in bags],
            lines=list(lines),
        )
    )


async def share_bag(
    conn: asyncpg.Connection, *, store_id: str, order_id: str, code: str, zone: Zone, lines: int
) -> None:
    await conn.execute(Q["share_bag"], store_id, order_id, code, zone, lines)


async def bags_of_order(conn: asyncpg.Connection, *, store_id: str, order_id: str) -> list[Bag]:
    return rows_as(Bag, await conn.fetch(Q["bags_of_order"], store_id, order_id))


async def packed_bags(
    conn: asyncpg.Connection, *, store_id: str, order_ids: Sequence[str]
) -> dict[str, list[PackedBag]]:
    """The bags of these orders packed so far, by order, oldest first."""
    found: dict[str, list[PackedBag]] = {}
    for r in await conn.fetch(Q["packed_bags"], store_id, list(order_ids)):
        bag = Bag(code=r["code"], zone=r["zone"], number=r["number"], of=r["of"], zones=r["zones"])
        found.setdefault(r["order_id"], []).append(
            PackedBag(bag=bag, zones=r["zones"], lines=r["lines"])
        )
    return found


async def get_packing_rule(conn: asyncpg.Connection, *, store_id: str) -> PackingRule:
    """The store's rule, or the default when its manager has set none."""
    rule = row_as(PackingRule, await conn.fetchrow(Q["get_packing_rule"], store_id))
    return DEFAULT_RULE if rule is None else rule


async def set_packing_rule(conn: asyncpg.Connection, *, store_id: str, rule: PackingRule) -> None:
    await conn.execute(Q["set_packing_rule"], store_id, rule.groups, rule.lines_per_bag)


async def taken_slots(conn: asyncpg.Connection, *, store_id: str) -> set[str]:
    return {r["slot"] for r in await conn.fetch(Q["taken_slots"], store_id)}


async def stage(
    conn: asyncpg.Connection, *, store_id: str, order_id: str, slot: str, now: datetime
) -> None:
    await conn.execute(Q["stage"], store_id, order_id, slot, now)


async def collect(conn: asyncpg.Connection, *, store_id: str, order_id: str, now: datetime) -> None:
    await conn.execute(Q["collect"], store_id, order_id, now)


async def advance_device(
    conn: asyncpg.Connection,
    *,
    store_id: str,
    device_id: str,
    picker_id: str,
    seq: int,
    now: datetime,
) -> int | None:
    """Record `seq` as the device's last command; if it is not newer, the last applied seq."""
    if await conn.fetchval(Q["device_seq"], store_id, device_id, picker_id, seq, now):
        return None
    return await conn.fetchval(Q["last_seq"], store_id, device_id)


async def store_prefixes(conn: asyncpg.Connection, *, store_id: str) -> tuple[list[str], list[str]]:
    row = await conn.fetchrow(Q["store_prefixes"], store_id)
    return (row["weight_prefixes"], row["price_prefixes"]) if row else ([], [])


class WentTo(msgspec.Struct, frozen=True, kw_only=True):
    order_id: str
    status: TaskStatus
    picker_id: str | None
    picker_name: str | None


async def where_tasks_went(
    conn: asyncpg.Connection, *, store_id: str, batch_id: str
) -> list[WentTo]:
    """Where the orders of a (lapsed) batch are now."""
    return rows_as(WentTo, await conn.fetch(Q["where_tasks_went"], store_id, batch_id))


async def is_picker(conn: asyncpg.Connection, *, store_id: str, picker_id: str) -> bool:
    return await conn.fetchval(Q["is_picker"], store_id, picker_id)
