"""Bearer tokens: who the caller is, in what role, and for staff, which store.

HS256 JWTs signed with the deployment's secret. Staff roles are scoped to one store; a shopper
token carries the member id; `service` is for one service calling another.
"""

from __future__ import annotations

import time
from enum import StrEnum

import jwt
import msgspec

from shared.errors import InvalidInput, Unauthenticated

DEFAULT_TTL_S = 12 * 3600


class Role(StrEnum):
    SHOPPER = "shopper"
    CASHIER = "cashier"
    PICKER = "picker"
    RIDER = "rider"
    MANAGER = "manager"
    SERVICE = "service"
    OPERATOR = "operator"  # reads the operator's endpoints (metrics) and nothing else


STAFF = frozenset({Role.CASHIER, Role.PICKER, Role.RIDER, Role.MANAGER})


class Principal(msgspec.Struct, frozen=True, kw_only=True):
    subject: str
    role: Role
    store_id: str | None = None
    member_id: str | None = None


def mint(
    secret: str,
    role: Role,
    *,
    subject: str | None = None,
    store_id: str | None = None,
    member_id: str | None = None,
    ttl_s: int = DEFAULT_TTL_S,
    now: float | None = None,
) -> str:
    """Sign a token; staff need a store and a shopper needs a member id."""
    if role in STAFF and not store_id:
        raise InvalidInput(f"a {role} token needs a store", field="store")
    if role is Role.SHOPPER and not member_id:
        raise InvalidInput("a shopper token needs a member id", field="member")
    issued = int(time.time() if now is None else now)
    claims: dict[str, object] = {
        "sub": subject or member_id or f"{role}@{store_id or 'omo'}",
        "role": str(role),
        "iat": issued,
        "exp": issued + ttl_s,
    }
    if store_id:
        claims["store"] = store_id
    if member_id:
        claims["member"] = member_id
    return jwt.encode(claims, secret, algorithm="HS256")


SERVICE_TOKEN_TTL_S = 365 * 24 * 3600


def service_token(secret: str, service: str) -> str:
    """The token a service sends when it calls another (checkout's quote, a picker's substitute
    offers): long-lived, since it never leaves the process that minted it."""
    return mint(secret, Role.SERVICE, subject=service, ttl_s=SERVICE_TOKEN_TTL_S)


# Tokens verified in this process -> (principal, expiry); a bound on what a flood of distinct
# tokens can make it hold.
_VERIFIED: dict[tuple[str, str], tuple[Principal, float]] = {}
VERIFIED_KEPT = 10_000


def verify(secret: str, token: str) -> Principal:
    """The principal a token names, or `Unauthenticated` saying what is wrong with it.

    A token that passed is remembered until it expires: an app sends the same one on every
    call, and checking its signature and claims again cost 35 µs of CPU each time."""
    known = _VERIFIED.get((secret, token))
    if known is not None and time.time() < known[1]:
        return known[0]
    principal, expires = _verified(secret, token)
    if len(_VERIFIED) >= VERIFIED_KEPT:
        _VERIFIED.clear()
    _VERIFIED[(secret, token)] = (principal, expires)
    return principal


def _verified(secret: str, token: str) -> tuple[Principal, float]:
    try:
        claims = jwt.decode(
            token, secret, algorithms=["HS256"], options={"require": ["exp", "sub", "role"]}
        )
    except jwt.ExpiredSignatureError:
        raise Unauthenticated("the bearer token has expired") from None
    except jwt.InvalidTokenError as exc:
        raise Unauthenticated(f"the bearer token is not valid: {exc}") from None
    try:
        role = Role(claims["role"])
    except ValueError:
        raise Unauthenticated(f"unknown role {claims['role']!r} in the token") from None
    for claim in ("sub", "store", "member"):
        if claim in claims and not (isinstance(claims[claim], str) and claims[claim]):
            raise Unauthenticated(f"the token's {claim!r} must be a non-empty string")
    if role in STAFF and not claims.get("store"):
        raise Unauthenticated("a staff token must name its store")
    if role is Role.SHOPPER and not claims.get("member"):
        raise Unauthenticated("a shopper token must name its member")
    principal = Principal(
        subject=claims["sub"],
        role=role,
        store_id=claims.get("store"),
        member_id=claims.get("member"),
    )
    return principal, float(claims["exp"])
