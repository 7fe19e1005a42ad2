"""Server-Sent Events that resume: each message carries `id:`, and a client that reconnects
with `Last-Event-ID` gets what it missed, nothing twice.

Two kinds. An event stream (`follow_events`) sends one key's events from the log in the public
envelope (`shared.bus.Published`), its id the log's `seq`: replay from the id is exact. A state
stream (`snapshot`) sends a view whenever it changes, its id a fingerprint of the view: on a
reconnect the current view is sent unless the client's id says it has it (a state has no gap
to fill, only a newer state).
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated

import asyncpg
import msgspec
from litestar.params import Parameter
from litestar.response import ServerSentEventMessage

from shared.bus import Published, events_after
from shared.errors import InvalidInput

POLL_S = 0.5
ALIVE_S = 15.0  # a comment line this often keeps proxies from closing a quiet stream

LastEventId = Annotated[
    str | None,
    Parameter(
        header="Last-Event-ID",
        required=False,
        max_length=128,
        description="The `id:` of the last message this client received: the stream resumes "
        "after it (sent by browsers' EventSource on a reconnect).",
    ),
]


def event_message(published: Published) -> ServerSentEventMessage:
    return ServerSentEventMessage(
        id=str(published.seq), event=published.topic, data=msgspec.json.encode(published).decode()
    )


async def follow_events(
    pool: asyncpg.Pool,
    key: str,
    *,
    after: int,
    finished: Callable[[asyncpg.Connection], Awaitable[bool]],
) -> AsyncIterator[ServerSentEventMessage]:
    """`key`'s events after seq `after`, then each as it is published, until `finished` says
    nothing more will come and every event is sent."""
    quiet = 0.0
    while True:
        async with pool.acquire() as conn:
            fresh = await events_after(conn, key, after=after)
            done = not fresh and await finished(conn)
        for published in fresh:
            after = published.seq
            yield event_message(published)
        if done:
            return
        if fresh:
            quiet = 0.0
            continue
        await asyncio.sleep(POLL_S)
        quiet += POLL_S
        if quiet >= ALIVE_S:
            quiet = 0.0
            yield ServerSentEventMessage(comment="alive")


def fingerprint(view: msgspec.Struct) -> str:
    """A state's id: the same view, the same id."""
    return hashlib.sha256(msgspec.json.encode(view)).hexdigest()[:16]


def snapshot(name: str, view: msgspec.Struct) -> ServerSentEventMessage:
    return ServerSentEventMessage(
        id=fingerprint(view), event=name, data=msgspec.json.encode(view).decode()
    )


def after_seq(last_event_id: str | None) -> int:
    """Where an event stream resumes: after the client's last id, or from the start."""
    if last_event_id is None:
        return 0
    if not last_event_id.isdigit():
        raise InvalidInput(
            "Last-Event-ID must be the id of a message this stream sent (a number)",
            field="Last-Event-ID",
        )
    return int(last_event_id)
