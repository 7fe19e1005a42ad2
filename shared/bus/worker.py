"""Consuming events: claim due deliveries, handle each in a savepoint, retry or park failures."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence

import asyncpg

from shared.backoff import backoff_seconds
from shared.bus.admin import subscribe
from shared.bus.consumer import Consumer
from shared.bus.queries import Q
from shared.db import connect
from shared.events import Envelope, decode
from shared.tracing import request_id

log = logging.getLogger("omo.bus")

STOP_GRACE_S = 5.0
RECONNECT_CAP_S = 10.0  # the most a lost database is waited for before the next try


async def drain(
    pool: asyncpg.Pool, consumer: Consumer, *, batch_size: int = 20, max_attempts: int = 8
) -> int:
    """Handle one batch of due deliveries in one transaction (or, for a consumer that runs its
    own transactions, one after another while the claim is held); returns how many were taken."""
    if consumer.own_transactions:
        return await _drain_held(pool, consumer, batch_size=batch_size, max_attempts=max_attempts)
    async with pool.acquire() as conn, conn.transaction():
        rows = await conn.fetch(Q["claim"], consumer.name, batch_size)
        for row in rows:
            # The handler's logs, failures and events carry the request that caused the event.
            with request_id(row["request_id"]):
                await _handle_one(conn, consumer, row, max_attempts)
    return len(rows)


def _envelope(row: asyncpg.Record) -> Envelope:
    return Envelope(
        id=row["id"],
        seq=row["seq"],
        topic=row["topic"],
        key=row["key"],
        version=row["version"],
        occurred_at=row["occurred_at"],
        event=decode(row["topic"], row["version"], row["payload"]),
        request_id=row["request_id"],
    )


async def _handle_one(
    conn: asyncpg.Connection, consumer: Consumer, row: asyncpg.Record, max_attempts: int
) -> None:
    try:
        # A savepoint: a failing handler undoes its own writes, not the rest of the batch.
        async with conn.transaction():
            if await conn.fetchval(Q["take"], consumer.name, row["seq"], row["id"]):
                await consumer.handle(conn, _envelope(row))
                _handled(consumer, row)
    except Exception as exc:
        await _failed(conn, consumer, row, exc, max_attempts)


def _handled(consumer: Consumer, row: asyncpg.Record) -> None:
    """One line per event handled, under the id of the request behind it: at debug, the trail
    of what one request caused in every service."""
    log.debug("%s handled %s %s", consumer.name, row["topic"], row["id"])


async def _failed(
    conn: asyncpg.Connection,
    consumer: Consumer,
    row: asyncpg.Record,
    exc: Exception,
    max_attempts: int,
) -> None:
    """Try the delivery again after a backoff, or park it after `max_attempts`."""
    error = f"{type(exc).__name__}: {exc}"
    attempts = row["attempts"] + 1
    if attempts >= max_attempts:
        log.error(
            "%s parked event %s after %d tries: %s", consumer.name, row["id"], attempts, error
        )
        await conn.execute(Q["park"], consumer.name, row["seq"], error)
    else:
        log.warning("%s failed on event %s (try %d): %s", consumer.name, row["id"], attempts, error)
        await conn.execute(
            Q["postpone"], consumer.name, row["seq"], backoff_seconds(attempts), error
        )


async def _drain_held(
    pool: asyncpg.Pool, consumer: Consumer, *, batch_size: int, max_attempts: int
) -> int:
    """Claim a batch and hold the claim's transaction open on one connection while the handler
    runs its own transactions on others. Other instances skip the held deliveries, and their
    keys' later events wait behind them, exactly as long as this instance lives: if it dies,
    PostgreSQL ends the transaction with its connection and the deliveries are due again at once
    (a lease on a clock kept a crashed instance's work, and its orders, waiting for the lease).
    Each delivery is taken in a savepoint of the held transaction; should the connection go
    before the commit, the handlers run again, idempotent as they must be."""
    async with pool.acquire() as held, held.transaction():
        rows = await held.fetch(Q["claim"], consumer.name, batch_size)
        for row in rows:
            with request_id(row["request_id"]):
                try:
                    if not await held.fetchval(Q["handled"], consumer.name, row["id"]):
                        await consumer.handle(pool, _envelope(row))
                        _handled(consumer, row)
                    async with held.transaction():
                        await held.execute(Q["take"], consumer.name, row["seq"], row["id"])
                except Exception as exc:
                    await _failed(held, consumer, row, exc, max_attempts)
    return len(rows)


class BusRunner:
    """Runs a process's consumers: one LISTEN connection to wake them, one loop per consumer."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        dsn: str,
        consumers: Sequence[Consumer],
        *,
        poll_seconds: float = 2.0,
        batch_size: int = 20,
        max_attempts: int = 8,
    ):
        self.pool = pool
        self.dsn = dsn
        self.consumers = list(consumers)
        self.poll_seconds = poll_seconds
        self.batch_size = batch_size
        self.max_attempts = max_attempts
        self._wakes = {c.name: asyncio.Event() for c in self.consumers}
        self._tasks: list[asyncio.Task] = []

    async def start(self) -> None:
        async with self.pool.acquire() as conn:
            await subscribe(conn, self.consumers)
        self._tasks.append(asyncio.create_task(self._listen(), name="bus-listen"))
        for consumer in self.consumers:
            self._tasks.append(asyncio.create_task(self._run(consumer), name=consumer.name))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        if self._tasks:  # a handler that ignores cancellation must not hold up the shutdown
            await asyncio.wait(self._tasks, timeout=STOP_GRACE_S)
        self._tasks.clear()

    def _wake(self, _conn: object, _pid: int, _channel: str, consumer: str) -> None:
        if consumer in self._wakes:
            self._wakes[consumer].set()

    async def _listen(self) -> None:
        """Keep a LISTEN connection, reconnecting with backoff when the database goes away;
        meanwhile the poll still delivers everything."""
        failures = 0
        while True:
            try:
                conn = await connect(self.dsn)
            except Exception as exc:
                failures += 1
                wait = backoff_seconds(failures, cap_s=RECONNECT_CAP_S)
                log.warning("bus listener cannot connect (%s); trying again in %.1f s", exc, wait)
                await asyncio.sleep(wait)
                continue
            lost = asyncio.Event()
            conn.add_termination_listener(lambda _conn, lost=lost: lost.set())
            try:
                await conn.add_listener("omo_bus", self._wake)
                if failures:
                    log.info("bus listener connected again")
                failures = 0
                for wake in self._wakes.values():  # catch up on anything missed while away
                    wake.set()
                await lost.wait()
            except Exception as exc:  # lost while subscribing: the next turn reconnects
                log.warning("bus listener lost its connection: %s", exc)
            finally:
                with contextlib.suppress(Exception):
                    await conn.close(timeout=1)

    async def _run(self, consumer: Consumer) -> None:
        wake = self._wakes[consumer.name]
        failures = 0
        while True:
            wake.clear()  # before draining, so a NOTIFY that lands meanwhile is not missed
            try:
                if await drain(
                    self.pool,
                    consumer,
                    batch_size=self.batch_size,
                    max_attempts=self.max_attempts,
                ):
                    failures = 0
                    continue
                async with self.pool.acquire() as conn:
                    due = await conn.fetchval(Q["next_due"], consumer.name)
                failures = 0
            except Exception as exc:  # a consumer must outlive a database restart
                failures += 1
                log.warning("%s cannot drain now: %s", consumer.name, exc)
                due = backoff_seconds(failures, cap_s=RECONNECT_CAP_S)
            timeout = self.poll_seconds
            if due is not None:
                timeout = max(0.01, min(timeout, float(due)))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), timeout)
