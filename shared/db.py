"""The asyncpg pool and the per-request transaction: the transaction is the unit of work."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TypeVar
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import msgspec
from asyncpg import Connection
from litestar.datastructures import State

from shared.errors import DatabaseUnavailable, DomainError

CONNECT_TIMEOUT_S = 5.0
ACQUIRE_TIMEOUT_S = 5.0
LOCK_TIMEOUT_S = 10.0
STATEMENT_TIMEOUT_S = 30.0
DEADLOCK_ATTEMPTS = 3
T = TypeVar("T")

# What a database that went away raises, whoever asks: a refused, reset or timed-out socket
# (OSError), a connection dropped mid-query, a server shutting down or still starting. A loop
# that meets one waits and tries again; a request answers 503.
#
# `InternalClientError` ("cannot switch to state 15; another operation (2) is in progress"):
# the server ended a pooled connection (a restart, an operator) and its FATAL arrived before
# the socket's end, so asyncpg, still reading that error, holds the connection open and refuses
# the next query (asyncpg#784 and #1069; SQLAlchemy counts it a disconnect too). The pool
# terminates the connection when it comes back; the caller tries again on a new one.
DATABASE_GONE: tuple[type[Exception], ...] = (
    OSError,
    asyncpg.PostgresConnectionError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.CannotConnectNowError,
    asyncpg.InternalClientError,
    DatabaseUnavailable,
)


def describe(dsn: str) -> str:
    """The DSN without its password, for messages."""
    parts = urlsplit(dsn)
    where = parts.netloc.rpartition("@")[2] or parts.query.removeprefix("host=")
    return f"{parts.scheme}://{where}{parts.path}"


def with_database(dsn: str, name: str) -> str:
    """The same server's DSN for another database."""
    return urlunsplit(urlsplit(dsn)._replace(path=f"/{name}"))


async def init_connection(conn: Connection) -> None:
    """JSON columns travel as msgspec-encoded text, both ways."""
    for kind in ("json", "jsonb"):
        await conn.set_type_codec(
            kind,
            encoder=lambda value: msgspec.json.encode(value).decode(),
            decoder=msgspec.json.decode,
            schema="pg_catalog",
        )


async def connect(dsn: str) -> Connection:
    """One connection, for tools and listeners; a clear `DatabaseUnavailable` if it fails."""
    try:
        return await asyncpg.connect(dsn, timeout=CONNECT_TIMEOUT_S)
    except (TimeoutError, OSError, asyncpg.PostgresError) as exc:
        raise DatabaseUnavailable(f"cannot reach the database at {describe(dsn)}: {exc}") from None


async def keep_session(conn: Connection) -> None:
    """What a connection going back to the pool needs beyond asyncpg's own (it rolls back an
    open transaction and drops Python-side listeners whatever `reset` says): nothing.

    asyncpg's default reset sends `SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *;
    RESET ALL` on every release, a round trip per request for state no pooled connection takes:
    session advisory locks are held on connections of their own (the dispatcher's store locks,
    `migrate`'s caller's) or let go before release (`retention.runner.held` unlocks, and
    terminates the connection if it cannot); LISTEN runs on connections of its own (the bus
    worker's, fulfillment's live messages, the dispatcher's); settings are set for the
    transaction only (`set_config(..., true)`); cursors live inside a transaction. A pooled
    connection that took session state would pass it to the next request: take it on a
    connection of its own (`connect`)."""


class BoundedPool(asyncpg.Pool):
    """A pool whose `acquire` gives up after `acquire_timeout` (a `TimeoutError`, answered 503)
    unless told otherwise: a request that finds every connection taken, however it asks (the
    pool's own `fetch` and `execute` acquire too), must not queue behind them forever."""

    def __init__(self, *args: object, acquire_timeout: float, **kwargs: object):
        self.acquire_timeout = acquire_timeout
        super().__init__(*args, **kwargs)

    def acquire(self, *, timeout: float | None = None):
        return super().acquire(timeout=self.acquire_timeout if timeout is None else timeout)


async def create_pool(
    dsn: str,
    *,
    max_size: int = 10,
    acquire_timeout_s: float = ACQUIRE_TIMEOUT_S,
    lock_timeout_s: float = LOCK_TIMEOUT_S,
    statement_timeout_s: float = STATEMENT_TIMEOUT_S,
) -> asyncpg.Pool:
    """Nothing waits forever on it: a connection is handed out within `acquire_timeout_s`, and
    PostgreSQL cancels a statement that waits for a lock longer than `lock_timeout_s` or runs
    longer than `statement_timeout_s` (each answered 503, try again). A released connection is
    not reset on the server (`keep_session`)."""
    pool = BoundedPool(
        dsn,
        acquire_timeout=acquire_timeout_s,
        connection_class=asyncpg.Connection,
        record_class=asyncpg.Record,
        min_size=1,
        max_size=max_size,
        max_queries=50_000,
        max_inactive_connection_lifetime=300.0,
        init=init_connection,
        reset=keep_session,
        loop=None,
        timeout=CONNECT_TIMEOUT_S,
        server_settings={
            "lock_timeout": f"{int(lock_timeout_s * 1000)}ms",
            "statement_timeout": f"{int(statement_timeout_s * 1000)}ms",
        },
    )
    try:
        return await pool
    except (TimeoutError, OSError, asyncpg.PostgresError) as exc:
        raise DatabaseUnavailable(f"cannot reach the database at {describe(dsn)}: {exc}") from None


def connection_lost(conn: Connection, error: BaseException) -> bool:
    """Whether `error` means the database dropped `conn` (asyncpg refuses any call on a closed
    connection with an `InterfaceError`, a rollback included)."""
    return conn.is_closed() or isinstance(error, DATABASE_GONE)


async def provide_transaction(state: State) -> AsyncGenerator[Connection, None]:
    """A connection in a transaction around the handler: commit on return, roll back on raise,
    except a `DomainError` that `commits` (its refusal is recorded in this same transaction, so
    that no request needs a second connection of the pool while it holds a row lock).

    A connection the database dropped mid-request has nothing left to roll back (PostgreSQL
    did it as the session ended): the handler's own error is raised as it was, so the client
    hears 503 for a lost database, not 500 for the failed rollback. A refusal that could not
    be recorded is a `DatabaseUnavailable` (503): the client tries again, and it is counted."""
    async with state.pool.acquire() as conn:
        tx = conn.transaction()
        await tx.start()
        try:
            yield conn
        except BaseException as exc:
            commits = isinstance(exc, DomainError) and exc.commits
            try:
                await (tx.commit() if commits else tx.rollback())
            except Exception as ending:
                if not connection_lost(conn, ending):
                    raise
                if commits:
                    raise DatabaseUnavailable(f"the connection was lost: {ending}") from exc
            raise
        await tx.commit()


async def provide_pool(state: State) -> asyncpg.Pool:
    """The pool itself, for use cases that need several transactions (and a network call
    between them)."""
    return state.pool


@asynccontextmanager
async def unit_of_work(pool: asyncpg.Pool) -> AsyncIterator[Connection]:
    """A use case's own transaction (one that spans several, with a network call between
    them), ended as a request's is: commit on return, roll back on raise, except a
    `DomainError` that `commits`, whose refusal keeps what it wrote."""
    async with pool.acquire() as conn:
        tx = conn.transaction()
        await tx.start()
        try:
            yield conn
        except DomainError as exc:
            await (tx.commit() if exc.commits else tx.rollback())
            raise
        except BaseException:
            await tx.rollback()
            raise
        await tx.commit()


async def retry_deadlock(conn: Connection, work: Callable[[], Awaitable[T]]) -> T:
    """`work` in a savepoint, again if PostgreSQL broke a deadlock by failing it. Stock writers
    lock their rows in sku order within a statement, but a bus consumer handles a batch of
    events in one transaction, so its locks across events come in any order: a checkout that
    meets it may be the one PostgreSQL fails. Rolling back to the savepoint lets go of the
    rows this statement took, the other side goes on, and the retry waits its turn."""
    for _ in range(DEADLOCK_ATTEMPTS - 1):
        try:
            async with conn.transaction():
                return await work()
        except asyncpg.DeadlockDetectedError:
            continue
    async with conn.transaction():  # the last try: a deadlock now is the caller's
        return await work()
