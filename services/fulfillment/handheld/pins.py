"""Staff PINs. A PIN names a picker within a store, so it is stored as a keyed digest (HMAC with
a key derived from the deployment secret) that can be looked up but not reversed from the
database alone. Failed sign-ins are counted per store: after `MAX_FAILURES` in `WINDOW` the
store's handheld sign-in pauses, which turns guessing a 4-digit PIN into hours, not seconds."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta
from pathlib import Path

import asyncpg

from shared.errors import Conflict, DomainError, InvalidInput, Unauthenticated
from shared.signing import derive_key
from shared.sql import load_queries

Q = load_queries(Path(__file__).with_name("queries.sql"))
MAX_FAILURES = 10
WINDOW = timedelta(minutes=10)


class TooManyAttempts(DomainError):
    """Too many wrong PINs"""

    status = 429
    slug = "too-many-attempts"


def pin_digest(secret: str, store_id: str, pin: str) -> str:
    key = derive_key(secret, "picker-pin")
    return hmac.new(key, f"{store_id}:{pin}".encode(), hashlib.sha256).hexdigest()


def check_pin(pin: str) -> None:
    if not (pin.isdigit() and 4 <= len(pin) <= 8):
        raise InvalidInput("a PIN is 4 to 8 digits", field="pin")


async def save_picker(
    conn: asyncpg.Connection, secret: str, *, store_id: str, picker_id: str, name: str, pin: str
) -> None:
    """Add a picker or change their name and PIN; a PIN another picker of the store has is
    refused, since the PIN alone signs in."""
    check_pin(pin)
    try:
        async with conn.transaction():  # a savepoint: the refusal leaves the request usable
            await conn.execute(
                Q["save_picker"], store_id, picker_id, name, pin_digest(secret, store_id, pin)
            )
    except asyncpg.UniqueViolationError:
        raise Conflict(
            "another picker of this store has that PIN; choose another", field="pin"
        ) from None


async def sign_in(
    conn: asyncpg.Connection, secret: str, *, store_id: str, pin: str, now: datetime
) -> tuple[str, str] | DomainError:
    """The picker (id, name) the PIN names, or the refusal; a failure is *returned* so that
    the request commits it to the failure count."""
    check_pin(pin)
    failures = await conn.fetchval(Q["recent_failures"], store_id, now - WINDOW)
    if failures >= MAX_FAILURES:
        return TooManyAttempts(
            f"sign-in for {store_id} is paused after {failures} wrong PINs; try again in "
            f"{int(WINDOW.total_seconds() // 60)} minutes or ask the manager",
            field="pin",
        )
    row = await conn.fetchrow(Q["picker_by_pin"], store_id, pin_digest(secret, store_id, pin))
    if row is None:
        await conn.execute(Q["add_failure"], store_id, now)
        return Unauthenticated("no picker of this store has that PIN", field="pin")
    return row["picker_id"], row["name"]
