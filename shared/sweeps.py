"""Periodic sweeps, once per database however many instances share it (issue 19, part 5).

Every instance of a service (`omo serve --workers N`, or N machines) runs the same timers: unpaid
orders expired, overdue substitutions decided, webhooks and nudges sent, expired keys purged.
Each sweep is safe to run twice (they lock what they take, SKIP LOCKED), but N instances would
do its work N times as often for nothing. So when an instance's timer fires it claims the
sweep's row in `kernel.sweeps` for the period (`claim_sweep`): only the first instance whose
turn comes in a period runs it, and if that instance dies another takes the next turn.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg

from shared.clock import Clock
from shared.db import DATABASE_GONE
from shared.sql import load_queries

log = logging.getLogger(__name__)
Q = load_queries(Path(__file__).with_name("sweeps.sql"))
Job = Callable[[asyncpg.Pool], Awaitable[object]]  # what a job returns is not used


# A turn is free a little before a whole period since the last: an instance's own next tick
# (asyncio may wake a hair early) always finds it free; N instances run a sweep at most 1/0.9
# times as often as one.
TURN_SHARE = 0.9


async def claim(pool: asyncpg.Pool, *, name: str, every_s: float) -> bool:
    """Whether this instance runs sweep `name` now: nobody ran it in the last `every_s` wall
    seconds."""
    return await pool.fetchval(*Q["claim_sweep"](name=name, every_s=every_s)) is not None


async def every(seconds: float, clock: Clock, name: str, job: Job, pool: asyncpg.Pool) -> None:
    """Run `job` every `seconds` of clock time, once per database (`claim`); a failure is
    logged and tried again next time."""
    turn_s = clock.real_seconds(seconds) * TURN_SHARE
    while True:
        await clock.sleep(seconds)
        try:
            if await claim(pool, name=name, every_s=turn_s):
                await job(pool)
        except DATABASE_GONE as exc:  # the database restarts: one line, no traceback
            log.warning("periodic job %s: database unavailable: %s", name, exc)
        except Exception:
            log.exception("periodic job %s failed", name)


def job_name(job: Job) -> str:
    """A job's name: its function's (a `partial`'s too), with its module, for webhooks' and
    nudges' `send_due` are two sweeps and must not share one turn."""
    func = getattr(job, "func", job)
    return f"{getattr(func, '__module__', '')}.{getattr(func, '__qualname__', repr(job))}"
