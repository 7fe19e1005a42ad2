"""Trimming the bus's own tables without breaking its promises.

- An event leaves the log only when it is older than `OMO_RETAIN_EVENTS_DAYS` and no consumer
  has a delivery of it still to handle or parked as a dead letter: a consumer that is behind, or
  stopped, keeps every event it has yet to see (the foreign keys from deliveries and dead
  letters refuse the delete should a check ever miss one).
- A handled id leaves only when it is older than `OMO_RETAIN_HANDLED_DAYS` and its event has left
  the log: until then a delivery of that event could still come round (a retried dead letter),
  and the id is what makes the redelivery change nothing. Publishing again with the same event
  id (`publish(..., event_id=...)`) stays a no-op while the event or its handled ids are kept.
- Deliveries trim themselves: each is deleted in the transaction that handles it.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime

import asyncpg

from shared.bus.queries import Q
from shared.retention.runner import PAUSE_S, RUN_BUDGET_S, Trim, in_batches, try_lock

EVENTS = "kernel.events"
HANDLED = "kernel.handled_events"


async def trim_events(pool: asyncpg.Pool, _now: datetime, before: datetime, batch: int) -> int:
    """Events published before `before` that every consumer is done with, oldest first, in
    batches that each look at `batch` events; how many went."""
    async with pool.acquire() as conn:
        horizon = await conn.fetchval(Q["trim_horizon"], before)
    after, total = 0, 0
    deadline = time.monotonic() + RUN_BUDGET_S
    while True:
        async with pool.acquire() as conn, conn.transaction():
            if not await try_lock(conn, EVENTS):
                return total
            row = await conn.fetchrow(Q["trim_events"], before, after, horizon, batch)
        if row["last"] is None:
            return total
        total += row["trimmed"]
        after = row["last"]
        if time.monotonic() > deadline:
            return total
        await asyncio.sleep(PAUSE_S)


async def trim_handled(pool: asyncpg.Pool, _now: datetime, before: datetime, batch: int) -> int:
    return await in_batches(pool, HANDLED, Q["trim_handled"], before, batch=batch)


TRIMS = (
    Trim(EVENTS, "retain_events_days", trim_events, at="published_at", wall_clock=True),
    Trim(HANDLED, "retain_handled_days", trim_handled, at="handled_at", wall_clock=True),
)
