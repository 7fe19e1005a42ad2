"""Packing a picked tote into labelled bags; the last zone of an order sends it on."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import asyncpg
import msgspec

from services.fulfillment.batches import line_store as line_db
from services.fulfillment.batches import store as db
from services.fulfillment.batches.bagging import (
    MAX_BAGS_PER_ZONE,
    OpenBag,
    PackedBag,
    PackingRule,
    fill,
    goods_lines,
    group_of,
    open_bags,
)
from services.fulfillment.batches.claiming import Policy, hold, task_of_order
from services.fulfillment.batches.labels import bag_labels, free_slot, label_text
from services.fulfillment.batches.rules import (
    RESOLVED,
    PickLine,
)
from services.fulfillment.batches.views import BatchView, batch_view
from services.fulfillment.domain import Zone
from shared.auth import Principal
from shared.bus import publish
from shared.clock import Clock
from shared.errors import Conflict, InvalidInput
from shared.events import (
    Bag,
    OrderPacked,
    OrderReadyForPickup,
    PackedLine,
    Substitute,
    TaskStages,
)


class Label(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    zone: Zone
    number: int
    of: int
    zones: list[Zone]
    text: str


class PackResult(msgspec.Struct, frozen=True, kw_only=True):
    order_id: str
    labels: list[Label]  # the new bags, and the shared bag with its label reprinted
    order_packed: bool
    staging_slot: str | None
    batch: BatchView


class BagCount(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """How a zone's goods are bagged: `count` new bags, and `into` a bag of the order an
    earlier zone of the same group opened (its code; the batch view lists those with room)."""

    zone: Zone
    count: int = msgspec.field(default=1)
    into: str | None = None


def _check_bags(bags: Sequence[BagCount], zone: str) -> BagCount:
    for i, b in enumerate(bags):
        if b.zone != zone:
            raise InvalidInput(
                f"this batch picked the {zone} zone; {b.zone} goods are bagged by their own batch",
                field=f"bags[{i}].zone",
            )
        if not 0 <= b.count <= MAX_BAGS_PER_ZONE:
            raise InvalidInput("a zone takes 0 to 20 new bags", field=f"bags[{i}].count")
        if b.count == 0 and b.into is None:
            raise InvalidInput(
                "no new bag and no bag to share: say where the goods go", field=f"bags[{i}].count"
            )
    if len(bags) != 1:
        if not bags:
            raise InvalidInput(f"say how many bags the {zone} goods take", field="bags")
        raise InvalidInput(f"the {zone} zone is listed {len(bags)} times", field="bags")
    return bags[0]


def _shared(rule: PackingRule, zone: str, packed: list[PackedBag], code: str) -> OpenBag:
    """The bag named by `into`, if this zone may put its goods in it."""
    bag = next((b for b in packed if b.bag.code == code), None)
    if bag is None:
        raise InvalidInput(f"this order has no bag {code} packed", field="bags[0].into")
    if not set(bag.zones) <= group_of(rule, zone):
        raise InvalidInput(
            f"bag {code} holds {'+'.join(bag.zones)}: {zone} goods may not share it "
            f"(this store's packing rule keeps the cold chain)",
            field="bags[0].into",
        )
    found = next((o for o in open_bags(rule, zone, packed) if o.code == code), None)
    if found is None:
        raise Conflict(f"bag {code} is full", field="bags[0].into")
    return found


def _label(order_id: str, bag: Bag) -> Label:
    zones = bag.zones or [bag.zone]
    return Label(
        code=bag.code,
        zone=bag.zone,
        number=bag.number,
        of=bag.of,
        zones=zones,
        text=label_text(order_id, bag),
    )


async def pack(
    conn: asyncpg.Connection,
    clock: Clock,
    principal: Principal,
    policy: Policy,
    *,
    batch_id: str,
    order_id: str,
    bags: Sequence[BagCount],
) -> PackResult:
    """Bag one order's tote, into new bags and maybe a bag an earlier zone of its group opened
    (the store's packing rule). When every zone of the order is bagged, `order.packed` carries
    the final lines, substitutes, the physical bags and stage times; a pickup order also gets
    a staging slot and `order.ready_for_pickup`."""
    now = clock.now()
    batch = await hold(conn, clock, principal, batch_id, policy)
    store_id = batch.store_id
    task = await task_of_order(conn, batch, order_id)
    if task.status in ("packed", "cancelled"):
        raise Conflict(f"order {order_id} is {task.status} already", field="order_id")
    lines = await line_db.lines_of_task(conn, store_id=store_id, task_id=task.task_id)
    waiting = [x for x in lines if x.state not in RESOLVED]
    if waiting:
        raise Conflict(
            "not ready to pack: "
            + "; ".join(f"{x.name_en} is {x.state.replace('_', ' ')}" for x in waiting),
            field="order_id",
            lines=[x.line_id for x in waiting],
        )
    spec = _check_bags(bags, task.zone)
    await db.lock_order_packing(conn, store_id=store_id, order_id=order_id)
    rule = await db.get_packing_rule(conn, store_id=store_id)
    packed = (await db.packed_bags(conn, store_id=store_id, order_ids=[order_id])).get(order_id, [])
    into = None if spec.into is None else _shared(rule, task.zone, packed, spec.into)
    split = fill(goods_lines(lines), spec.count, into, "bags[0]")
    labels = bag_labels(order_id, task.zone, spec.count)
    await db.insert_bags(
        conn, store_id=store_id, order_id=order_id, bags=labels, lines=split.new, now=now
    )
    if into is not None:
        await db.share_bag(
            conn,
            store_id=store_id,
            order_id=order_id,
            code=into.code,
            zone=task.zone,
            lines=split.into,
        )
    await db.mark_packed(
        conn, store_id=store_id, task_id=task.task_id, picker_id=principal.subject, now=now
    )
    packed_now, slot = await _finish_order(conn, store_id=store_id, order_id=order_id, now=now)
    await db.close_batch(conn, store_id=store_id, batch_id=batch_id, now=now)
    after = await db.lock_batch(conn, store_id=store_id, batch_id=batch_id)
    assert after is not None
    order_bags = {
        b.code: b for b in await db.bags_of_order(conn, store_id=store_id, order_id=order_id)
    }
    touched = [*(b.code for b in labels), *([into.code] if into else [])]
    return PackResult(
        order_id=order_id,
        labels=[_label(order_id, order_bags[code]) for code in touched],
        order_packed=packed_now,
        staging_slot=slot,
        batch=await batch_view(conn, after),
    )


def _packed_line(line: PickLine) -> PackedLine:
    sub = line.substitute
    substitute = None
    if sub is not None and sub.approved and sub.picked > 0:
        substitute = Substitute(
            sku=sub.sku,
            name_en=sub.name_en,
            name_ja=sub.name_ja,
            unit=sub.unit,
            quantity=sub.picked,
            unit_price=sub.unit_price,
        )
    return PackedLine(line_no=line.line_no, sku=line.sku, picked=line.picked, substitute=substitute)


async def _finish_order(
    conn: asyncpg.Connection, *, store_id: str, order_id: str, now: datetime
) -> tuple[bool, str | None]:
    tasks = [
        t
        for t in await db.tasks_of_order(conn, store_id=store_id, order_id=order_id)
        if t.status != "cancelled"
    ]
    if any(t.status != "packed" for t in tasks):
        return False, None
    lines = await line_db.lines_of_order(conn, store_id=store_id, order_id=order_id)
    bags: list[Bag] = await db.bags_of_order(conn, store_id=store_id, order_id=order_id)
    await publish(
        conn,
        OrderPacked(
            order_id=order_id,
            store_id=store_id,
            lines=[_packed_line(x) for x in sorted(lines, key=lambda x: x.line_no)],
            bags=bags,
            stages=[
                TaskStages(
                    zone=t.zone,
                    picker_id=t.picker_id or "",
                    claimed_at=t.claimed_at or now,  # every claim sets it: a packed task has it
                    first_scan_at=t.first_scan_at,
                    picked_at=t.picked_at or now,
                    packed_at=t.packed_at or now,
                )
                for t in tasks
            ],
        ),
        occurred_at=now,
    )
    if tasks[0].fulfilment != "pickup":
        return True, None
    slot = free_slot(await db.taken_slots(conn, store_id=store_id))
    await db.stage(conn, store_id=store_id, order_id=order_id, slot=slot, now=now)
    await publish(
        conn,
        OrderReadyForPickup(order_id=order_id, store_id=store_id, slot=slot, bags=bags),
        occurred_at=now,
    )
    return True, slot
