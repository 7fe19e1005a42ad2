"""Staff PINs. A PIN names a picker within a store, so it is stored as a keyed digest (HMAC with
a key derived from the deployment secret) that can be looked up but not reversed from the
database alone.

Wrong PINs are counted, under a lock (shared.throttle), per device and per client address, each
with a backoff: a picker who mistypes waits on their own handheld, a guesser waits at their own
address, and nobody else waits with them. A handheld that has worked in the store (it has sent
commands there) is judged by its own count alone, so a stranger on the store's network cannot
pause it either. Devices new to the store and callers without a device id also share one count
per store, generous enough for a new handheld and small enough that many addresses guessing at
once still get minutes per try, not seconds.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta
from pathlib import Path

import asyncpg

from shared import throttle
from shared.errors import Conflict, InvalidInput, TooManyRequests, Unauthenticated
from shared.signing import derive_key
from shared.sql import load_queries
from shared.throttle import Backoff

Q = load_queries(Path(__file__).with_name("queries.sql"))
SERVICE = "fulfillment"
DEVICE = Backoff(free=5, base=timedelta(seconds=30), cap=timedelta(minutes=15),
                 forget=timedelta(hours=1))  # fmt: skip
SOURCE = Backoff(free=20, base=timedelta(seconds=30), cap=timedelta(minutes=15),
                 forget=timedelta(hours=1))  # fmt: skip
NEWCOMERS = Backoff(free=50, base=timedelta(seconds=10), cap=timedelta(minutes=5),
                    forget=timedelta(hours=1))  # fmt: skip
KNOWN_FOR = timedelta(days=30)  # a handheld unused this long is new to the store again


class TooManyAttempts(TooManyRequests):
    """Too many wrong PINs"""

    slug = "too-many-attempts"


class WrongPin(Unauthenticated):
    """No picker of this store has that PIN"""

    commits = True  # the miss is counted


def _device(store_id: str, device_id: str) -> str:
    return f"pin/device/{store_id}/{device_id}"


def counters(
    store_id: str, device_id: str | None, source: str, *, known: bool
) -> dict[str, Backoff]:
    """The counts a sign-in is judged by, by bucket name."""
    rules: dict[str, Backoff] = {}
    if device_id is not None:
        rules[_device(store_id, device_id)] = DEVICE
    if not known:
        rules[f"pin/source/{source}"] = SOURCE
        rules[f"pin/newcomers/{store_id}"] = NEWCOMERS
    return rules


_PAUSED = {
    "device": "sign-in on this handheld",
    "source": "sign-in from your address",
    "newcomers": "sign-in on handhelds new to this store",
}


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
    conn: asyncpg.Connection,
    secret: str,
    *,
    store_id: str,
    pin: str,
    device_id: str | None,
    source: str,
    now: datetime,
) -> tuple[str, str]:
    """The picker (id, name) the PIN names. A wrong PIN raises `WrongPin`, which commits its
    count; a sign-in that must wait raises `TooManyAttempts` and is not judged at all."""
    check_pin(pin)
    known = device_id is not None and await conn.fetchval(
        Q["known_device"], store_id, device_id, now - KNOWN_FOR
    )
    rules = counters(store_id, device_id, source, known=known)
    held = await throttle.lock(conn, SERVICE, rules)
    if stop := throttle.blocking(rules, held, now):
        bucket, pause = stop
        retry = throttle.seconds(pause)
        raise TooManyAttempts(
            f"{_PAUSED[bucket.name.split('/')[1]]} is paused after {bucket.hits} wrong PINs; "
            f"try again in {retry} s",
            field="pin",
            retry_after_s=retry,
        )
    row = await conn.fetchrow(Q["picker_by_pin"], store_id, pin_digest(secret, store_id, pin))
    if row is None:
        await throttle.count(conn, SERVICE, rules, held, now)
        raise WrongPin(field="pin")
    if device_id is not None:  # the handheld's own mistakes are forgiven; an address's are not
        await throttle.clear(conn, SERVICE, _device(store_id, device_id))
    return row["picker_id"], row["name"]
