"""Periodic sweeps run once per database, not once per instance (shared/sweeps.py)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from functools import partial

import asyncpg

from services.orders.nudges import service as nudges
from services.orders.webhooks import service as webhooks
from shared import sweeps
from shared.clock import Clock
from shared.db import create_pool
from tests.eventually import eventually

PERIOD_S = 0.1


async def test_of_instances_claiming_a_sweep_at_once_one_runs_it(database):
    pool = await create_pool(database, max_size=8)
    try:
        claims = await asyncio.gather(
            *(sweeps.claim(pool, name="orders.expire_unpaid", every_s=60) for _ in range(8))
        )
        other = await sweeps.claim(pool, name="orders.decide_overdue", every_s=60)
        later = await sweeps.claim(pool, name="orders.expire_unpaid", every_s=0)
    finally:
        await pool.close()
    assert claims.count(True) == 1
    assert other and later  # each sweep has its own turns; a period past, the next is free


async def test_three_instances_run_a_sweep_as_often_as_one_would(database):
    pool = await create_pool(database, max_size=6)
    runs: list[float] = []

    async def job(_: asyncpg.Pool) -> None:
        runs.append(time.monotonic())

    instances = [
        asyncio.create_task(sweeps.every(PERIOD_S, Clock(), "test.sweep", job, pool))
        for _ in range(3)
    ]
    try:
        await eventually(lambda: len(runs), "six runs", ok=lambda n: n >= 6)
    finally:
        for task in instances:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await pool.close()
    gaps = [b - a for a, b in itertools.pairwise(runs[:6])]
    # Three instances each running it would leave gaps of next to nothing between runs; claims
    # are timed by the database, runs here, so allow the round trips' jitter.
    assert min(gaps) >= PERIOD_S / 2, gaps


def test_two_sweeps_of_the_same_function_name_take_their_own_turns():
    names = {sweeps.job_name(partial(nudges.send_due)), sweeps.job_name(webhooks.send_due)}
    assert len(names) == 2
