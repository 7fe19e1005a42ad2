"""Operating the bus: subscriptions, lag per consumer, and the dead-letter table."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from shared.bus.consumer import Consumer
from shared.bus.queries import Q


async def subscribe(conn: asyncpg.Connection, consumers: Sequence[Consumer]) -> None:
    """Declare durable consumers; from now on every event of their topics waits for them."""
    for consumer in consumers:
        await conn.execute(Q["subscribe"], consumer.name, list(consumer.topics))


async def lag(conn: asyncpg.Connection, names: Sequence[str]) -> dict[str, tuple[int, float, int]]:
    """Per consumer: deliveries waiting, age in seconds of the oldest, and dead letters."""
    result = {name: (0, 0.0, 0) for name in names}
    for row in await conn.fetch(Q["lag"], list(names)):
        result[row["consumer"]] = (row["pending"], float(row["oldest_s"]), 0)
    for row in await conn.fetch(Q["dead_count"], list(names)):
        pending, oldest, _ = result[row["consumer"]]
        result[row["consumer"]] = (pending, oldest, row["dead"])
    return result


async def dead_letters(
    conn: asyncpg.Connection, consumer: str | None = None
) -> list[asyncpg.Record]:
    return await conn.fetch(Q["dead_list"], consumer)


async def retry_dead(
    conn: asyncpg.Connection, consumer: str | None = None, seq: int | None = None
) -> dict[str, int]:
    """Move parked deliveries back to the queue; returns how many per consumer."""
    rows = await conn.fetch(Q["dead_retry"], consumer, seq)
    return {row["consumer"]: row["revived"] for row in rows}
