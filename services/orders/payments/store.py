"""Payments' queries (queries.sql): the ledger of every movement of an order's money, the one
source of truth for what was authorized, captured, charged, released and refunded; the
settlement of packed orders, step by step; and the Stripe events seen."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import asyncpg
import msgspec

from services.orders.payments.domain import Settlement, Step
from shared.ids import uuid7
from shared.sql import load_queries, rows_as

Q = load_queries(Path(__file__).with_name("queries.sql"))


class LedgerRow(msgspec.Struct, frozen=True, kw_only=True):
    kind: str  # authorize | authorize_failed | capture | charge | release | refund
    amount: int
    currency: str
    gateway_id: str | None
    at: datetime
    source_id: str | None = None  # a refund's: the capture or charge it gives back from


class SettlementRow(msgspec.Struct, frozen=True, kw_only=True):
    step: Step
    plan: Settlement


async def ledger(conn: asyncpg.Connection, *, store_id: str, order_id: str) -> list[LedgerRow]:
    return rows_as(LedgerRow, await conn.fetch(Q["ledger"], store_id, order_id))


async def add_ledger(
    conn: asyncpg.Connection,
    *,
    store_id: str,
    order_id: str,
    kind: str,
    amount: int,
    currency: str,
    gateway_id: str | None,
    at: datetime,
    source_id: str | None = None,
) -> None:
    await conn.execute(
        *Q["add_ledger"](
            store_id=store_id,
            order_id=order_id,
            entry_id=uuid7(),
            kind=kind,
            amount=amount,
            currency=currency,
            gateway_id=gateway_id,
            at=at,
            source_id=source_id,
        )
    )


async def start_settlement(
    conn: asyncpg.Connection, *, store_id: str, order_id: str, plan: Settlement, step: Step
) -> None:
    await conn.execute(
        *Q["start_settlement"](
            store_id=store_id, order_id=order_id, step=step, **msgspec.structs.asdict(plan)
        )
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
