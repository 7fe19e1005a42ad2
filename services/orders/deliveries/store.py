"""Deliveries' queries: one function per query in queries.sql, `conn` first.

Each writes an order whose row the caller has locked (checkout's `lock_order`) and whose step
the domain allowed; the stage time is checkout's `add_stage`.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import asyncpg

from shared.sql import load_queries

Q = load_queries(Path(__file__).with_name("queries.sql"))


async def set_out_for_delivery(
    conn: asyncpg.Connection, *, store_id: str, order_id: str, rider_id: str, eta: datetime
) -> None:
    await conn.execute(Q["set_out_for_delivery"], store_id, order_id, rider_id, eta)


async def set_delivered(
    conn: asyncpg.Connection,
    *,
    store_id: str,
    order_id: str,
    rider_id: str,
    proof: str,
    photo_ref: str | None,
) -> None:
    await conn.execute(Q["set_delivered"], store_id, order_id, rider_id, proof, photo_ref)


async def set_delivery_failed(
    conn: asyncpg.Connection,
    *,
    store_id: str,
    order_id: str,
    rider_id: str,
    reason: str,
    note: str | None,
) -> None:
    await conn.execute(Q["set_delivery_failed"], store_id, order_id, rider_id, reason, note)
