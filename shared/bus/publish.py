"""Writing events: inside the caller's transaction, fanned out to every subscribed consumer."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg

from shared.bus.queries import Q
from shared.events import Event
from shared.ids import uuid7
from shared.tracing import current_request_id


async def publish(
    conn: asyncpg.Connection,
    event: Event,
    *,
    occurred_at: datetime,
    event_id: UUID | None = None,
) -> UUID:
    """Append `event` to the log in `conn`'s open transaction; it is delivered only if that commits.

    Pass `event_id` to make a retried publish a no-op (the id is the log's primary key).
    The event records the current request id, if any, so the work it causes can be traced.
    """
    if not conn.is_in_transaction():
        raise RuntimeError("publish() must run inside the transaction that makes the change")
    event_id = event_id or uuid7()
    await conn.execute(
        Q["publish"],
        event_id,
        event.topic,
        event.key,
        event.version,
        event,
        occurred_at,
        current_request_id(),
        getattr(event, "store_id", None),
    )
    return event_id
