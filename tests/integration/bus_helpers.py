"""Test consumers that record what they handled in a table of the test database."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import asyncpg

from shared.bus import Consumer, drain, publish
from shared.clock import Clock
from shared.events import Envelope, StoreUpdated

EFFECTS = """
CREATE TABLE IF NOT EXISTS public.effects (
    consumer text NOT NULL, instance text NOT NULL, event_id uuid NOT NULL,
    key text NOT NULL, n int NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp()
)
"""
clock = Clock()


def event(key: str, n: int = 1) -> StoreUpdated:
    """A real event; `n` rides in radius_m so a handler can see which one it got."""
    return StoreUpdated(
        store_id=key,
        name=f"{key} #{n}",
        lat=34.69,
        lng=135.19,
        radius_m=n,
        currency="JPY",
        timezone="Asia/Tokyo",
    )


async def publish_one(pool: asyncpg.Pool, key: str, n: int = 1) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await publish(conn, event(key, n), occurred_at=clock.now())


def recorder(
    name: str, instance: str = "a", before: Callable[[Envelope], Awaitable[None]] | None = None
) -> Consumer:
    """A consumer that writes one effect row per event it handles, in the bus's transaction."""

    async def handle(conn: asyncpg.Connection, envelope: Envelope) -> None:
        assert isinstance(envelope.event, StoreUpdated)
        await conn.execute(
            "INSERT INTO public.effects (consumer, instance, event_id, key, n)"
            " VALUES ($1, $2, $3, $4, $5)",
            name,
            instance,
            envelope.id,
            envelope.key,
            envelope.event.radius_m,
        )
        if before is not None:
            await before(envelope)

    return Consumer(name, (StoreUpdated.topic,), handle)


async def effects(pool: asyncpg.Pool, consumer: str) -> list[asyncpg.Record]:
    return await pool.fetch(
        "SELECT instance, event_id, key, n FROM public.effects WHERE consumer = $1 ORDER BY at",
        consumer,
    )


async def drain_all(pool: asyncpg.Pool, consumer, **kw) -> int:
    total = 0
    while taken := await drain(pool, consumer, **kw):
        total += taken
    return total
