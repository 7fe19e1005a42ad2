"""Substitutions' use cases: record a proposal, let the shopper decide, or the preference."""

from __future__ import annotations

from typing import Literal

import asyncpg

from services.orders.catalog.paging import Language
from services.orders.metrics import SUBSTITUTIONS
from services.orders.substitutions import store as db
from services.orders.substitutions.domain import (
    DecidedByPreference,
    Proposal,
    ProposalView,
    preference_approves,
)
from services.orders.substitutions.views import proposals
from shared.bus import publish
from shared.clock import Clock
from shared.errors import Conflict, NotFound
from shared.events import SubstitutionDecided, SubstitutionProposed

DecidedBy = Literal["shopper", "preference"]


async def _announce(
    conn: asyncpg.Connection, clock: Clock, p: Proposal, approved: bool, by: DecidedBy
) -> None:
    now = clock.now()
    await db.decide(
        conn,
        store_id=p.store_id,
        substitution_id=p.substitution_id,
        approved=approved,
        by=by,
        at=now,
    )
    await publish(
        conn,
        SubstitutionDecided(
            substitution_id=p.substitution_id,
            order_id=p.order_id,
            store_id=p.store_id,
            line_no=p.line_no,
            approved=approved,
            by=by,
        ),
        occurred_at=now,
    )
    SUBSTITUTIONS.labels(p.store_id, str(approved).lower(), by).inc()


async def record_proposal(conn: asyncpg.Connection, proposal: SubstitutionProposed) -> None:
    """A picker's offer reaches the shopper's order (once, however often it is announced)."""
    await db.record_proposal(conn, proposal)


async def decide_by_shopper(
    conn: asyncpg.Connection,
    clock: Clock,
    *,
    order_id: str,
    substitution_id: str,
    approve: bool,
    lang: Language = "en",
) -> ProposalView:
    """The shopper's answer, and the proposal as decided, its reason worded in `lang`. Too late,
    the preference decides, and the refusal (`DecidedByPreference`) commits that decision."""
    proposal = await db.lock_proposal(conn, order_id=order_id, substitution_id=substitution_id)
    if proposal is None:
        raise NotFound(
            f"order {order_id} has no substitution {substitution_id}", field="substitution_id"
        )
    if proposal.approved is not None:
        verdict = "approved" if proposal.approved else "declined"
        raise Conflict(
            f"already {verdict} by the {proposal.decided_by} at {proposal.decided_at:%H:%M:%S} UTC",
            field="substitution_id",
        )
    if clock.now() > proposal.decide_by:
        approved = preference_approves(proposal.preference, proposal.sku)
        await _announce(conn, clock, proposal, approved, "preference")
        raise DecidedByPreference(
            f"too late: the time to decide ran out, so your preference "
            f"{'approved' if approved else 'declined'} it",
            field="substitution_id",
        )
    await _announce(conn, clock, proposal, approve, "shopper")
    return next(
        v
        for v in await proposals(conn, store_id=proposal.store_id, order_id=order_id, lang=lang)
        if v.substitution_id == substitution_id
    )


async def decide_overdue(pool: asyncpg.Pool, clock: Clock, *, limit: int = 100) -> int:
    """Proposals nobody answered in time are decided by their line's preference."""
    async with pool.acquire() as conn, conn.transaction():
        late = await db.overdue(conn, now=clock.now(), limit=limit)
        for order_id, substitution_id in late:
            proposal = await db.lock_proposal(
                conn, order_id=order_id, substitution_id=substitution_id
            )
            if proposal is not None:
                await _announce(
                    conn,
                    clock,
                    proposal,
                    preference_approves(proposal.preference, proposal.sku),
                    "preference",
                )
    return len(late)
