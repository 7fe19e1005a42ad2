"""Parking a tote: while its shopper decides on a substitute (up to two minutes), the picker puts
the tote on the parking shelf and goes on with the rest of the batch, or the next one.

The tote's task leaves the batch for the queue with what was picked kept, as a lapsed lease
leaves it, and marked with who parked it and when. Claims pass it by until the shopper (or
their preference) has decided; whoever claims it then is told to fetch it from the shelf.
"""

from __future__ import annotations

import asyncpg
import msgspec

from services.fulfillment.batches import line_store as line_db
from services.fulfillment.batches import store as db
from services.fulfillment.batches.claiming import Policy, hold, task_of_order
from services.fulfillment.batches.views import BatchView, batch_view
from shared.auth import Principal
from shared.clock import Clock
from shared.errors import Conflict


class ParkResult(msgspec.Struct, frozen=True, kw_only=True):
    order_id: str
    tote: int
    message: str
    batch: BatchView  # the batch without the tote (`next` is "done" when it was the last)


async def park(
    conn: asyncpg.Connection,
    clock: Clock,
    principal: Principal,
    policy: Policy,
    *,
    batch_id: str,
    order_id: str,
) -> ParkResult:
    """Only a tote that waits on its shopper may be parked: every other line of it is picked
    or closed, so the next picker has nothing to walk for but the decided substitute."""
    now = clock.now()
    batch = await hold(conn, clock, principal, batch_id, policy)
    store_id = batch.store_id
    task = await task_of_order(conn, batch, order_id)
    lines = await line_db.lines_of_task(conn, store_id=store_id, task_id=task.task_id)
    states = {x.state for x in lines}
    if task.status != "claimed" or "awaiting_decision" not in states:
        raise Conflict(
            f"tote {task.tote} is not waiting on its shopper; pick or pack it", field="order_id"
        )
    if states & {"open", "substitute"}:
        raise Conflict(
            f"tote {task.tote} still has items to pick; pick them, then park it",
            field="order_id",
        )
    await db.park_task(
        conn, store_id=store_id, task_id=task.task_id, picker_id=principal.subject, now=now
    )
    await db.close_batch(conn, store_id=store_id, batch_id=batch_id, now=now)
    after = await db.lock_batch(conn, store_id=store_id, batch_id=batch_id)
    assert after is not None
    return ParkResult(
        order_id=order_id,
        tote=task.tote or 0,
        message=f"Tote {task.tote} parked: put it on the parking shelf.",
        batch=await batch_view(conn, after),
    )
