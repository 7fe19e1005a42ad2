"""Waking the store's dispatcher: a NOTIFY sent in the transaction that changes what it plans
with (an order became ready, a rider started a shift or came free, a delivery failed), so it
re-plans as soon as that commits. The dispatcher also re-plans on a timer, so a lost wake-up
only delays a plan."""

from __future__ import annotations

import asyncpg

from services.delivery.dispatch.store import Q

CHANNEL = "delivery_dispatch"


async def wake_dispatcher(conn: asyncpg.Connection, store_id: str) -> None:
    await conn.execute(Q["wake"], CHANNEL, store_id)
