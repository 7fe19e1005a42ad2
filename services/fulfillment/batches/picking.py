"""Picking a held batch: scans into totes, shortages and the substitutes proposed for them,
and the shopper's decision coming back."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import asyncpg
import msgspec

from services.fulfillment import live
from services.fulfillment.batches import line_store as line_db
from services.fulfillment.batches import store as db
from services.fulfillment.batches.claiming import Policy, hold
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
from services.fulfillment.metrics import SHORTAGES
from shared.auth import Principal
from shared.barcodes import read_scan
from shared.bus import publish
from shared.clock import Clock
from shared.errors import NotFound
from shared.events import (
    Substitute,
    SubstitutionDecided,
    SubstitutionProposed,
)
from shared.ids import uuid7


class ScanResult(msgspec.Struct, frozen=True, kw_only=True):
    line_id: str
    message: str
    batch: BatchView


class ShortResult(msgspec.Struct, frozen=True, kw_only=True):
    line_id: str
    message: str
    proposed: SubstituteItem | None
    batch: BatchView


def _line(lines: Sequence[PickLine], line_id: str) -> PickLine:
    found = next((x for x in lines if x.line_id == line_id), None)
    if found is None:
        raise NotFound(f"this batch has no line {line_id}", field="line_id")
    return found


async def settle_task(
    conn: asyncpg.Connection, *, store_id: str, task_id: str, now: datetime
) -> None:
    lines = await line_db.lines_of_task(conn, store_id=store_id, task_id=task_id)
    if lines and all(x.state in RESOLVED for x in lines):
        await db.mark_picked(conn, store_id=store_id, task_id=task_id, now=now)


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
    batch = await hold(conn, clock, principal, batch_id, policy)
    store_id = batch.store_id
    weight, price = await db.store_prefixes(conn, store_id=store_id)
    read = read_scan(barcode, weight_prefixes=weight, price_prefixes=price, field="barcode")
    lines = await line_db.lines_of_batch(conn, store_id=store_id, batch_id=batch_id)
    placed = place_scan(lines, tote=tote, scan=read)
    await line_db.add_picked(
        conn,
        placed.line,
        store_id=store_id,
        substitute=placed.substitute,
        amount=placed.amount,
        picker_id=principal.subject,
    )
    await line_db.record_scan(
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
    await settle_task(conn, store_id=store_id, task_id=placed.line.task_id, now=now)
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
    batch = await hold(conn, clock, principal, batch_id, policy)
    store_id = batch.store_id
    line = _line(await line_db.lines_of_batch(conn, store_id=store_id, batch_id=batch_id), line_id)
    want = check_short(line, found)
    proposed = None
    if want.substitute:
        await line_db.close_substitute(conn, line, store_id=store_id)
        message = f"{want.name}: closed with {amount_text(want.unit, found)}."
    else:
        await line_db.mark_short(conn, line, store_id=store_id)
        proposed, message = await _propose(
            conn, substitutes, line, store_id=store_id, now=now, decide_within=policy.decide_within
        )
    await settle_task(conn, store_id=store_id, task_id=line.task_id, now=now)
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
        SHORTAGES.labels(store_id, "no_substitute_wanted").inc()
        return None, f"{line.name_en}: short by {amount_text(line.unit, short_by)}; no substitutes."
    offers = await substitutes.offers(
        store_id=store_id, sku=line.sku, quantity=short_by, preference=line.preference
    )
    if isinstance(offers, str) or not offers:
        why = offers if isinstance(offers, str) else "nothing suitable is in stock"
        SHORTAGES.labels(store_id, "no_substitute_found").inc()
        return None, f"{line.name_en}: short; no substitute ({why})."
    offer = offers[0]
    substitution_id = f"sub_{uuid7().hex}"
    decide_by = now + decide_within
    await line_db.insert_substitute(
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
        why=offer.why,
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
                unit_price=offer.price,
            ),
            decide_by=decide_by,
            reason=offer.reason,
            why=offer.why,
        ),
        occurred_at=now,
    )
    SHORTAGES.labels(store_id, "substitute_proposed").inc()
    lines = await line_db.lines_of_task(conn, store_id=store_id, task_id=line.task_id)
    proposed = next(x.substitute for x in lines if x.seq == line.seq)
    return proposed, (
        f"{line.name_en}: short; {offer.name_en} proposed, the shopper has until "
        f"{decide_by:%H:%M:%S} UTC."
    )


async def apply_decision(
    conn: asyncpg.Connection, decided: SubstitutionDecided, *, at: datetime
) -> None:
    """The shopper's (or their preference's) answer reaches the line and the picker's screen."""
    row = await line_db.decide_substitute(
        conn,
        store_id=decided.store_id,
        substitution_id=decided.substitution_id,
        approved=decided.approved,
    )
    if row is None:
        return
    await settle_task(conn, store_id=decided.store_id, task_id=row.task_id, now=at)
    verb = "approved: pick it" if decided.approved else "declined: leave the line short"
    await live.notify(
        conn,
        store_id=decided.store_id,
        picker_id=row.picker_id,
        topic="substitution",
        at=at,
        batch_id=row.batch_id,
        line_id=f"{row.task_id}-{row.seq}",
        approved=decided.approved,
        message=f"{row.name_en} {verb}",
    )
