"""Substitutions' queries: one function per query in queries.sql."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import asyncpg

from services.orders.substitutions.domain import Proposal, ProposalView
from shared.events import SubstitutionProposed
from shared.money import priced
from shared.sql import load_queries, row_as, rows_as

Q = load_queries(Path(__file__).with_name("queries.sql"))


async def record_proposal(conn: asyncpg.Connection, p: SubstitutionProposed) -> None:
    s = p.substitute
    await conn.execute(
        *Q["record_proposal"](
            store_id=p.store_id,
            substitution_id=p.substitution_id,
            order_id=p.order_id,
            line_no=p.line_no,
            short_by=p.short_by,
            sku=s.sku,
            name_en=s.name_en,
            name_ja=s.name_ja,
            unit=s.unit,
            quantity=s.quantity,
            unit_price=s.unit_price.amount,  # the order's currency, as its lines
            decide_by=p.decide_by,
            reason=p.reason,
            why=p.why,
        )
    )


async def lock_proposal(
    conn: asyncpg.Connection, *, order_id: str, substitution_id: str
) -> Proposal | None:
    row = await conn.fetchrow(Q["lock_proposal"], order_id, substitution_id)
    return row_as(Proposal, row)


async def decide(
    conn: asyncpg.Connection,
    *,
    store_id: str,
    substitution_id: str,
    approved: bool,
    by: str,
    at: datetime,
) -> None:
    await conn.execute(Q["decide"], store_id, substitution_id, approved, by, at)


async def overdue(conn: asyncpg.Connection, *, now: datetime, limit: int) -> list[tuple[str, str]]:
    return [
        (r["order_id"], r["substitution_id"]) for r in await conn.fetch(Q["overdue"], now, limit)
    ]


async def of_order(conn: asyncpg.Connection, *, store_id: str, order_id: str) -> list[ProposalView]:
    rows = await conn.fetch(Q["of_order"], store_id, order_id)
    return rows_as(ProposalView, (priced(r, "unit_price") for r in rows))
