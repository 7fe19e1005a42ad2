"""`Request-Id` on every response, and the id set for everything the request does meanwhile.

A client (or one of our services calling another) may name its request with `X-Request-Id`;
a sane one is kept so one id can be followed across services, anything else is replaced.
This wraps the whole app, not a route: Litestar runs app middleware only for matched routes,
and a 404 or 405 deserves an id as much as any answer.
"""

from __future__ import annotations

from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from shared.tracing import request_id, sane_request_id

HEADER = "Request-Id"
CLIENT_HEADER = b"x-request-id"


def _offered(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name.lower() == CLIENT_HEADER:
            return value.decode("latin-1")
    return None


def with_request_ids(app: ASGIApp) -> ASGIApp:
    async def named(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        rid = sane_request_id(_offered(scope))

        async def stamped(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                MutableScopeHeaders.from_message(message)[HEADER] = rid
            await send(message)

        with request_id(rid):
            await app(scope, receive, stamped)

    return named
