"""The handheld's use cases: a picker signs in with the store and a PIN, and a live stream
warns them before their batch's lease runs out."""

from __future__ import annotations

from datetime import datetime, timedelta

import asyncpg
import msgspec

from services.fulfillment import store as db
from services.fulfillment.batches import store as batch_db
from services.fulfillment.handheld import pins
from services.fulfillment.handheld import store as handheld_db
from services.fulfillment.handheld.domain import StoreFacts
from shared.auth import Role, mint
from shared.errors import NotFound

SHIFT_S = 10 * 3600  # a sign-in lasts a shift
LEASE_WARNING = timedelta(seconds=20)


class Session(msgspec.Struct, frozen=True, kw_only=True):
    token: str
    picker_id: str
    name: str
    store_id: str
    expires_in_s: int
    store: StoreFacts | None = None  # its name, time zone and language, for the screen


class LeaseRunningOut(msgspec.Struct, frozen=True, kw_only=True):
    batch_id: str
    seconds_left: int


async def known_store(conn: asyncpg.Connection, store_id: str) -> None:
    """Refuse a store fulfillment has never heard of, before any PIN is judged."""
    if not await db.store_exists(conn, store_id=store_id):
        raise NotFound(f"there is no store {store_id}", field="store_id")


async def sign_in(
    conn: asyncpg.Connection,
    secret: str,
    *,
    store_id: str,
    pin: str,
    device_id: str | None,
    source: str,
    now: datetime,
) -> Session:
    """A picker's session for a shift, for the PIN that names them (see `pins.sign_in`)."""
    picker_id, name = await pins.sign_in(
        conn, secret, store_id=store_id, pin=pin, device_id=device_id, source=source, now=now
    )
    token = mint(secret, Role.PICKER, subject=picker_id, store_id=store_id, ttl_s=SHIFT_S)
    return Session(
        token=token,
        picker_id=picker_id,
        name=name,
        store_id=store_id,
        expires_in_s=SHIFT_S,
        store=await handheld_db.store_facts(conn, store_id=store_id),
    )


async def lease_running_out(
    pool: asyncpg.Pool, *, store_id: str, picker_id: str, now: datetime
) -> LeaseRunningOut | None:
    """The picker's batch, if its lease runs out within `LEASE_WARNING`."""
    lease = await batch_db.lease_of(pool, store_id=store_id, picker_id=picker_id)
    if lease is None:
        return None
    batch_id, until = lease
    left = until - now
    if left > LEASE_WARNING:
        return None
    return LeaseRunningOut(batch_id=batch_id, seconds_left=int(left.total_seconds()))
