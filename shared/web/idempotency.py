"""Idempotency-Key on creating POSTs: a repeat gets the first response, not a second creation.

The key row is inserted in the handler's own transaction, before the work, and holds the
response when it commits; so the creation and its remembered response land together or not at
all. A concurrent repeat blocks on the row until the first commits, then replays it. The same
key with another body is a 422. Keys are per service and caller and live 24 hours; failed
requests (4xx) roll back with their transaction and may be retried with the same key.

A use case may instead store a first request's key with its answer in the very statement that
writes what it created (`FirstAnswer`), once its own read found no row for the key (`KeyOf`):
checkout does, so a placement is two trips to PostgreSQL, not eight (issue 19).
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Annotated, Any, NamedTuple

import asyncpg
import msgspec
from litestar import Request, Response
from litestar.params import HeaderParameter

from shared.errors import DomainError, IdempotencyKeyReused
from shared.web import idempotency_store as keys

TTL = timedelta(hours=24)

IdempotencyKey = Annotated[
    str,
    HeaderParameter(
        name="Idempotency-Key",
        min_length=8,
        max_length=128,
        description="A unique key per creation (a UUID); a retry with the same key returns the "
        "first response instead of creating twice.",
    ),
]

_encoder = msgspec.json.Encoder()


def _fingerprint(request: Request, body: bytes) -> bytes:
    return hashlib.sha256(
        request.method.encode() + b" " + request.url.path.encode() + b"\n" + body
    ).digest()


class Unfinished(msgspec.Struct, frozen=True):
    """The key was claimed by a request that has not stored its response (it is running, or it
    stopped half-way); a multi-step use case resumes from its own records."""


async def claim(
    conn: asyncpg.Connection, request: Request, *, caller: str, key: str
) -> Response | Unfinished | None:
    """Claim `key` in `conn`'s transaction: None if this request is the first, else the first
    response to replay, or `Unfinished`. The same key with another body raises."""
    service = request.app.state.service
    fingerprint = _fingerprint(request, await request.body())
    if await keys.claim_key(
        conn, service=service, caller=caller, key=key, fingerprint=fingerprint, ttl=TTL
    ):
        return None
    stored = await keys.stored(conn, service=service, caller=caller, key=key)
    assert stored is not None  # the claim found it, and waited for its first request
    if stored.fingerprint != fingerprint:
        raise IdempotencyKeyReused(
            "this Idempotency-Key was first used with another request; use a new key",
            field="Idempotency-Key",
        )
    if stored.status is None or stored.body is None:
        return Unfinished()
    return _response(stored.status, stored.body, stored.media_type, replayed=True)


async def used(
    conn: asyncpg.Connection | asyncpg.Pool, request: Request, *, caller: str, key: str
) -> bool:
    """Whether a request with `key` committed its claim: a refusal that writes nothing asks this
    (one read, no transaction, no lock) and answers at once unless there is a first request to
    replay, which `claim` then does. A first request still running is not seen, as it is not
    before its own transaction starts."""
    service = request.app.state.service
    return await keys.stored(conn, service=service, caller=caller, key=key) is not None


async def remember(
    conn: asyncpg.Connection,
    request: Request,
    *,
    caller: str,
    key: str,
    status: int,
    result: Any,
    media_type: str = "application/json",
) -> Response:
    """Store the response to a claimed key in `conn`'s transaction, and return it."""
    content = _encoder.encode(result)
    service = request.app.state.service
    await keys.remember(
        conn,
        service=service,
        caller=caller,
        key=key,
        status=status,
        body=content,
        media_type=media_type,
    )
    return _response(status, content, media_type, replayed=False)


async def once(
    conn: asyncpg.Connection,
    request: Request,
    *,
    caller: str,
    key: str,
    create: Callable[[], Awaitable[Any]],
    status_code: int = 201,
) -> Response:
    """Run `create` once per (service, caller, key), in one transaction; replay it on a repeat."""
    replay = await claim(conn, request, caller=caller, key=key)
    if isinstance(replay, Response):
        return replay
    # Unfinished cannot happen here: the claim and the response commit together.
    try:
        result = await create()
    except DomainError as exc:
        if exc.commits:  # its trace commits, the claim must not: a retry with the key runs again
            await keys.release(conn, service=request.app.state.service, caller=caller, key=key)
        raise
    return await remember(conn, request, caller=caller, key=key, status=status_code, result=result)


class KeyOf(NamedTuple):
    """A request's key as its row is keyed, for a use case whose own SQL asks whether any
    request stored it (checkout's offer: `kernel.idempotency_keys` read in the same trip)."""

    service: str
    caller: str
    key: str


def key_of(request: Request, *, caller: str, key: str) -> KeyOf:
    return KeyOf(request.app.state.service, caller, key)


class FirstAnswer(msgspec.Struct, frozen=True, kw_only=True):
    """A first request's answer, for the use case to store with its key in the statement that
    writes what the request created (checkout's `insert_order`): the row `claim` and then
    `remember` would leave, one trip instead of three and no transaction around them. Only for
    a key that the use case found no row of, in an earlier statement: a request that stored
    the key since then fails that statement on the key's primary key, and the use case goes
    the `claim` way, which waits for it and replays its answer."""

    key: KeyOf
    fingerprint: bytes
    ttl: timedelta
    status: int
    body: bytes
    media_type: str = "application/json"

    def response(self) -> Response:
        return _response(self.status, self.body, self.media_type, replayed=False)


async def first_answer(request: Request, *, key: KeyOf, status: int, result: Any) -> FirstAnswer:
    return FirstAnswer(
        key=key,
        fingerprint=_fingerprint(request, await request.body()),
        ttl=TTL,
        status=status,
        body=_encoder.encode(result),
    )


def _response(status: int, content: bytes, media_type: str, *, replayed: bool) -> Response:
    return Response(
        content,
        status_code=status,
        media_type=media_type,
        headers={"Idempotent-Replayed": "true" if replayed else "false"},
    )
