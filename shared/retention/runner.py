"""Running trims: once (`trim_all`, as `omo events trim` does) or on a timer (`keep_trimming`)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg

from shared.clock import Clock
from shared.retention.queries import Q
from shared.settings import Settings

log = logging.getLogger("omo.retention")

# One run stops after this long and goes on at the next turn, however much is left: a first
# run on months of history must not keep a connection busy for an hour.
RUN_BUDGET_S = 60.0
# Between two batches: requests waiting for a connection get one.
PAUSE_S = 0.02

# (pool, now, before, batch) -> rows removed: everything older than `before` goes, in batches of
# at most `batch` rows; `now` is the clock the table's times come from.
Job = Callable[[asyncpg.Pool, datetime, datetime, int], Awaitable[int]]


@dataclass(frozen=True)
class Trim:
    """One kind of row, kept for as many days as its setting says, and the job that removes
    what is older."""

    what: str  # the table, as the operator knows it
    setting: str  # the Settings field with its days (OMO_<FIELD>)
    job: Job
    at: str = "at"  # the column with each row's time
    # The table's times are the database's own (now() at insert), not the store clock's.
    wall_clock: bool = False


async def try_lock(conn: asyncpg.Connection, what: str) -> bool:
    """This trim's lock, to the end of `conn`'s transaction, unless another process holds it."""
    return await conn.fetchval(Q["try_lock_for_transaction"], f"omo.trim:{what}")


@asynccontextmanager
async def held(pool: asyncpg.Pool, what: str) -> AsyncIterator[asyncpg.Connection | None]:
    """A connection holding this trim's lock for a job of several transactions (DDL); None
    when another process is at it. The pool does not reset a connection it takes back
    (`shared.db.keep_session`), so one that may still hold the lock (the job or the unlock
    failed, or was cancelled) is terminated, which lets go of it, never returned."""
    async with pool.acquire() as conn:
        key = f"omo.trim:{what}"
        try:
            locked = await conn.fetchval(Q["try_lock"], key)
            yield conn if locked else None
            if locked:
                await conn.execute(Q["unlock"], key)
        except BaseException:
            conn.terminate()
            raise


async def in_batches(pool: asyncpg.Pool, what: str, query: str, *args: object, batch: int) -> int:
    """Run `query` (deletes at most its last argument's rows and returns how many) in short
    transactions until a batch comes back short; how many rows went."""
    total = 0
    deadline = time.monotonic() + RUN_BUDGET_S
    while True:
        async with pool.acquire() as conn, conn.transaction():
            if not await try_lock(conn, what):
                return total
            removed = await conn.fetchval(query, *args, batch)
        total += removed
        if removed < batch or time.monotonic() > deadline:
            return total
        await asyncio.sleep(PAUSE_S)


def window(trim: Trim, settings: Settings, clock: Clock) -> tuple[datetime, datetime] | None:
    """Now on the table's clock, and the time before which its rows go; None when the kind is
    kept for ever (0 days)."""
    days = getattr(settings, trim.setting)
    if days <= 0:
        return None
    now = datetime.now(UTC) if trim.wall_clock else clock.now()
    return now, now - timedelta(days=days)


async def trim_all(
    pool: asyncpg.Pool, trims: Sequence[Trim], settings: Settings, clock: Clock
) -> dict[str, int | str]:
    """Every trim once: rows removed per table, or why it could not run this time."""
    done: dict[str, int | str] = {}
    for trim in trims:
        times = window(trim, settings, clock)
        if times is None:
            continue
        try:
            done[trim.what] = await trim.job(pool, *times, settings.trim_batch_size)
        except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, TimeoutError) as exc:
            done[trim.what] = f"{type(exc).__name__}: {exc}"
    return done


async def keep_trimming(
    pool: asyncpg.Pool, trims: Sequence[Trim], settings: Settings, clock: Clock
) -> None:
    """At start and then every `trim_every_s` wall seconds, for as long as the service runs.
    A database that is away is tried again at the next turn."""
    while True:
        for what, result in (await trim_all(pool, trims, settings, clock)).items():
            if isinstance(result, str):
                log.warning("could not trim %s now: %s", what, result)
            elif result:
                log.info("trimmed %d row(s) of %s", result, what)
        await asyncio.sleep(settings.trim_every_s)
