"""The request id: one name for one request, in its response, its log lines and its events.

A contextvar rather than an argument: it must reach log lines and `publish()` deep below the API
layer without every use case passing it along. The HTTP edge sets it for a request
(`shared.web.request_ids`), the bus sets it while a consumer handles an event that a request
published, so the id follows the work from one service into the next.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from shared.ids import uuid7

_CURRENT: ContextVar[str | None] = ContextVar("omo_request_id", default=None)
# A client's own id is kept only if it is short and plain: it lands in logs and in the database,
# so a header full of newlines or kilobytes must not.
_SANE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@/+=-]{0,127}")


def current_request_id() -> str | None:
    """The id of the request (or of the request behind the event) being handled, if any."""
    return _CURRENT.get()


def sane_request_id(offered: str | None) -> str:
    """The client's id if it is sane, else a new one."""
    if offered and _SANE.fullmatch(offered):
        return offered
    return str(uuid7())


@contextmanager
def request_id(value: str | None) -> Iterator[None]:
    """Run the block as part of the request named `value` (nothing changes for None)."""
    if value is None:
        yield
        return
    token = _CURRENT.set(value)
    try:
        yield
    finally:
        _CURRENT.reset(token)


async def pass_on_request_id(request: Any) -> None:
    """An httpx request hook: a call to another of our services carries the current request's
    id, so both services' logs name the same request."""
    rid = current_request_id()
    if rid is not None:
        request.headers.setdefault("X-Request-Id", rid)
