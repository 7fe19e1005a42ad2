"""Live updates for handheld screens: Postgres NOTIFY in, Server-Sent Events out.

A change that a screen must see (a shopper's decision, a cancelled order, an urgent task, a
lapsed lease) sends a NOTIFY in the transaction that makes it, so it is announced only if it
commits, and reaches the screens connected to any instance of the service. Each instance keeps
one listening connection and fans messages out to the streams of the store (and picker) named.
A screen that was away re-reads its batch when it reconnects: these are nudges, not the record.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import AsyncIterator
from typing import Any, Literal

import asyncpg
import msgspec

from services.fulfillment.store import Q
from shared.db import connect

log = logging.getLogger("omo.fulfillment.live")
CHANNEL = "fulfillment_live"
QUEUE_SIZE = 100
Kind = Literal["substitution", "cancelled", "urgent", "lapsed"]


class Message(msgspec.Struct, frozen=True, kw_only=True):
    """One update: for a store's screens, or only for one picker's when `picker_id` is set."""

    store_id: str
    picker_id: str | None
    kind: Kind
    data: dict[str, Any]


async def notify(
    conn: asyncpg.Connection, *, store_id: str, picker_id: str | None, kind: Kind, **data: Any
) -> None:
    message = Message(store_id=store_id, picker_id=picker_id, kind=kind, data=data)
    await conn.execute(Q["notify"], CHANNEL, msgspec.json.encode(message).decode())


class Hub:
    """This instance's listener and the streams it feeds."""

    def __init__(self, database_url: str) -> None:
        self._url = database_url
        self._conn: asyncpg.Connection | None = None
        self._lock = asyncio.Lock()
        self._streams: dict[str, set[tuple[str, asyncio.Queue[Message]]]] = defaultdict(set)

    async def _listen(self) -> None:
        async with self._lock:
            if self._conn is not None and not self._conn.is_closed():
                return
            self._conn = await connect(self._url)
            await self._conn.add_listener(CHANNEL, self._received)

    def _received(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        try:
            message = msgspec.json.decode(payload, type=Message)
        except msgspec.DecodeError:
            log.warning("ignoring a malformed live message: %.200s", payload)
            return
        for picker_id, queue in self._streams.get(message.store_id, ()):
            if message.picker_id in (None, picker_id):
                with contextlib.suppress(asyncio.QueueFull):  # a stalled screen re-reads later
                    queue.put_nowait(message)

    @contextlib.asynccontextmanager
    async def subscribe(self, store_id: str, picker_id: str) -> AsyncIterator[asyncio.Queue]:
        await self._listen()
        entry = (picker_id, asyncio.Queue[Message](QUEUE_SIZE))
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
