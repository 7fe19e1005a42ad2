"""Pickups' pure types and rules: the signed pickup QR code, and when an order may be collected.

The code is `OMOP1.<store_id>.<order_id>.<version>.<sig>`. It carries no expiry (a gift may be
collected later that day); instead it is versioned: a transfer raises the order's version, so
every earlier code stops working, and collecting the order uses it up.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import msgspec

from shared.errors import Conflict, InvalidInput, NotFound
from shared.events import Unit
from shared.signing import derive_key

PICKUP_CODE_PREFIX = "OMOP1"
_SIG_CHARS = 22  # of base64url: 132 bits of the HMAC
COLLECTABLE = frozenset({"packed", "ready_for_pickup"})
NOT_YET = frozenset({"awaiting_payment", "placed", "picking", "picked"})

_STORE_ID = re.compile(r"[a-z0-9][a-z0-9-]{2,62}")
_ORDER_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_PAYLOAD = re.compile(
    rf"{PICKUP_CODE_PREFIX}\.(?P<store>{_STORE_ID.pattern})\.(?P<order>{_ORDER_ID.pattern})"
    rf"\.(?P<version>[1-9][0-9]{{0,8}})\.(?P<sig>[A-Za-z0-9_-]{{{_SIG_CHARS}}})"
)


class PickupCode(msgspec.Struct, frozen=True, kw_only=True):
    """What a pickup code says, once its signature is checked."""

    store_id: str
    order_id: str
    version: int


class PickupState(msgspec.Struct, frozen=True, kw_only=True):
    """An order as far as pickup cares; `version` is None until a code was first shown."""

    status: str
    fulfilment: str
    timezone: str
    version: int | None = None
    collected_at: datetime | None = None


class IssuedCode(msgspec.Struct, frozen=True, kw_only=True):
    """A pickup order's current code, to show as a QR code (or to send to a friend)."""

    order_id: str
    store_id: str
    version: int
    payload: str


class HandoverSubstitute(msgspec.Struct, frozen=True, kw_only=True):
    """What was packed instead of (part of) a line: pieces, or grams for `kg`."""

    sku: str
    name_en: str
    quantity: int


class HandoverLine(msgspec.Struct, frozen=True, kw_only=True):
    """What the counter hands over of a line: `quantity` is what was packed (pieces, or grams
    for `kg`), the ordered quantity until packing has recorded it."""

    line_no: int
    sku: str
    name_en: str
    name_ja: str
    unit: Unit
    quantity: int
    substitute: HandoverSubstitute | None = None


class Collected(msgspec.Struct, frozen=True, kw_only=True):
    order_id: str
    lines: list[HandoverLine]
    collected_at: datetime


def _sig(secret: str, store_id: str, order_id: str, version: int) -> str:
    message = f"{store_id}.{order_id}.{version}".encode()
    mac = hmac.new(derive_key(secret, "pickup-code"), message, hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()).decode()[:_SIG_CHARS]


def sign_pickup_code(secret: str, code: PickupCode) -> str:
    """The QR payload the counter scans."""
    if not _STORE_ID.fullmatch(code.store_id) or not _ORDER_ID.fullmatch(code.order_id):
        raise ValueError(f"{code.store_id}/{code.order_id} cannot be put in a pickup code")
    if not 1 <= code.version < 10**9:
        raise ValueError(f"version {code.version} cannot be put in a pickup code")
    sig = _sig(secret, code.store_id, code.order_id, code.version)
    return f"{PICKUP_CODE_PREFIX}.{code.store_id}.{code.order_id}.{code.version}.{sig}"


def read_pickup_code(secret: str, payload: str) -> PickupCode:
    """What a scanned code says, if we signed it; whether it is still good is the order's to say."""
    found = _PAYLOAD.fullmatch(payload.strip())
    if found is None:
        raise InvalidInput("not a pickup code", field="payload")
    code = PickupCode(
        store_id=found["store"], order_id=found["order"], version=int(found["version"])
    )
    expected = _sig(secret, code.store_id, code.order_id, code.version)
    if not hmac.compare_digest(found["sig"], expected):
        raise InvalidInput("not signed by us", field="payload")
    return code


def local_time(at: datetime, timezone: str) -> str:
    """An instant as the store's staff read it: '2025-05-01 18:05 JST'."""
    return at.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M %Z")


def check_collectable(state: PickupState, *, field: str) -> None:
    """A pickup order has a live code from packing until it is collected."""
    if state.fulfilment != "pickup":
        raise NotFound("this order is delivered; it has no pickup code", field=field)
    if state.status in COLLECTABLE:
        return
    if state.status == "collected":
        when = f" at {local_time(state.collected_at, state.timezone)}" if state.collected_at else ""
        extra = {"collected_at": state.collected_at.isoformat()} if state.collected_at else {}
        raise Conflict(f"already collected{when}", field=field, **extra)
    if state.status in NOT_YET:
        raise Conflict("not packed yet", field=field, status=state.status)
    raise Conflict(f"the order is {state.status}; there is nothing to collect", field=field)


def check_redeemable(code: PickupCode, state: PickupState) -> None:
    """Whether a signed code of this store's order may be handed over now: the latest version
    of the code, for an order that is packed and not yet collected."""
    current = state.version or 0
    if code.version < current:
        raise Conflict("this code was transferred; ask for the new one", field="payload")
    if code.version > current:
        # Signed by us but never issued: a database restored from before it was shown.
        raise InvalidInput("this code was never issued; ask for the current one", field="payload")
    check_collectable(state, field="payload")
