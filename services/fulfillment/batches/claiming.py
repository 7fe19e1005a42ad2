"""Claiming a batch and holding it: the queue, the lease, and what a lapsed device is told.

Every command on a batch first holds it (`hold`): it locks the batch and its tasks (in that
order, as every writer does), checks it is the caller's and still theirs, and renews the lease.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import asyncpg
import msgspec

from services.fulfillment import live
from services.fulfillment.batches import store as db
from services.fulfillment.batches.planning import Candidate, plan_batch
from services.fulfillment.batches.views import BatchView, batch_view
from shared.auth import Principal
from shared.clock import Clock
from shared.errors import Conflict, DomainError, Forbidden, NotFound
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


class Claimed(msgspec.Struct, frozen=True, kw_only=True):
    batch: BatchView | None
    message: str
    resumed: bool = False  # the batch is one the picker held already


async def lapse(conn: asyncpg.Connection, *, store_id: str, now: datetime) -> int:
    """Batches whose lease ran out give their unfinished tasks back to the queue, picked
    quantities kept (the tote stays where the picker left it); their pickers are told."""
    lapsed = await db.lapse_batches(conn, store_id=store_id, now=now)
    for batch in lapsed:
        await live.notify(
            conn,
            store_id=store_id,
            picker_id=batch.picker_id,
            topic="lapsed",
            at=now,
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
        batch = await hold(conn, clock, principal, held, policy)
        return Claimed(
            batch=await batch_view(conn, batch), message="You hold this batch.", resumed=True
        )
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
    claimed = await db.lock_batch(conn, store_id=store_id, batch_id=batch_id)
    assert claimed is not None
    return Claimed(
        batch=await batch_view(conn, claimed),
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


async def hold(
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


async def task_of_order(conn: asyncpg.Connection, batch: db.Batch, order_id: str) -> db.TaskRow:
    """The held batch's task (tote) of `order_id`, for a command on one tote."""
    tasks = await db.tasks_of_batch(conn, store_id=batch.store_id, batch_id=batch.batch_id)
    task = next((t for t in tasks if t.order_id == order_id), None)
    if task is None:
        raise NotFound(f"order {order_id} is not in batch {batch.batch_id}", field="order_id")
    return task


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


async def view(
    conn: asyncpg.Connection, clock: Clock, principal: Principal, batch_id: str, policy: Policy
) -> BatchView:
    return await batch_view(conn, await hold(conn, clock, principal, batch_id, policy))
