"""Payments' queries (queries.sql): the settlement of packed orders step by step, and the
Stripe events seen."""

from __future__ import annotations

from pathlib import Path

import asyncpg
import msgspec

from services.orders.payments.domain import Settlement, Step
from shared.sql import load_queries

Q = load_queries(Path(__file__).with_name("queries.sql"))


class SettlementRow(msgspec.Struct, frozen=True, kw_only=True):
    step: Step
    plan: Settlement


async def start_settlement(
    conn: asyncpg.Connection, *, store_id: str, order_id: str, plan: Settlement
) -> None:
    await conn.execute(
        Q["start_settlement"],
        store_id,
        order_id,
        "capture",
        plan.total,
        plan.capture,
        plan.second_charge,
        plan.release,
    )


async def settlement(
    conn: asyncpg.Connection, *, store_id: str, order_id: str
) -> SettlementRow | None:
    row = await conn.fetchrow(Q["settlement"], store_id, order_id)
    if row is None:
        return None
    plan = Settlement(
        total=row["total"],
        capture=row["capture"],
        second_charge=row["second_charge"],
        release=row["release"],
    )
    return SettlementRow(step=row["step"], plan=plan)


async def advance_settlement(
    conn: asyncpg.Connection, *, store_id: str, order_id: str, done: Step, to: Step
) -> bool:
    """Move the settlement from step `done` to `to`; False if it had moved on already."""
    return bool(await conn.fetchval(Q["advance_settlement"], store_id, order_id, done, to))


async def first_seen_event(conn: asyncpg.Connection, *, event_id: str, kind: str) -> bool:
    """Record Stripe's event `event_id` of type `kind`; False if it had been recorded before."""
    return bool(await conn.fetchval(*Q["first_seen_event"](event_id=event_id, kind=kind)))
