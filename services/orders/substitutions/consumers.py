"""Proposals from the pickers' handhelds reach the shopper's order."""

from __future__ import annotations

import asyncpg

from services.orders.substitutions import store as db
from shared.bus import Consumer
from shared.events import Envelope, SubstitutionProposed


async def record(conn: asyncpg.Connection, envelope: Envelope) -> None:
    match envelope.event:
        case SubstitutionProposed() as proposal:
            await db.record_proposal(conn, proposal)


CONSUMERS = [Consumer("orders.substitution_proposals", (SubstitutionProposed.topic,), record)]
