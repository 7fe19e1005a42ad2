"""What a handheld shows of a batch: its totes, its lines in walking order, the item to pick now."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import asyncpg
import msgspec

from services.fulfillment.batches import line_store as line_db
from services.fulfillment.batches import store as db
from services.fulfillment.batches.bagging import (
    DEFAULT_RULE,
    OpenBag,
    PackedBag,
    PackingRule,
    goods_lines,
    open_bags,
)
from services.fulfillment.batches.rules import RESOLVED, LineState, PickLine, Where, target
from services.fulfillment.domain import BatchStatus, Zone
from shared.events import Fulfilment, Unit

Next = Literal["pick", "wait", "pack", "done"]
ToteStatus = Literal["picking", "waiting", "ready_to_pack", "packed", "cancelled"]


class Tote(msgspec.Struct, frozen=True, kw_only=True):
    tote: int
    order_id: str
    fulfilment: Fulfilment
    deadline: datetime
    status: ToteStatus
    lines: int = 0  # lines with goods in the tote: what the bags must hold
    share: list[OpenBag] = []  # ready to pack: the order's bags these goods may go into
    parked_at: datetime | None = None  # parked by an earlier batch: fetch it from the shelf
    parked_by: str | None = None
    parked_by_name: str | None = None


class Item(msgspec.Struct, frozen=True, kw_only=True):
    state: LineState
    line: PickLine


class Current(msgspec.Struct, frozen=True, kw_only=True):
    """The item to pick now, as the screen shows it large."""

    line_id: str
    tote: int
    sku: str
    name_en: str
    name_ja: str
    unit: Unit
    quantity: int
    picked: int
    bin: Where | None
    substitute: bool


class BatchView(msgspec.Struct, frozen=True, kw_only=True):
    batch_id: str
    store_id: str
    zone: Zone
    picker_id: str
    status: BatchStatus
    claimed_at: datetime
    lease_until: datetime
    totes: list[Tote]
    items: list[Item]
    current: Current | None
    next: Next
    lines_per_bag: int = DEFAULT_RULE.lines_per_bag  # the store's packing rule


def _tote_status(task: db.TaskRow, lines: list[PickLine]) -> ToteStatus:
    if task.status == "packed" or task.status == "cancelled":
        return task.status
    states = {x.state for x in lines}
    if states <= RESOLVED:
        return "ready_to_pack"
    if states & {"open", "substitute"}:
        return "picking"
    return "waiting"


def _current(lines: list[PickLine]) -> Current | None:
    for line in lines:
        want = target(line)
        if want is not None and line.tote is not None:
            return Current(
                line_id=line.line_id,
                tote=line.tote,
                sku=want.sku,
                name_en=want.name,
                name_ja=want.name_ja,
                unit=want.unit,
                quantity=want.quantity,
                picked=want.picked,
                bin=want.bin,
                substitute=want.substitute,
            )
    return None


def render(
    batch: db.Batch,
    tasks: list[db.TaskRow],
    lines: list[PickLine],
    rule: PackingRule = DEFAULT_RULE,
    packed: dict[str, list[PackedBag]] | None = None,
) -> BatchView:
    """The batch as the handheld shows it; `packed`: the bags of its orders packed so far by
    other zones, from which each tote ready to pack is told what it may share."""
    totes = []
    for t in tasks:
        mine = [x for x in lines if x.task_id == t.task_id]
        status = _tote_status(t, mine)
        share = open_bags(rule, t.zone, (packed or {}).get(t.order_id, []))
        totes.append(
            Tote(
                tote=t.tote or 0,
                order_id=t.order_id,
                fulfilment=t.fulfilment,
                deadline=t.deadline,
                status=status,
                lines=goods_lines(mine),
                share=share if status == "ready_to_pack" else [],
                parked_at=t.parked_at,
                parked_by=t.parked_by,
                parked_by_name=t.parked_by_name,
            )
        )
    current = _current(lines)
    if current is not None:
        step: Next = "pick"
    elif any(t.status == "ready_to_pack" for t in totes):
        step = "pack"
    elif any(t.status == "waiting" for t in totes):
        step = "wait"
    else:
        step = "done"
    return BatchView(
        batch_id=batch.batch_id,
        store_id=batch.store_id,
        zone=batch.zone,
        picker_id=batch.picker_id,
        status=batch.status,
        claimed_at=batch.claimed_at,
        lease_until=batch.lease_until,
        totes=totes,
        items=[Item(state=x.state, line=x) for x in lines],
        current=current,
        next=step,
        lines_per_bag=rule.lines_per_bag,
    )


async def batch_view(conn: asyncpg.Connection, batch: db.Batch) -> BatchView:
    keys = {"store_id": batch.store_id, "batch_id": batch.batch_id}
    tasks = await db.tasks_of_batch(conn, **keys)
    lines = await line_db.lines_of_batch(conn, **keys)
    rule = await db.get_packing_rule(conn, store_id=batch.store_id)
    ready = [
        t.order_id
        for t in tasks
        if _tote_status(t, [x for x in lines if x.task_id == t.task_id]) == "ready_to_pack"
    ]
    packed = await db.packed_bags(conn, store_id=batch.store_id, order_ids=ready) if ready else {}
    return render(batch, tasks, lines, rule, packed)
