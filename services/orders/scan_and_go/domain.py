"""Scan-and-go's pure types and rules: when a cart's lines may change, and the exit code a paid
cart shows at the door. No I/O.

A cart is `open` while the shopper scans, `paying` once checked out (its lines frozen, its
PaymentIntent made), `paid` when the payment succeeded and its stock was taken.

The exit code is `OMOX1.<store_id>.<cart_id>.<expires_unix>.<sig>`, signed with an HMAC key of
its own derived from the deployment secret (shared.signing, as member and pickup codes are), so
no other signature of ours can stand in for it. The signature proves the cart was paid and the
code is recent; that it is used once is kept on the cart.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from datetime import datetime, timedelta
from typing import Literal

import msgspec

from services.orders.sale.domain import MAX_SCANS
from shared.errors import Conflict, InvalidInput
from shared.signing import derive_key

CartStatus = Literal["open", "paying", "paid"]
EXIT_TTL = timedelta(minutes=15)
EXIT_PREFIX = "OMOX1"
_SIG_CHARS = 22  # of base64url: 132 bits of the HMAC
_PAYLOAD = re.compile(
    rf"{EXIT_PREFIX}\.(?P<store>[a-z0-9][a-z0-9-]{{2,62}})\.(?P<cart>sgc_[0-9a-f]{{32}})"
    rf"\.(?P<expires>[0-9]{{1,12}})\.(?P<sig>[A-Za-z0-9_-]{{{_SIG_CHARS}}})"
)


class ExitCode(msgspec.Struct, frozen=True, kw_only=True):
    payload: str
    expires_at: datetime


def check_open(status: CartStatus) -> None:
    """Scans are added and taken out only while the cart is open."""
    if status != "open":
        raise Conflict(f"the cart is {status}; its lines cannot change any more", field="cart_id")


def check_room(scans: int) -> None:
    """A cart holds at most as many scans as a till's basket."""
    if scans >= MAX_SCANS:
        raise Conflict(f"a cart holds at most {MAX_SCANS} scans; pay for this one", field="cart_id")


def _sig(secret: str, store_id: str, cart_id: str, expires: int) -> str:
    mac = hmac.new(
        derive_key(secret, "scan-and-go-exit"),
        f"{store_id}.{cart_id}.{expires}".encode(),
        hashlib.sha256,
    )
    return base64.urlsafe_b64encode(mac.digest()).decode()[:_SIG_CHARS]


def sign_exit(secret: str, store_id: str, cart_id: str, now: datetime) -> ExitCode:
    expires_at = now.replace(microsecond=0) + EXIT_TTL
    expires = int(expires_at.timestamp())
    sig = _sig(secret, store_id, cart_id, expires)
    return ExitCode(
        payload=f"{EXIT_PREFIX}.{store_id}.{cart_id}.{expires}.{sig}", expires_at=expires_at
    )


def read_exit(secret: str, payload: str, now: datetime) -> tuple[str, str]:
    """(store_id, cart_id) of a code we signed that has not expired."""
    found = _PAYLOAD.fullmatch(payload.strip())
    if found is None:
        raise InvalidInput("not a scan-and-go exit code", field="payload")
    store_id, cart_id, expires = found["store"], found["cart"], int(found["expires"])
    if not hmac.compare_digest(found["sig"], _sig(secret, store_id, cart_id, expires)):
        raise InvalidInput("this exit code was not signed by us", field="payload")
    if now.timestamp() >= expires:
        raise InvalidInput(
            "this exit code has expired; the shopper can show a fresh one from the app",
            field="payload",
        )
    return store_id, cart_id
