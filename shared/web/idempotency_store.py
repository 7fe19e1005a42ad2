"""Idempotency keys' rows (`kernel.idempotency_keys`): one function per query in
idempotency.sql. The rules (what a repeat gets) are idempotency.py's."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import asyncpg
import msgspec

from shared.sql import load_queries, row_as

Q = load_queries(Path(__file__).with_name("idempotency.sql"))
PURGE_EXPIRED = Q["purge_expired"]


class Stored(msgspec.Struct, frozen=True, kw_only=True):
    """A claimed key as kept: its request's fingerprint, and the response once stored."""

    fingerprint: bytes
    status: int | None
    body: bytes | None
    media_type: str


async def claim_key(
    conn: asyncpg.Connection,
    *,
    service: str,
    caller: str,
    key: str,
    fingerprint: bytes,
    ttl: timedelta,
) -> bool:
    """True when this request is the key's first (or the key had expired); else the key's row
    is locked by its first request until that one's transaction ends."""
    return bool(await conn.fetchval(Q["claim"], service, caller, key, fingerprint, ttl))


async def stored(
    conn: asyncpg.Connection | asyncpg.Pool, *, service: str, caller: str, key: str
) -> Stored | None:
    return row_as(Stored, await conn.fetchrow(Q["stored"], service, caller, key))


async def remember(
    conn: asyncpg.Connection,
    *,
    service: str,
    caller: str,
    key: str,
    status: int,
    body: bytes,
    media_type: str,
) -> None:
    await conn.execute(
        *Q["remember"](
            service=service,
            caller=caller,
            key=key,
            status=status,
            body=body,
            media_type=media_type,
        )
    )


async def release(conn: asyncpg.Connection, *, service: str, caller: str, key: str) -> None:
    """Forget a key whose response was never stored, so a retry with it runs again."""
    await conn.execute(Q["release"], service, caller, key)
