"""Server-Sent Events that resume: each message carries `id:`, and a client that reconnects
with `Last-Event-ID` gets what it missed, nothing twice.

Two kinds. An event stream (`follow_events`, the handhelds') sends a log's entries in the public
envelope (`shared.bus.Published`, as webhooks deliver them), its id the entry's `seq`: replay
from the id is exact, and an id the log never issued is refused (422 naming where it came
from), so a client with an id from elsewhere learns it at once instead of waiting for a seq
that never comes. A state stream (`snapshot`) sends a view whenever it changes, its id a
fingerprint of the view: on a reconnect the current view is sent unless the client's id says it
has it (a state has no gap to fill, only a newer state), so any other id gets the current view.
Every stream opens with `retry:`, how soon a client that lost it should come back.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from typing import Annotated

import asyncpg
import msgspec
from litestar.di import NamedDependency
from litestar.params import HeaderParameter, QueryParameter
from litestar.response import ServerSentEvent, ServerSentEventMessage

from shared.bus import Published, events_after
from shared.errors import InvalidInput

EVENT_STREAM = "text/event-stream"  # a stream handler's `media_type`, so its document says so
POLL_S = 0.5
ALIVE_S = 15.0  # a comment line this often keeps proxies from closing a quiet stream
RETRY_MS = 3000  # a dropped client comes back this soon (EventSource waits so before retrying)
ID_HELP = (
    "The `id:` of the last message this client received: the stream resumes after it (an "
    "event stream refuses an id it never sent with a 422; a state stream sends its current "
    "state unless the id names it)."
)


class LastEvent(msgspec.Struct, frozen=True):
    """The id a client resumes from, and where it sent it (for a problem that names it)."""

    id: str
    field: str


def provide_last_event(
    last_event_id: Annotated[
        str | None,
        HeaderParameter(
            name="Last-Event-ID",
            required=False,
            max_length=128,
            description=f"{ID_HELP} Sent by EventSource on a reconnect.",
        ),
    ] = None,
    last_event_id_query: Annotated[
        str | None,
        QueryParameter(
            name="last_event_id",
            required=False,
            max_length=128,
            description=f"{ID_HELP} For a client that cannot set the header on its first "
            "request (a browser's EventSource); the header wins when both are sent.",
        ),
    ] = None,
) -> LastEvent | None:
    """The header wins: EventSource reconnects to the URL it opened, query and all, with the
    newer id in the header."""
    if last_event_id is not None:
        return LastEvent(last_event_id, "Last-Event-ID")
    if last_event_id_query is not None:
        return LastEvent(last_event_id_query, "last_event_id")
    return None


Resume = NamedDependency[LastEvent | None]  # `last_event` in a handler (shared.web.app)


def stream(messages: AsyncGenerator[ServerSentEventMessage, None]) -> ServerSentEvent:
    """The response: `retry:` first, on its own (no data, so no event), then the messages."""

    async def with_retry() -> AsyncIterator[ServerSentEventMessage]:
        yield ServerSentEventMessage(data=None, retry=RETRY_MS)
        try:
            async for message in messages:
                yield message
        finally:
            await messages.aclose()  # now, not when collected: it may hold a subscription

    return ServerSentEvent(with_retry())


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
) -> AsyncGenerator[ServerSentEventMessage, None]:
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


def snapshot(name: str, view: msgspec.Struct, *, id: str | None = None) -> ServerSentEventMessage:
    """`id`: when part of the view is not news (the time it was taken), the id of the rest."""
    return ServerSentEventMessage(
        id=id or fingerprint(view), event=name, data=msgspec.json.encode(view).decode()
    )


def after_seq(last: LastEvent | None, *, issued: int, start: int = 0) -> int:
    """Where an event stream resumes: after the client's last id, or from `start` (0: all the
    log holds) without one. `issued`: the log's last seq given out; an id that is no number or
    is beyond it was never sent by this stream."""
    if last is None:
        return start
    if not (last.id.isascii() and last.id.isdigit()) or int(last.id) > issued:
        raise InvalidInput(
            f"{last.field} must be the id of a message this stream sent; reconnect without it "
            "to start afresh",
            field=last.field,
        )
    return int(last.id)
