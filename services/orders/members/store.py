"""Members' queries: one function per query in queries.sql, `conn` first, structs out."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import asyncpg

from services.orders.checkout.domain import FINISHED
from services.orders.members.domain import Member, OnFile, Registration, StoredCode
from shared.events import Address
from shared.sql import load_queries, row_as

Q = load_queries(Path(__file__).with_name("queries.sql"))


async def insert_member(conn: asyncpg.Connection, member: Member) -> bool:
    """False if the phone belongs to a member already."""
    return bool(
        await conn.fetchval(Q["insert_member"], member.member_id, member.phone, member.created_at)
    )


async def get_member(conn: asyncpg.Connection, *, member_id: str) -> Member | None:
    row = await conn.fetchrow(Q["get_member"], member_id)
    return row_as(Member, row)


async def register(
    conn: asyncpg.Connection,
    *,
    member_id: str,
    registration: Registration,
    card_hash: bytes,
    by: str,
    at: datetime,
) -> bool:
    """A member registered at the counter; False if their phone belongs to a member already."""
    address = registration.address
    return bool(
        await conn.fetchval(
            *Q["register_member"](
                member_id=member_id,
                phone=registration.phone,
                created_at=at,
                name=registration.name,
                address_text=address.text if address else None,
                address_lat=address.lat if address else None,
                address_lng=address.lng if address else None,
                card_hash=card_hash,
                registered_by=by,
                substitution=registration.substitution,
                nudge_channel=registration.nudges,
            )
        )
    )


async def member_by_card(conn: asyncpg.Connection, *, card_hash: bytes) -> str | None:
    return await conn.fetchval(*Q["member_by_card"](card_hash=card_hash))


async def on_file(conn: asyncpg.Connection, *, member_id: str) -> OnFile | None:
    row = await conn.fetchrow(*Q["on_file"](member_id=member_id))
    if row is None:
        return None
    address = None
    if row["address_text"] is not None:
        address = Address(text=row["address_text"], lat=row["address_lat"], lng=row["address_lng"])
    return OnFile(
        member_id=row["member_id"],
        name=row["name"],
        address=address,
        substitution=row["substitution"],
    )


async def set_nudge_consent(
    conn: asyncpg.Connection, *, member_id: str, channel: str | None, at: datetime
) -> bool:
    """False when there is no such member (or they deleted their account)."""
    found = await conn.fetchval(
        *Q["set_nudge_consent"](member_id=member_id, channel=channel, at=at)
    )
    return found is not None


async def get_member_by_phone(conn: asyncpg.Connection, *, phone: str) -> Member | None:
    row = await conn.fetchrow(Q["get_member_by_phone"], phone)
    return row_as(Member, row)


async def issue_code(
    conn: asyncpg.Connection,
    *,
    phone: str,
    code_hash: bytes,
    expires_at: datetime,
    now: datetime,
    keep: int,
) -> list[datetime]:
    """Store the phone's new code; returns its latest `keep` send times, this one last."""
    return list(await conn.fetchval(Q["issue_code"], phone, code_hash, expires_at, now, keep))


async def lock_code(conn: asyncpg.Connection, *, phone: str) -> StoredCode | None:
    """The phone's current code, locked until the transaction ends."""
    row = await conn.fetchrow(Q["lock_code"], phone)
    return StoredCode(**dict(row)) if row else None


async def count_wrong_try(conn: asyncpg.Connection, *, phone: str) -> int:
    """Wrong tries so far, this one included."""
    return await conn.fetchval(Q["count_wrong_try"], phone)


async def use_code(conn: asyncpg.Connection, *, phone: str, now: datetime) -> None:
    await conn.execute(Q["use_code"], phone, now)


async def open_orders_of(conn: asyncpg.Connection, *, member_id: str) -> list[str]:
    """The member's orders not finished yet (`checkout.domain.FINISHED`)."""
    rows = await conn.fetch(Q["open_orders_of"], member_id, sorted(FINISHED))
    return [r["order_id"] for r in rows]


async def erase(conn: asyncpg.Connection, *, member_id: str, at: datetime) -> bool:
    """Forget the member's phone, sign-up code, gift details, addresses in the event log and
    stored replies (their orders' addresses: the order store's `forget_addresses`); False when
    there was no such member to erase."""
    phone = await conn.fetchval(*Q["erase_member"](member_id=member_id, at=at))
    if phone is None:
        return False
    await conn.execute(*Q["forget_code"](phone=phone))
    for query in ("forget_gift_phones", "forget_in_events", "forget_replies"):
        await conn.execute(*Q[query](member_id=member_id))
    return True


async def is_erased(conn: asyncpg.Connection, member_id: str) -> bool:
    """Whether the member deleted their account (for `access.allow`)."""
    return await conn.fetchval(Q["is_erased"], member_id)
