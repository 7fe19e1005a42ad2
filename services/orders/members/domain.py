"""Members' pure types and rules: one-time codes, their limits, the member QR code, and the
printed member card of a member registered at the counter."""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import re
from datetime import datetime, timedelta
from typing import Annotated, Literal

import msgspec

from shared.errors import InvalidInput, TooManyRequests
from shared.events import Address
from shared.ids import CROCKFORD, paper_code
from shared.signing import derive_key

CODE_TTL = timedelta(minutes=5)
MAX_WRONG_TRIES = 5
MAX_CODES_PER_WINDOW = 5
CODE_WINDOW = timedelta(hours=1)
MEMBER_CODE_TTL_S = 60
MEMBER_CODE_PREFIX = "OMOM1"
_SIG_CHARS = 22  # of base64url: 132 bits of the HMAC

Phone = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^\+[1-9][0-9]{7,14}$",
        description="E.164: a + then 8 to 15 digits, country code first",
        examples=["+819012345678"],
    ),
]
Code = Annotated[str, msgspec.Meta(pattern=r"^[0-9]{6}$", examples=["042917"])]


class CodeRefused(InvalidInput):
    """The code does not open the door"""

    commits = True  # a wrong try is counted against the code


Preference = Literal["none", "same_brand", "any"]


class Member(msgspec.Struct, frozen=True, kw_only=True):
    member_id: str
    phone: str | None  # None for a member registered at the counter without one
    created_at: datetime


class Registration(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A member registered at the counter by staff: a phone only if they have one, and their
    word on substitutions and on being nudged (push needs the app, SMS the phone)."""

    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    address: Address | None = None
    phone: Phone | None = None
    substitution: Preference = "none"
    nudges: Literal["sms"] | None = None


class Registered(msgspec.Struct, frozen=True, kw_only=True):
    """The new member and their card code, printed on the card now and never shown again."""

    member_id: str
    card_code: str
    created_at: datetime


class OnFile(msgspec.Struct, frozen=True, kw_only=True):
    """What staff ordering on a member's behalf may use: where to, and their standing
    preference for substitutes."""

    member_id: str
    name: str | None
    address: Address | None
    substitution: Preference


class NudgeConsent(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """How the member agrees to be told of a reason to order online; null withdraws it."""

    channel: Literal["push", "sms"] | None


class IssuedCode(msgspec.Struct, frozen=True, kw_only=True):
    """A code just made: the only moment its plain text exists, to be sent and forgotten."""

    phone: str
    code: str
    expires_at: datetime


class Verified(msgspec.Struct, frozen=True, kw_only=True):
    member_id: str
    token: str
    created: bool


class MemberCode(msgspec.Struct, frozen=True, kw_only=True):
    payload: str
    expires_at: datetime


class StoredCode(msgspec.Struct, frozen=True, kw_only=True):
    """A phone's current one-time code, as kept: its hash, never the code."""

    code_hash: bytes
    expires_at: datetime
    attempts: int
    used_at: datetime | None = None


Verdict = Literal["accepted", "wrong", "none", "used", "dead", "expired"]
REFUSED: dict[str, str] = {
    "none": "no code was sent to this phone; ask for one",
    "used": "this code was used already; ask for a new one",
    "dead": f"this code is dead after {MAX_WRONG_TRIES} wrong tries; ask for a new one",
    "expired": "this code has expired; ask for a new one",
}


def hash_code(secret: str, phone: str, code: str) -> bytes:
    """What is stored of a code; bound to its phone, so it opens nothing else."""
    key = derive_key(secret, "member-otp")
    return hmac.new(key, f"{phone}:{code}".encode(), hashlib.sha256).digest()


def judge_code(stored: StoredCode | None, given_hash: bytes, now: datetime) -> Verdict:
    """Whether a code opens the door. A dead code stays shut even to the right code."""
    if stored is None:
        return "none"
    if stored.used_at is not None:
        return "used"
    if stored.attempts >= MAX_WRONG_TRIES:
        return "dead"
    if now >= stored.expires_at:
        return "expired"
    return "accepted" if hmac.compare_digest(stored.code_hash, given_hash) else "wrong"


def wrong_code_detail(attempts: int) -> str:
    left = MAX_WRONG_TRIES - attempts
    if left <= 0:
        return "wrong code; no tries left, ask for a new one"
    return f"wrong code; {left} {'try' if left == 1 else 'tries'} left"


def check_send_rate(sent_at: list[datetime], now: datetime) -> None:
    """At most MAX_CODES_PER_WINDOW codes per phone in any CODE_WINDOW; `sent_at` includes
    the send being judged, newest last."""
    recent = sorted(t for t in sent_at if now - t < CODE_WINDOW)
    if len(recent) <= MAX_CODES_PER_WINDOW:
        return
    free_at = recent[-(MAX_CODES_PER_WINDOW + 1)] + CODE_WINDOW
    wait_s = max(1, math.ceil((free_at - now).total_seconds()))
    raise TooManyRequests(
        f"at most {MAX_CODES_PER_WINDOW} codes per phone per hour; "
        f"try again in {math.ceil(wait_s / 60)} min",
        field="phone",
        retry_after_s=wait_s,
    )


def mask_phone(phone: str) -> str:
    """'+819012345612' -> '+81********12': enough to tell phones apart in a log, no more."""
    return phone[:3] + "*" * max(0, len(phone) - 5) + phone[-2:]


_MEMBER_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_PAYLOAD = re.compile(
    rf"{MEMBER_CODE_PREFIX}\.(?P<member>{_MEMBER_ID.pattern})\.(?P<expires>[0-9]{{1,12}})"
    rf"\.(?P<sig>[A-Za-z0-9_-]{{{_SIG_CHARS}}})"
)


def _member_code_sig(secret: str, member_id: str, expires: int) -> str:
    key = derive_key(secret, "member-code")
    mac = hmac.new(key, f"{member_id}.{expires}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()).decode()[:_SIG_CHARS]


def sign_member_code(secret: str, member_id: str, expires_at: datetime) -> str:
    """The QR payload a till scans: `OMOM1.<member_id>.<expires_unix>.<sig>`."""
    if not _MEMBER_ID.fullmatch(member_id):
        raise ValueError(f"{member_id!r} cannot be put in a member code")
    expires = int(expires_at.timestamp())
    sig = _member_code_sig(secret, member_id, expires)
    return f"{MEMBER_CODE_PREFIX}.{member_id}.{expires}.{sig}"


def read_member_code(secret: str, payload: str, now: datetime) -> str:
    """The member a scanned code names, if we signed it and it has not expired."""
    found = _PAYLOAD.fullmatch(payload.strip())
    if found is None:
        raise InvalidInput("not a member code", field="member_code")
    member_id, expires = found["member"], int(found["expires"])
    if not hmac.compare_digest(found["sig"], _member_code_sig(secret, member_id, expires)):
        raise InvalidInput("not signed by us", field="member_code")
    if now.timestamp() >= expires:
        raise InvalidInput("expired", field="member_code")
    return member_id


CARD_PREFIX = "OMOC"
_CARD = re.compile(rf"{CARD_PREFIX}-?(?P<body>(?:[{CROCKFORD}]{{4}}-?){{4}})")


def new_card_code() -> str:
    """80 random bits in Crockford base 32 after the prefix, four groups of four (such as
    `OMOC-7K3Q-M2ZD-P9XA-4TWE`), for a printed member card."""
    return f"{CARD_PREFIX}-{paper_code(4, 4)}"


def card_hash(code: str) -> bytes | None:
    """What is stored of a card code (read case- and dash-blind); None if it is not one."""
    found = _CARD.fullmatch(code.strip().upper())
    if found is None:
        return None
    return hashlib.sha256(found["body"].replace("-", "").encode()).digest()
