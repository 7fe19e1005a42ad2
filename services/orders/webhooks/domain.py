"""Outbound webhooks, the rules: who wants an event, how a delivery is signed, when a failed one
is tried again. Pure.

A delivery is the event in the public envelope (`shared.bus.Published`: id, seq, topic,
occurred_at, store_id, data), POSTed as JSON and signed the way Stripe signs: the header
`Omo-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the endpoint's
secret>`. A receiver recomputes it, compares in constant time and refuses a `t` older than
five minutes (a replayed request); the event `id` is the same on every redelivery, so it
handles each event once. The snippet is in the README.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from typing import Annotated
from uuid import UUID

import msgspec

from shared.events import TOPICS

SIGNATURE_HEADER = "Omo-Signature"
ALL_TOPICS = "*"
# Store events a chain's systems may follow (member.erased names no store: not offered).
OFFERED = frozenset(t for t, cls in TOPICS.items() if "store_id" in cls.__struct_fields__)
# Event fields an endpoint never receives: the hand-over code printed for a member proves a
# delivery at the door, which is no business of the chain's other systems.
WITHHELD = frozenset({"handover_code"})
MAX_ATTEMPTS = 18  # first try, then backoff from 10 s doubling to 1 h: about 9 hours in all
FIRST_RETRY = timedelta(seconds=10)
LONGEST_WAIT = timedelta(hours=1)

Url = Annotated[str, msgspec.Meta(min_length=10, max_length=2000, pattern=r"^https?://[^\s]+$")]
Topic = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


class EndpointRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    url: Url
    topics: Annotated[list[Topic], msgspec.Meta(min_length=1, max_length=50)]
    description: Annotated[str, msgspec.Meta(max_length=200)] = ""


class Endpoint(msgspec.Struct, frozen=True, kw_only=True):
    endpoint_id: str
    url: str
    topics: list[str]
    description: str
    created_at: datetime
    disabled_at: datetime | None


class Delivery(msgspec.Struct, frozen=True, kw_only=True):
    """One event's delivery to an endpoint, as its log shows it."""

    event_id: UUID
    seq: int
    topic: str
    attempts: int
    created_at: datetime
    last_at: datetime | None
    last_status: int | None
    last_error: str | None
    delivered_at: datetime | None
    next_at: datetime | None


def unknown_topics(topics: list[str]) -> list[str]:
    """The topics asked for that no delivery could ever carry ("*" is every offered one)."""
    return [t for t in topics if t != ALL_TOPICS and t not in OFFERED]


def wants(topics: list[str], topic: str) -> bool:
    return ALL_TOPICS in topics or topic in topics


def new_secret() -> str:
    return f"whsec_{secrets.token_urlsafe(32)}"


def signature(secret: str, at: datetime, body: bytes) -> str:
    """The `Omo-Signature` header for `body` sent at `at`."""
    t = int(at.timestamp())
    mac = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def verify(secret: str, header: str, body: bytes, now: datetime, tolerance_s: int = 300) -> bool:
    """What a receiver does (and the tests): the header's MAC matches and `t` is recent."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    if not parts.get("t", "").isdigit() or "v1" not in parts:
        return False
    t = int(parts["t"])
    mac = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(mac, parts["v1"]) and abs(now.timestamp() - t) <= tolerance_s


def next_try(attempts: int, now: datetime) -> datetime | None:
    """After `attempts` failed tries, when to try again; None once it is given up."""
    if attempts >= MAX_ATTEMPTS:
        return None
    return now + min(FIRST_RETRY * 2 ** (attempts - 1), LONGEST_WAIT)
