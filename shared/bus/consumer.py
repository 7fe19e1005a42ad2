"""What a consumer is: a durable name, the topics it follows, and its handler."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import asyncpg

from shared.events import Envelope

Handler = Callable[[asyncpg.Connection, Envelope], Awaitable[None]]


@dataclass(frozen=True)
class Consumer:
    """A durable named consumer: it sees every event of its topics published after it subscribed."""

    name: str
    topics: tuple[str, ...]
    handle: Handler
