"""The events fulfillment follows, each handled in the bus's transaction."""

from __future__ import annotations

import asyncpg

from services.fulfillment import store as db
from shared.bus import Consumer
from shared.events import Envelope, StoreUpdated


async def keep_store(conn: asyncpg.Connection, envelope: Envelope) -> None:
    """Keep fulfillment's copy of a store; it never reads the orders schema."""
    match envelope.event:
        case StoreUpdated() as store:
            await db.upsert_store(
                conn,
                store_id=store.store_id,
                name=store.name,
                timezone=store.timezone,
                updated_at=envelope.occurred_at,
            )


CONSUMERS = [Consumer("fulfillment.stores", (StoreUpdated.topic,), keep_store)]
