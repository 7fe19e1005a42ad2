"""The lines of pick tasks as pickers work them: read in walking order, counted, reported
short, given substitutes. Queries in queries.sql, with the rest of the batches'."""

from __future__ import annotations

from datetime import datetime

import asyncpg
import msgspec

from services.fulfillment.batches.rules import PickLine, SubstituteItem, Where
from services.fulfillment.batches.store import Q
from services.fulfillment.domain import TaskStatus, walk_key
from shared.events import SubstituteReason, Unit
from shared.ids import uuid7
from shared.money import Money
from shared.sql import row_as


def _where(aisle: int | None, bay: int | None, shelf: int | None) -> Where | None:
    if aisle is None or bay is None or shelf is None:
        return None
    return Where(aisle=aisle, bay=bay, shelf=shelf)


def _pick_line(r: asyncpg.Record) -> PickLine:
    substitute = None
    if r["substitution_id"] is not None:
        substitute = SubstituteItem(
            substitution_id=r["substitution_id"],
            sku=r["s_sku"],
            ean=r["s_ean"],
            name_en=r["s_name_en"],
            name_ja=r["s_name_ja"],
            unit=r["s_unit"],
            quantity=r["s_quantity"],
            unit_price=Money(r["s_unit_price"], r["currency"]),
            bin=_where(r["s_aisle"], r["s_bay"], r["s_shelf"]),
            decide_by=r["decide_by"],
            approved=r["approved"],
            picked=r["s_picked"],
            closed=r["closed"],
            why=msgspec.convert(r["s_why"], list[SubstituteReason]),
        )
    return PickLine(
        line_id=f"{r['task_id']}-{r['seq']}",
        task_id=r["task_id"],
        seq=r["seq"],
        order_id=r["order_id"],
        tote=r["tote"],
        zone=r["zone"],
        line_no=r["line_no"],
        sku=r["sku"],
        ean=r["ean"],
        name_en=r["name_en"],
        name_ja=r["name_ja"],
        unit=r["unit"],
        quantity=r["quantity"],
        unit_price=Money(r["unit_price"], r["currency"]),
        preference=r["preference"],
        bin=_where(r["aisle"], r["bay"], r["shelf"]),
        picked=r["picked"],
        short=r["short"],
        picked_by=r["picked_by"],
        substitute=substitute,
    )


def _walk(line: PickLine) -> tuple[bool, tuple[int, int, int], int, int]:
    return (
        line.bin is None,
        walk_key(line.bin) if line.bin else (0, 0, 0),
        line.tote or 0,
        line.seq,
    )


def _in_walking_order(rows: list[asyncpg.Record]) -> list[PickLine]:
    return sorted((_pick_line(r) for r in rows), key=_walk)


async def lines_of_batch(
    conn: asyncpg.Connection, *, store_id: str, batch_id: str
) -> list[PickLine]:
    """The batch's lines in walking order (unplaced products last), totes interleaved."""
    rows = await conn.fetch(*Q["lines_of_batch"](store_id=store_id, batch_id=batch_id))
    return _in_walking_order(rows)


async def lines_of_task(conn: asyncpg.Connection, *, store_id: str, task_id: str) -> list[PickLine]:
    rows = await conn.fetch(*Q["lines_of_task"](store_id=store_id, task_id=task_id))
    return _in_walking_order(rows)


async def lines_of_order(
    conn: asyncpg.Connection, *, store_id: str, order_id: str
) -> list[PickLine]:
    rows = await conn.fetch(*Q["lines_of_order"](store_id=store_id, order_id=order_id))
    return _in_walking_order(rows)


async def add_picked(
    conn: asyncpg.Connection,
    line: PickLine,
    *,
    store_id: str,
    substitute: bool,
    amount: int,
    picker_id: str,
) -> None:
    keys = (store_id, line.task_id, line.seq, amount)
    if substitute:
        await conn.execute(Q["add_substitute_picked"], *keys)
    else:
        await conn.execute(Q["add_picked"], *keys, picker_id)


async def record_scan(
    conn: asyncpg.Connection,
    line: PickLine,
    *,
    store_id: str,
    batch_id: str,
    substitute: bool,
    picker_id: str,
    barcode: str,
    amount: int,
    device_id: str | None,
    at: datetime,
) -> None:
    await conn.execute(
        *Q["record_scan"](
            store_id=store_id,
            scan_id=uuid7(),
            batch_id=batch_id,
            task_id=line.task_id,
            seq=line.seq,
            substitute=substitute,
            picker_id=picker_id,
            barcode=barcode,
            amount=amount,
            device_id=device_id,
            at=at,
        )
    )
    await conn.execute(Q["first_scan"], store_id, line.task_id, at)


async def mark_short(conn: asyncpg.Connection, line: PickLine, *, store_id: str) -> None:
    await conn.execute(Q["mark_short"], store_id, line.task_id, line.seq)


async def close_substitute(conn: asyncpg.Connection, line: PickLine, *, store_id: str) -> None:
    await conn.execute(Q["close_substitute"], store_id, line.task_id, line.seq)


async def insert_substitute(
    conn: asyncpg.Connection,
    line: PickLine,
    *,
    store_id: str,
    substitution_id: str,
    sku: str,
    ean: str,
    name_en: str,
    name_ja: str,
    unit: Unit,
    quantity: int,
    unit_price: int,
    decide_by: datetime,
    why: list[SubstituteReason],
) -> None:
    """The substitute's bin comes from the store's layout, so the picker is sent to it."""
    await conn.execute(
        *Q["insert_substitute"](
            store_id=store_id,
            task_id=line.task_id,
            seq=line.seq,
            substitution_id=substitution_id,
            sku=sku,
            ean=ean,
            name_en=name_en,
            name_ja=name_ja,
            unit=unit,
            quantity=quantity,
            unit_price=unit_price,
            decide_by=decide_by,
            why=why,
        )
    )


class Decided(msgspec.Struct, frozen=True, kw_only=True):
    task_id: str
    seq: int
    batch_id: str | None
    picker_id: str | None
    status: TaskStatus
    name_en: str


async def decide_substitute(
    conn: asyncpg.Connection, *, store_id: str, substitution_id: str, approved: bool
) -> Decided | None:
    """None if the substitution is unknown here or decided already (a redelivered event)."""
    return row_as(
        Decided, await conn.fetchrow(Q["decide_substitute"], store_id, substitution_id, approved)
    )
