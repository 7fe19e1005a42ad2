"""Who may call an endpoint. Every route states it: `guards=[allow(...)]` or `opt=PUBLIC`.

The guard verifies the bearer token, checks the role, and for staff checks that the store in the
path is their own. Handlers receive the verified `Principal` as the `principal` dependency.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import asyncpg
from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler

from shared.auth import STAFF, Principal, Role, verify
from shared.errors import Forbidden, Unauthenticated

PUBLIC = {"public": True}
Guard = Callable[[ASGIConnection, BaseRouteHandler], Awaitable[None]]
# Whether a member deleted their account, asked of the service's own tables.
ErasedCheck = Callable[[asyncpg.Connection, str], Awaitable[bool]]


def bearer_principal(connection: ASGIConnection) -> Principal:
    header = connection.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthenticated("send 'Authorization: Bearer <token>' (mint one with `omo token`)")
    return verify(connection.app.state.settings.jwt_secret, token.strip())


ERASED = "this account was deleted; its tokens are no longer accepted"


def allow(*roles: Role, store_param: str = "store_id", erased_by_handler: bool = False) -> Guard:
    """A guard admitting `roles`; staff only for the store named by `store_param` in the path.
    `erased_by_handler`: the handler refuses a deleted account's token itself (`ERASED`), in
    its first statement and before it writes anything (checkout's offer: one trip fewer to
    PostgreSQL on the busiest call, issue 19)."""
    admitted = frozenset(roles)

    async def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        principal = bearer_principal(connection)
        if principal.role not in admitted:
            allowed = ", ".join(sorted(admitted))
            raise Forbidden(f"a {principal.role} may not do this; allowed: {allowed}")
        store = connection.path_params.get(store_param)
        if store is not None and principal.role in STAFF and principal.store_id != str(store):
            raise Forbidden(f"your token is for store {principal.store_id}, not {store}")
        if principal.role is Role.SHOPPER and not erased_by_handler:
            await _refuse_erased(connection, principal)
        connection.state.principal = principal

    guard.roles = admitted  # type: ignore[attr-defined]  # read by the every-route-states-access test
    return guard


async def _refuse_erased(connection: ASGIConnection, principal: Principal) -> None:
    """A deleted account's tokens are refused while they last: the service says how it knows
    (`build_app(erased=...)`); one indexed lookup per shopper call."""
    erased: ErasedCheck | None = connection.app.state.get("erased")
    if erased is None or principal.member_id is None:
        return
    async with connection.app.state.pool.acquire() as conn:
        if await erased(conn, principal.member_id):
            raise Unauthenticated(ERASED)


def client_address(connection: ASGIConnection) -> str:
    """Where a request comes from, for counting tries per source: the peer's address, or the
    client's as a trusted proxy forwarded it (uvicorn's FORWARDED_ALLOW_IPS)."""
    client = connection.client
    return client.host if client and client.host else "unknown"


async def provide_principal(request: ASGIConnection) -> Principal:
    """The caller, as verified by the route's guard."""
    return request.state.principal
