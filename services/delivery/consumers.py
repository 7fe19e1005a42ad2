"""The events delivery follows, each handled in the bus's transaction."""

from __future__ import annotations

import asyncpg

from services.delivery import store as db
from shared.bus import Consumer
from shared.events import Envelope, StoreUpdated


async def keep_zone(conn: asyncpg.Connection, envelope: Envelope) -> None:
    """Keep delivery's copy of a store's zone; it never reads the orders schema."""
    match envelope.event:
        case StoreUpdated() as store:
            await db.upsert_store(
                conn,
                store_id=store.store_id,
                name=store.name,
                lat=store.lat,
                lng=store.lng,
                radius_m=store.radius_m,
                updated_at=envelope.occurred_at,
            )


CONSUMERS = [Consumer("delivery.zones", (StoreUpdated.topic,), keep_zone)]
