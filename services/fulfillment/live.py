"""Live updates for handheld screens: a log per store in, Server-Sent Events out.

A change that a screen must see (a shopper's decision, a cancelled order, an urgent task, a
lapsed lease) appends a message to its store's log in the transaction that makes it, so it
exists only if the change commits, with a NOTIFY that wakes the streams connected to any
instance of the service. Each instance keeps one listening connection and wakes the streams of
the store (and picker) named; a stream reads the log from its last seq, so a handheld that was
away is sent what it missed, once (`Last-Event-ID`), and a lost NOTIFY only delays a message.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any, Literal

import asyncpg
import msgspec

from services.fulfillment.store import Q
from shared.bus import Published
from shared.db import connect
from shared.ids import uuid7
from shared.web.streams import LastEvent, after_seq

log = logging.getLogger("omo.fulfillment.live")
CHANNEL = "fulfillment_live"
PAGE = 100  # messages read from the log at a time
Topic = Literal["substitution", "cancelled", "urgent", "lapsed"]


class Wake(msgspec.Struct, frozen=True, kw_only=True):
    """Whose streams a new message is for: a store's, or only one picker's when set."""

    store_id: str
    picker_id: str | None


async def notify(
    conn: asyncpg.Connection,
    *,
    store_id: str,
    picker_id: str | None,
    topic: Topic,
    at: datetime,
    **data: Any,
) -> None:
    wake = msgspec.json.encode(Wake(store_id=store_id, picker_id=picker_id)).decode()
    await conn.execute(
        Q["append_live"], store_id, uuid7(), picker_id, topic, data, at, CHANNEL, wake
    )


async def resume_at(conn: asyncpg.Connection, store_id: str, last: LastEvent | None) -> int:
    """The seq a picker's stream goes on after: the client's last id, or the store's newest
    message (a screen that just opened reads its state, not old news)."""
    row = await conn.fetchrow(Q["live_head"], store_id)
    return after_seq(last, issued=row["issued"], start=row["head"])


async def messages_after(
    conn: asyncpg.Connection, *, store_id: str, picker_id: str, after: int
) -> list[Published]:
    """The picker's messages after seq `after`, in the bus's public envelope."""
    rows = await conn.fetch(Q["live_after"], store_id, after, picker_id, PAGE)
    return [Published(**dict(r)) for r in rows]


class Hub:
    """This instance's listener and the streams it wakes."""

    def __init__(self, database_url: str) -> None:
        self._url = database_url
        self._conn: asyncpg.Connection | None = None
        self._lock = asyncio.Lock()
        self._streams: dict[str, set[tuple[str, asyncio.Event]]] = defaultdict(set)

    async def _listen(self) -> None:
        async with self._lock:
            if self._conn is not None and not self._conn.is_closed():
                return
            self._conn = await connect(self._url)
            await self._conn.add_listener(CHANNEL, self._received)

    def _received(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        try:
            wake = msgspec.json.decode(payload, type=Wake)
        except msgspec.DecodeError:
            log.warning("ignoring a malformed live message: %.200s", payload)
            return
        for picker_id, woken in self._streams.get(wake.store_id, ()):
            if wake.picker_id in (None, picker_id):
                woken.set()

    @contextlib.asynccontextmanager
    async def subscribe(self, store_id: str, picker_id: str) -> AsyncIterator[asyncio.Event]:
        """An event set whenever the picker may have a new message; the stream clears it
        before it reads the log."""
        await self._listen()
        entry = (picker_id, asyncio.Event())
        self._streams[store_id].add(entry)
        try:
            yield entry[1]
        finally:
            self._streams[store_id].discard(entry)

    async def ensure_listening(self) -> None:
        """Reconnect if the listening connection was lost (streams call this while idle)."""
        await self._listen()

    async def aclose(self) -> None:
        if self._conn is not None:
            await self._conn.close()
            self._conn = None
