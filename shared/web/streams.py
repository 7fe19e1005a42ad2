"""Server-Sent Events that resume: each message carries `id:`, and a client that reconnects
with `Last-Event-ID` gets what it missed, nothing twice.

Every message is one public envelope (`shared.bus.Published`, as webhooks deliver them), its
SSE event name the envelope's `topic`, so a client reads every stream, and a webhook, one way.
Two kinds of message. A log's entry (`event_message`; `follow_events`, the handhelds') has its
`seq` as the SSE id: replay from the id is exact, and an id the log never issued is refused
(422 naming where it came from), so a client with an id from elsewhere learns it at once instead
of waiting for a seq that never comes. A state (`snapshot`: tracking's position and ETA, the
live page's store, the handheld's hello and lease warning) has `seq` null, being no entry of a
log, and `data` the state; a state stream sends it whenever it changes, its id a fingerprint of
the state: on a reconnect the current state is sent unless the client's id says it has it (a
state has no gap to fill, only a newer state), so any other id gets the current state.
Every stream opens with `retry:`, how soon a client that lost it should come back.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any
from uuid import NAMESPACE_URL, uuid5

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
    "stream of a log refuses an id it never sent with a 422; a state stream sends its current "
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
            assert published.seq is not None  # a log's entry
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


def fingerprint(state: msgspec.Struct | dict[str, Any]) -> str:
    """A state's id: the same state, the same id."""
    return hashlib.sha256(msgspec.json.encode(state)).hexdigest()[:16]


def snapshot(
    topic: str,
    state: msgspec.Struct | dict[str, Any],
    *,
    store_id: str | None,
    at: datetime,
    id: str | None = None,
) -> ServerSentEventMessage:
    """A state in the public envelope: `seq` null, `occurred_at` when it was taken, `id` a UUID
    named by the topic and the state (the same state sent again, the same id). `id`: the SSE
    id when it is not the state's fingerprint (the time it was taken is not news; a handheld's
    place in its log)."""
    seen = fingerprint(state)
    envelope = Published(
        id=uuid5(NAMESPACE_URL, f"urn:omo:state:{topic}:{seen}"),
        seq=None,
        topic=topic,
        occurred_at=at,
        store_id=store_id,
        data=msgspec.to_builtins(state),
    )
    return ServerSentEventMessage(
        id=id or seen, event=topic, data=msgspec.json.encode(envelope).decode()
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
