"""One key's events as they leave the system: the public envelope a client reads, and the
log read in order from a place in it, so a stream resumes from a client's Last-Event-ID with
no gap and nothing twice (the log's `seq` is the SSE id)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from shared.bus.queries import Q


class Published(msgspec.Struct, frozen=True, kw_only=True):
    """An event as a client outside the system receives it: its id (the same on a redelivery),
    its place in the log, its topic, when it happened, its store (None for a chain-wide event)
    and the event's own fields. A stream sends a state it follows in it too
    (`shared.web.streams.snapshot`): `seq` None, since a state is no entry of a log."""

    id: UUID
    seq: int | None
    topic: str
    occurred_at: datetime
    store_id: str | None
    data: dict[str, Any]


async def events_after(
    conn: asyncpg.Connection, key: str, *, after: int, limit: int = 100
) -> list[Published]:
    """The key's events after `after` (a seq; 0 for all the log still holds), oldest first."""
    rows = await conn.fetch(Q["events_of_key"], key, after, limit)
    return [
        Published(
            id=r["id"],
            seq=r["seq"],
            topic=r["topic"],
            occurred_at=r["occurred_at"],
            store_id=r["store_id"],
            data=r["payload"],  # decoded by the pool's JSON codec (`shared.db`)
        )
        for r in rows
    ]


async def last_issued(conn: asyncpg.Connection) -> int:
    """The log's last seq given out: a client's id above it came from some other log."""
    return await conn.fetchval(Q["last_issued"])
