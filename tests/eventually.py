"""Waiting on a condition, the suite's one way: events arrive, servers start and locks are taken
in their own time, so a test asks again until the condition holds, and fails loudly naming what
it waited for and the last thing it saw. Never a bare sleep standing in for the condition."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import asyncpg
import pytest

T = TypeVar("T")
EVERY_S = 0.05


SHOWN = 2000  # characters of the last value a failure shows (a page of /metrics is longer)


def _failed(what: str, timeout: float, last: object) -> None:
    shown = repr(last)
    if len(shown) > SHOWN:
        shown = f"...{shown[-SHOWN:]}"
    pytest.fail(f"waited {timeout:g} s in vain for {what}; last seen: {shown}")


async def eventually(
    check: Callable[[], Awaitable[T] | T],
    what: str,
    # The deadline is this helper's subject: `asyncio.timeout` would fail without naming `what`.
    timeout: float = 10.0,  # noqa: ASYNC109
    *,
    ok: Callable[[T], object] = bool,
    ignoring: tuple[type[BaseException], ...] = (),
    every: float = EVERY_S,
) -> T:
    """Call `check` (a coroutine function or a plain one) every `every` seconds until `ok` holds
    for what it returns, and return that. An exception in `ignoring` counts as "not yet" and is
    the last thing seen."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            last: Any = check()
            if inspect.isawaitable(last):
                last = await last
            if ok(last):
                return last
        except ignoring as exc:
            last = exc
        if time.monotonic() >= deadline:
            _failed(what, timeout, last)
        await asyncio.sleep(every)


def eventually_sync(
    check: Callable[[], T],
    what: str,
    timeout: float = 10.0,
    *,
    ok: Callable[[T], object] = bool,
    ignoring: tuple[type[BaseException], ...] = (),
    every: float = EVERY_S,
) -> T:
    """`eventually` for code without an event loop (servers in threads, child processes)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            last: Any = check()
            if ok(last):
                return last
        except ignoring as exc:
            last = exc
        if time.monotonic() >= deadline:
            _failed(what, timeout, last)
        time.sleep(every)


async def waiting_on_a_lock(
    conn: asyncpg.Connection | asyncpg.Pool, pid: int | None = None
) -> list[int]:
    """Backends of this database now waiting for a lock (only `pid`, when given): how a test
    knows a transaction has reached the row another one holds."""
    rows = await conn.fetch(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
        " AND wait_event_type = 'Lock' AND ($1::int IS NULL OR pid = $1)",
        pid,
    )
    return [r["pid"] for r in rows]


async def handled(conn: asyncpg.Connection | asyncpg.Pool, consumer: str, event_id: object) -> bool:
    """Whether `consumer` has recorded the event as handled (the bus's own idempotency table)."""
    return bool(
        await conn.fetchval(
            "SELECT 1 FROM kernel.handled_events WHERE consumer = $1 AND event_id = $2",
            consumer,
            event_id,
        )
    )
