"""What a consumer is: a durable name, the topics it follows, and its handler."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import asyncpg

from shared.events import Envelope

Handler = Callable[[asyncpg.Connection, Envelope], Awaitable[None]]
# The handler of a consumer that runs its own transactions gets the pool instead.
PoolHandler = Callable[[asyncpg.Pool, Envelope], Awaitable[None]]


@dataclass(frozen=True)
class Consumer:
    """A durable named consumer: it sees every event of its topics published after it subscribed.

    By default its handler runs in the bus's transaction, which also records the event as
    handled: exactly once in effect. A handler that talks to the outside world (a payment
    provider) between writes sets `own_transactions`: it gets the pool, opens short
    transactions of its own around its writes and holds none while it waits on the network;
    the bus holds the delivery's claim meanwhile and records it handled after. It may then run
    twice for one event (a crash before that record commits), so it must be idempotent by
    itself.
    """

    name: str
    topics: tuple[str, ...]
    handle: Handler | PoolHandler
    own_transactions: bool = False
