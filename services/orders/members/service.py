"""Members' use cases: load, decide with the domain, store; one transaction each."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

import asyncpg
import msgspec

from services.orders.members import store as db
from services.orders.members.domain import (
    CODE_TTL,
    MAX_CODES_PER_WINDOW,
    MEMBER_CODE_TTL_S,
    REFUSED,
    CodeRefused,
    IssuedCode,
    Member,
    MemberCode,
    OnFile,
    Registered,
    Registration,
    Verified,
    card_hash,
    check_send_rate,
    hash_code,
    judge_code,
    new_card_code,
    read_member_code,
    sign_member_code,
    wrong_code_detail,
)
from services.orders.settings import OrdersSettings
from shared import throttle
from shared.auth import Role, mint
from shared.clock import Clock
from shared.errors import Conflict, InvalidInput, NotFound, TooManyRequests
from shared.ids import uuid7
from shared.throttle import Rate

SERVICE = "orders"
OVERALL = "otp/all"  # every code the service sends


class SendLimits(msgspec.Struct, frozen=True, kw_only=True):
    """How many codes go out beyond each phone's own limit (from the settings)."""

    per_address: Rate
    overall: Rate

    @classmethod
    def of(cls, settings: OrdersSettings) -> SendLimits:
        return cls(
            per_address=Rate(limit=settings.otp_per_address_hour, per=timedelta(hours=1)),
            overall=Rate(limit=settings.otp_per_minute, per=timedelta(minutes=1)),
        )


async def _count_send(
    conn: asyncpg.Connection, limits: SendLimits, *, source: str, now: datetime
) -> None:
    """Count a send against its client address and the whole service, under their locks; a
    send over either limit is refused (and counts nowhere: the request rolls back)."""
    rules = {f"otp/address/{source}": limits.per_address, OVERALL: limits.overall}
    held = await throttle.lock(conn, SERVICE, rules)
    if stop := throttle.blocking(rules, held, now):
        bucket, pause = stop
        retry = throttle.seconds(pause)
        rule = rules[bucket.name]
        whose = "this service" if bucket.name == OVERALL else "your address"
        raise TooManyRequests(
            f"{whose} has sent {bucket.hits} codes within {int(rule.per.total_seconds() // 60)}"
            f" min; try again in {retry} s",
            retry_after_s=retry,
        )
    await throttle.count(conn, SERVICE, rules, held, now)


async def send_code(
    conn: asyncpg.Connection,
    clock: Clock,
    *,
    secret: str,
    phone: str,
    source: str,
    limits: SendLimits,
) -> IssuedCode:
    """A new code for `phone`, replacing its previous one; only the hash is stored."""
    now = clock.now()
    await _count_send(conn, limits, source=source, now=now)
    code = f"{secrets.randbelow(10**6):06d}"
    expires_at = now + CODE_TTL
    sent_at = await db.issue_code(
        conn,
        phone=phone,
        code_hash=hash_code(secret, phone, code),
        expires_at=expires_at,
        now=now,
        keep=MAX_CODES_PER_WINDOW + 1,
    )
    # Judged after the write, which holds the phone's row lock; a refusal rolls the write back
    # and the previous code stands.
    check_send_rate(sent_at, now)
    return IssuedCode(phone=phone, code=code, expires_at=expires_at)


async def verify_code(
    conn: asyncpg.Connection, clock: Clock, *, secret: str, phone: str, code: str
) -> Verified:
    """The member of `phone` (created if new) and a shopper token, if `code` is right; else
    `CodeRefused`, which commits the counted wrong try."""
    now = clock.now()
    stored = await db.lock_code(conn, phone=phone)
    verdict = judge_code(stored, hash_code(secret, phone, code), now)
    if verdict == "wrong":
        attempts = await db.count_wrong_try(conn, phone=phone)
        raise CodeRefused(wrong_code_detail(attempts), field="code")
    if verdict != "accepted":
        raise CodeRefused(REFUSED[verdict], field="code")
    await db.use_code(conn, phone=phone, now=now)
    member = await db.get_member_by_phone(conn, phone=phone)
    created = member is None
    if member is None:
        # The code row's lock serialises sign-ups of one phone, so this insert cannot lose a race.
        member = Member(member_id=_new_member_id(now), phone=phone, created_at=now)
        await db.insert_member(conn, member)
    # Minted on wall time, not the clock: tokens are checked against wall time.
    token = mint(secret, Role.SHOPPER, member_id=member.member_id)
    return Verified(member_id=member.member_id, token=token, created=created)


async def get_member(conn: asyncpg.Connection, member_id: str | None) -> Member:
    found = await db.get_member(conn, member_id=member_id) if member_id else None
    if found is None:
        raise NotFound(f"there is no member {member_id}", field="member_id")
    return found


async def member_code(
    conn: asyncpg.Connection, clock: Clock, *, secret: str, member_id: str | None
) -> MemberCode:
    """A short-lived signed code that a till scans to attach the member to a sale."""
    member = await get_member(conn, member_id)
    expires_at = clock.now().replace(microsecond=0) + timedelta(seconds=MEMBER_CODE_TTL_S)
    payload = sign_member_code(secret, member.member_id, expires_at)
    return MemberCode(payload=payload, expires_at=expires_at)


async def check_member_code(
    conn: asyncpg.Connection, clock: Clock, *, secret: str, payload: str
) -> str:
    """The member a scanned code names: a printed member card of a member who exists, or the
    app's code, signed by us, unexpired, of a member who exists."""
    if (hashed := card_hash(payload)) is not None:
        found = await db.member_by_card(conn, card_hash=hashed)
        if found is None:
            raise NotFound("no member holds this card", field="member_code")
        return found
    member_id = read_member_code(secret, payload, clock.now())
    if await db.get_member(conn, member_id=member_id) is None:
        raise NotFound(f"there is no member {member_id}", field="member_code")
    return member_id


def _new_member_id(now: datetime) -> str:
    return f"mem_{uuid7(int(now.timestamp() * 1000)).hex}"


async def register(
    conn: asyncpg.Connection, clock: Clock, *, registration: Registration, by: str
) -> Registered:
    """A member registered at the counter by staff, with a card code to print. A phone already
    a member's is a 409: that member signs in with it, or staff look them up by their card."""
    if registration.nudges == "sms" and registration.phone is None:
        raise InvalidInput("SMS needs a phone; give one, or leave nudges out", field="nudges")
    now = clock.now()
    card = new_card_code()
    member_id = _new_member_id(now)
    hashed = card_hash(card)
    assert hashed is not None  # a code we just made reads as one
    if not await db.register(
        conn, member_id=member_id, registration=registration, card_hash=hashed, by=by, at=now
    ):
        raise Conflict("this phone belongs to a member already", field="phone")
    return Registered(member_id=member_id, card_code=card, created_at=now)


async def on_file(
    conn: asyncpg.Connection, clock: Clock, *, secret: str, member_id: str | None, code: str | None
) -> OnFile:
    """The member staff act for, by their id or the code they show (their card, or the app's
    member code): their address and standing preference."""
    if code is not None:
        member_id = await check_member_code(conn, clock, secret=secret, payload=code)
    found = await db.on_file(conn, member_id=member_id) if member_id else None
    if found is None:
        raise NotFound(f"there is no member {member_id}", field="member_id")
    return found


async def set_nudge_consent(
    conn: asyncpg.Connection, clock: Clock, *, member_id: str | None, channel: str | None
) -> None:
    """The member agrees to nudges by `channel`, or withdraws (None). SMS needs their phone."""
    member = await get_member(conn, member_id)
    if channel == "sms" and member.phone is None:
        raise InvalidInput("SMS needs a phone; this member has none", field="channel")
    await db.set_nudge_consent(conn, member_id=member.member_id, channel=channel, at=clock.now())
