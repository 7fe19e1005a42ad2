"""A member who deleted their account (`member.erased`, from orders): delivery forgets their
doors and refuses their tokens, in the bus's transaction, so the two happen together and a
redelivered event changes nothing more."""

from __future__ import annotations

from pathlib import Path

import asyncpg

from shared.bus import Consumer
from shared.events import Envelope, MemberErased
from shared.sql import load_queries

Q = load_queries(Path(__file__).with_name("queries.sql"))


async def forget_member(conn: asyncpg.Connection, envelope: Envelope) -> None:
    match envelope.event:
        case MemberErased(member_id=member_id):
            await conn.execute(*Q["forget_member"](member_id=member_id))
            await conn.execute(*Q["remember_erased"](member_id=member_id, at=envelope.occurred_at))


async def is_erased(conn: asyncpg.Connection, member_id: str) -> bool:
    """Whether the member deleted their account (for `access.allow`)."""
    return await conn.fetchval(Q["is_erased"], member_id)


CONSUMERS = [Consumer("delivery.erasures", (MemberErased.topic,), forget_member)]
