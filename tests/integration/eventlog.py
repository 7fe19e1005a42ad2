"""The event log as tests use it: publish events as another service would, read what was
published, and read Server-Sent Events off a stream."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import TypeVar

import asyncpg
import msgspec

from shared.bus import Published, publish
from shared.clock import Clock
from shared.db import connect, init_connection
from shared.events import Event

E = TypeVar("E", bound=Event)


async def publish_events(database: str, *events: Event) -> None:
    """Publish `events` in one transaction, as the service that owns them would."""
    conn = await connect(database)
    try:
        await init_connection(conn)
        async with conn.transaction():
            for event in events:
                await publish(conn, event, occurred_at=Clock().now())
    finally:
        await conn.close()


async def published(database: str, topic: str, kind: type[E]) -> list[E]:
    """The events of `topic` in the log, in order."""
    conn = await asyncpg.connect(database)
    try:
        rows = await conn.fetch(
            "SELECT payload FROM kernel.events WHERE topic = $1 ORDER BY seq", topic
        )
    finally:
        await conn.close()
    return [msgspec.json.decode(r["payload"], type=kind) for r in rows]


def envelope(event: str, data: str) -> dict:
    """A message's data, checked to be the public envelope every stream sends, its topic the
    SSE event name (a stream that sent anything else fails the test reading it)."""
    msgspec.json.decode(data, type=Published)
    decoded = json.loads(data)
    assert decoded["topic"] == event, (event, decoded["topic"])
    return decoded


async def next_event(lines: AsyncIterator[str], kind: str) -> dict:
    """The envelope of the next Server-Sent Event of `kind` among a stream's lines."""
    event = None
    async for text in lines:
        if text.startswith("event:"):
            event = text.removeprefix("event:").strip()
        elif text.startswith("data:") and event == kind:
            return envelope(event, text.removeprefix("data:"))
    raise AssertionError(f"the stream ended before a {kind} event")


async def next_message(lines: AsyncIterator[str]) -> tuple[str | None, str, dict]:
    """The next Server-Sent Event of a stream, comments skipped: (id, event, envelope)."""
    fields: dict[str, str] = {}
    async for text in lines:
        if text == "" and "data" in fields:
            event = fields.get("event", "message")
            return fields.get("id"), event, envelope(event, fields["data"])
        name, _, value = text.partition(":")
        if name:  # a line starting with ":" is a comment
            fields[name] = value.removeprefix(" ")
    raise AssertionError(f"the stream ended; last fields {fields}")
