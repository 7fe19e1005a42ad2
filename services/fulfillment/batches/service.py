"""Batches' use cases: claim, scan, report short, pack, and the lease that holds them together.

Every command runs in the request's one transaction: it locks the batch and its tasks (in that
order, as every writer does), renews the lease, and changes lines, events and lease together.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import asyncpg
import msgspec

from services.fulfillment import live
from services.fulfillment.batches import store as db
from services.fulfillment.batches.labels import bag_labels, free_slot, label_text
from services.fulfillment.batches.planning import Candidate, plan_batch
from services.fulfillment.batches.rules import (
    RESOLVED,
    PickLine,
    SubstituteItem,
    amount_text,
    check_short,
    place_scan,
)
from services.fulfillment.batches.substitutes import SubstitutesClient
from services.fulfillment.batches.views import BatchView, batch_view
from services.fulfillment.domain import Zone
from shared.auth import Principal
from shared.barcodes import read_scan
from shared.bus import publish
from shared.clock import Clock
from shared.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from shared.events import (
    Bag,
    OrderPacked,
    OrderReadyForPickup,
    PackedLine,
    Substitute,
    SubstitutionDecided,
    SubstitutionProposed,
    TaskStages,
)
from shared.ids import uuid7

CANDIDATES = 40  # queued tasks the planner looks at per claim, earliest deadline first
CLAIM_ATTEMPTS = 20  # plans per claim when other claims keep taking the chosen tasks


class LeaseLapsed(DomainError):
    """The batch's lease lapsed"""

    status = 409
    slug = "lease-lapsed"


class Policy(msgspec.Struct, frozen=True, kw_only=True):
    """The store floor's knobs (FulfillmentSettings)."""

    batch_size: int
    lease: timedelta
    decide_within: timedelta


class ScanResult(msgspec.Struct, frozen=True, kw_only=True):
    line_id: str
    message: str
    batch: BatchView


class ShortResult(msgspec.Struct, frozen=True, kw_only=True):
    line_id: str
    message: str
    proposed: SubstituteItem | None
    batch: BatchView


class Label(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    zone: Zone
    number: int
    of: int
    text: str


class PackResult(msgspec.Struct, frozen=True, kw_only=True):
    order_id: str
    labels: list[Label]
    order_packed: bool
    staging_slot: str | None
    batch: BatchView


class Claimed(msgspec.Struct, frozen=True, kw_only=True):
    batch: BatchView | None
    message: str


async def lapse(conn: asyncpg.Connection, *, store_id: str, now: datetime) -> int:
    """Batches whose lease ran out give their unfinished tasks back to the queue, picked
    quantities kept (the tote stays where the picker left it); their pickers are told."""
    lapsed = await db.lapse_batches(conn, store_id=store_id, now=now)
    for batch in lapsed:
        await live.notify(
            conn,
            store_id=store_id,
            picker_id=batch.picker_id,
            kind="lapsed",
            batch_id=batch.batch_id,
            message="Your lease lapsed; its orders went back to the queue.",
        )
    return len(lapsed)


async def lapse_everywhere(pool: asyncpg.Pool, clock: Clock) -> int:
    """The periodic sweep, a short transaction per store."""
    lapsed = 0
    async with pool.acquire() as conn:
        for store_id in await db.stores_with_lapsed(conn, now=clock.now()):
            async with conn.transaction():
                lapsed += await lapse(conn, store_id=store_id, now=clock.now())
    return lapsed


async def claim(
    conn: asyncpg.Connection, clock: Clock, principal: Principal, policy: Policy
) -> Claimed:
    """The picker's batch: the one they hold already (a device that lost the answer asks
    again), else a new one from the queue, else none."""
    now = clock.now()
    store_id, picker_id = principal.store_id or "", principal.subject
    await lapse(conn, store_id=store_id, now=now)
    held = await db.active_batch(conn, store_id=store_id, picker_id=picker_id)
    if held is not None:
        batch = await _hold(conn, clock, principal, held, policy)
        return Claimed(batch=await batch_view(conn, batch), message="You hold this batch.")
    chosen = await _take_batch(conn, store_id=store_id, size=policy.batch_size)
    if not chosen:
        return Claimed(batch=None, message="Nothing to pick right now.")
    batch_id = f"bat_{uuid7().hex}"
    await db.insert_batch(
        conn,
        store_id=store_id,
        batch_id=batch_id,
        picker_id=picker_id,
        zone=chosen[0].zone,
        now=now,
        lease_until=now + policy.lease,
        task_ids=[c.task_id for c in chosen],
    )
    await db.assign_tasks(
        conn,
        store_id=store_id,
        batch_id=batch_id,
        picker_id=picker_id,
        task_ids=[c.task_id for c in chosen],
        now=now,
    )
    batch = await db.lock_batch(conn, store_id=store_id, batch_id=batch_id)
    assert batch is not None
    return Claimed(
        batch=await batch_view(conn, batch),
        message=f"{len(chosen)} orders, {chosen[0].zone}: a tote each.",
    )


async def _take_batch(conn: asyncpg.Connection, *, store_id: str, size: int) -> list[Candidate]:
    """Plan on the unlocked queue, then lock only the tasks chosen. Pickers claiming at once
    plan alike, so a task another claim took is left out and, if none is left, the plan is
    made again without those: each claim holds a handful of rows, not the head of the queue."""
    bays = await db.bays(conn, store_id=store_id)
    excluded: set[str] = set()
    for _ in range(CLAIM_ATTEMPTS):
        queue = await db.candidates(conn, store_id=store_id, limit=CANDIDATES, excluding=excluded)
        chosen = plan_batch(queue, size=size, bays=bays)
        if not chosen:
            return []
        taken = await db.take_queued(conn, store_id=store_id, task_ids=[c.task_id for c in chosen])
        if taken:
            return [c for c in chosen if c.task_id in taken]
        excluded |= {c.task_id for c in chosen}
    return []


async def _hold(
    conn: asyncpg.Connection, clock: Clock, principal: Principal, batch_id: str, policy: Policy
) -> db.Batch:
    """Lock the caller's batch and renew its lease; refuse a batch that is not theirs or is over.

    A lease that ran out but was not yet swept is simply renewed: nobody else has the tasks.
    """
    store_id = principal.store_id or ""
    batch = await db.lock_batch(conn, store_id=store_id, batch_id=batch_id)
    if batch is None:
        raise NotFound(f"store {store_id} has no batch {batch_id}", field="batch_id")
    if batch.picker_id != principal.subject:
        raise Forbidden(
            f"batch {batch_id} is {batch.picker_id}'s; claim your own", field="batch_id"
        )
    if batch.status == "lapsed":
        await _refuse_lapsed(conn, batch)
    if batch.status == "done":
        raise Conflict("this batch is packed and closed; claim a new batch", field="batch_id")
    lease_until = clock.now() + policy.lease
    await db.renew(conn, store_id=store_id, batch_id=batch_id, lease_until=lease_until)
    return msgspec.structs.replace(batch, lease_until=lease_until)


def _went(to: db.WentTo) -> str:
    order = f"order …{to.order_id[-6:]}"
    if to.status == "queued":
        return f"{order} is back in the queue"
    if to.status in ("claimed", "picked"):
        return f"{order} is {to.picker_name}'s now"
    return f"{order} is {to.status}"


async def _refuse_lapsed(conn: asyncpg.Connection, batch: db.Batch) -> None:
    """What a device that comes back after its lease lapsed is told: where each of its orders
    went (back to the queue, or to another picker), so the screen can say what to do."""
    went = await db.where_tasks_went(conn, store_id=batch.store_id, batch_id=batch.batch_id)
    raise LeaseLapsed(
        f"the lease on this batch lapsed at {batch.closed_at:%H:%M:%S} UTC: "
        + "; ".join(_went(x) for x in went)
        + ". Put what you picked at the packing station and claim a new batch.",
        field="batch_id",
        orders=[
            {"order_id": x.order_id, "status": x.status, "picker_id": x.picker_id} for x in went
        ],
    )


def _line(lines: Sequence[PickLine], line_id: str) -> PickLine:
    found = next((x for x in lines if x.line_id == line_id), None)
    if found is None:
        raise NotFound(f"this batch has no line {line_id}", field="line_id")
    return found


async def _settle_task(
    conn: asyncpg.Connection, *, store_id: str, task_id: str, now: datetime
) -> None:
    lines = await db.lines_of_task(conn, store_id=store_id, task_id=task_id)
    if lines and all(x.state in RESOLVED for x in lines):
        await db.mark_picked(conn, store_id=store_id, task_id=task_id, now=now)


async def view(
    conn: asyncpg.Connection, clock: Clock, principal: Principal, batch_id: str, policy: Policy
) -> BatchView:
    return await batch_view(conn, await _hold(conn, clock, principal, batch_id, policy))


async def scan(
    conn: asyncpg.Connection,
    clock: Clock,
    principal: Principal,
    policy: Policy,
    *,
    batch_id: str,
    barcode: str,
    tote: int,
    device_id: str | None,
) -> ScanResult:
    now = clock.now()
    batch = await _hold(conn, clock, principal, batch_id, policy)
    store_id = batch.store_id
    weight, price = await db.store_prefixes(conn, store_id=store_id)
    read = read_scan(barcode, weight_prefixes=weight, price_prefixes=price, field="barcode")
    lines = await db.lines_of_batch(conn, store_id=store_id, batch_id=batch_id)
    placed = place_scan(lines, tote=tote, scan=read)
    await db.add_picked(
        conn,
        placed.line,
        store_id=store_id,
        substitute=placed.substitute,
        amount=placed.amount,
        picker_id=principal.subject,
    )
    await db.record_scan(
        conn,
        placed.line,
        store_id=store_id,
        batch_id=batch_id,
        substitute=placed.substitute,
        picker_id=principal.subject,
        barcode=barcode,
        amount=placed.amount,
        device_id=device_id,
        at=now,
    )
    await _settle_task(conn, store_id=store_id, task_id=placed.line.task_id, now=now)
    after = await batch_view(conn, batch)
    line = next(i.line for i in after.items if i.line.line_id == placed.line.line_id)
    sub = line.substitute if placed.substitute else None
    name, unit = (sub.name_en, sub.unit) if sub else (line.name_en, line.unit)
    picked, quantity = (sub.picked, sub.quantity) if sub else (line.picked, line.quantity)
    return ScanResult(
        line_id=line.line_id,
        message=f"{name}: {amount_text(unit, picked)} of {amount_text(unit, quantity)} "
        f"in tote {line.tote}",
        batch=after,
    )


async def report_short(
    conn: asyncpg.Connection,
    clock: Clock,
    principal: Principal,
    policy: Policy,
    substitutes: SubstitutesClient,
    *,
    batch_id: str,
    line_id: str,
    found: int,
) -> ShortResult:
    """The picker found less than the line needs. The line keeps what was found and, if its
    preference allows one, a substitute is proposed to the shopper (`substitution.proposed`);
    a short substitute is simply closed with what was found."""
    now = clock.now()
    batch = await _hold(conn, clock, principal, batch_id, policy)
    store_id = batch.store_id
    line = _line(await db.lines_of_batch(conn, store_id=store_id, batch_id=batch_id), line_id)
    want = check_short(line, found)
    proposed = None
    if want.substitute:
        await db.close_substitute(conn, line, store_id=store_id)
        message = f"{want.name}: closed with {amount_text(want.unit, found)}."
    else:
        await db.mark_short(conn, line, store_id=store_id)
        proposed, message = await _propose(
            conn, substitutes, line, store_id=store_id, now=now, decide_within=policy.decide_within
        )
    await _settle_task(conn, store_id=store_id, task_id=line.task_id, now=now)
    return ShortResult(
        line_id=line_id, message=message, proposed=proposed, batch=await batch_view(conn, batch)
    )


async def _propose(
    conn: asyncpg.Connection,
    substitutes: SubstitutesClient,
    line: PickLine,
    *,
    store_id: str,
    now: datetime,
    decide_within: timedelta,
) -> tuple[SubstituteItem | None, str]:
    short_by = line.quantity - line.picked
    if line.preference == "none":
        return None, f"{line.name_en}: short by {amount_text(line.unit, short_by)}; no substitutes."
    offers = await substitutes.offers(
        store_id=store_id, sku=line.sku, quantity=short_by, preference=line.preference
    )
    if isinstance(offers, str) or not offers:
        why = offers if isinstance(offers, str) else "nothing suitable is in stock"
        return None, f"{line.name_en}: short; no substitute ({why})."
    offer = offers[0]
    substitution_id = f"sub_{uuid7().hex}"
    decide_by = now + decide_within
    await db.insert_substitute(
        conn,
        line,
        store_id=store_id,
        substitution_id=substitution_id,
        sku=offer.sku,
        ean=offer.ean,
        name_en=offer.name_en,
        name_ja=offer.name_ja,
        unit=offer.unit,
        quantity=short_by,
        unit_price=offer.price.amount,
        decide_by=decide_by,
    )
    await publish(
        conn,
        SubstitutionProposed(
            substitution_id=substitution_id,
            order_id=line.order_id,
            store_id=store_id,
            line_no=line.line_no,
            short_by=short_by,
            substitute=Substitute(
                sku=offer.sku,
                name_en=offer.name_en,
                name_ja=offer.name_ja,
                unit=offer.unit,
                quantity=short_by,
                unit_price=offer.price.amount,  # type: ignore[arg-type]
            ),
            decide_by=decide_by,
        ),
        occurred_at=now,
    )
    lines = await db.lines_of_task(conn, store_id=store_id, task_id=line.task_id)
    proposed = next(x.substitute for x in lines if x.seq == line.seq)
    return proposed, (
        f"{line.name_en}: short; {offer.name_en} proposed, the shopper has until "
        f"{decide_by:%H:%M:%S} UTC."
    )


async def apply_decision(
    conn: asyncpg.Connection, decided: SubstitutionDecided, *, at: datetime
) -> None:
    """The shopper's (or their preference's) answer reaches the line and the picker's screen."""
    row = await db.decide_substitute(
        conn,
        store_id=decided.store_id,
        substitution_id=decided.substitution_id,
        approved=decided.approved,
    )
    if row is None:
        return
    await _settle_task(conn, store_id=decided.store_id, task_id=row.task_id, now=at)
    verb = "approved: pick it" if decided.approved else "declined: leave the line short"
    await live.notify(
        conn,
        store_id=decided.store_id,
        picker_id=row.picker_id,
        kind="substitution",
        batch_id=row.batch_id,
        line_id=f"{row.task_id}-{row.seq}",
        approved=decided.approved,
        message=f"{row.name_en} {verb}",
    )


class BagCount(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    zone: Zone
    count: int = msgspec.field(default=1)


def _check_bags(bags: Sequence[BagCount], zone: str) -> int:
    for i, b in enumerate(bags):
        if b.zone != zone:
            raise InvalidInput(
                f"this batch picked the {zone} zone; {b.zone} goods are bagged by their own batch",
                field=f"bags[{i}].zone",
            )
        if not 1 <= b.count <= 20:
            raise InvalidInput("a zone takes 1 to 20 bags", field=f"bags[{i}].count")
    if len(bags) != 1:
        if not bags:
            raise InvalidInput(f"say how many bags the {zone} goods take", field="bags")
        raise InvalidInput(f"the {zone} zone is listed {len(bags)} times", field="bags")
    return bags[0].count


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
    """Bag one order's tote. When every zone of the order is bagged, `order.packed` carries the
    final lines, substitutes, bags and stage times; a pickup order also gets a staging slot and
    `order.ready_for_pickup`."""
    now = clock.now()
    batch = await _hold(conn, clock, principal, batch_id, policy)
    store_id = batch.store_id
    tasks = await db.tasks_of_batch(conn, store_id=store_id, batch_id=batch_id)
    task = next((t for t in tasks if t.order_id == order_id), None)
    if task is None:
        raise NotFound(f"order {order_id} is not in batch {batch_id}", field="order_id")
    if task.status in ("packed", "cancelled"):
        raise Conflict(f"order {order_id} is {task.status} already", field="order_id")
    lines = await db.lines_of_task(conn, store_id=store_id, task_id=task.task_id)
    waiting = [x for x in lines if x.state not in RESOLVED]
    if waiting:
        raise Conflict(
            "not ready to pack: "
            + "; ".join(f"{x.name_en} is {x.state.replace('_', ' ')}" for x in waiting),
            field="order_id",
            lines=[x.line_id for x in waiting],
        )
    count = _check_bags(bags, task.zone)
    labels = bag_labels(order_id, task.zone, count)  # type: ignore[arg-type]
    await db.insert_bags(conn, store_id=store_id, order_id=order_id, bags=labels, now=now)
    await db.mark_packed(
        conn, store_id=store_id, task_id=task.task_id, picker_id=principal.subject, now=now
    )
    packed, slot = await _finish_order(conn, store_id=store_id, order_id=order_id, now=now)
    await db.close_batch(conn, store_id=store_id, batch_id=batch_id, now=now)
    after = await db.lock_batch(conn, store_id=store_id, batch_id=batch_id)
    assert after is not None
    return PackResult(
        order_id=order_id,
        labels=[
            Label(code=b.code, zone=b.zone, number=b.number, of=b.of, text=label_text(order_id, b))
            for b in labels
        ],
        order_packed=packed,
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
            unit_price=sub.unit_price,  # type: ignore[arg-type]
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
    lines = await db.lines_of_order(conn, store_id=store_id, order_id=order_id)
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
                    claimed_at=t.claimed_at,
                    first_scan_at=t.first_scan_at,
                    picked_at=t.picked_at or now,
                    packed_at=t.packed_at or now,
                )  # type: ignore[arg-type]
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
