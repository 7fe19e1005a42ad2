"""The asyncpg pool and the per-request transaction: the transaction is the unit of work."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import TypeVar
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import msgspec
from litestar.datastructures import State

from shared.errors import DatabaseUnavailable

Connection = asyncpg.Connection
CONNECT_TIMEOUT_S = 5.0
DEADLOCK_ATTEMPTS = 3
T = TypeVar("T")


def describe(dsn: str) -> str:
    """The DSN without its password, for messages."""
    parts = urlsplit(dsn)
    netloc = parts.hostname or ""
    if parts.port:
        netloc += f":{parts.port}"
    where = netloc or parts.query.removeprefix("host=")
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


async def create_pool(dsn: str, *, max_size: int = 10) -> asyncpg.Pool:
    try:
        return await asyncpg.create_pool(
            dsn,
            min_size=1,
            max_size=max_size,
            init=init_connection,
            timeout=CONNECT_TIMEOUT_S,
        )
    except (TimeoutError, OSError, asyncpg.PostgresError) as exc:
        raise DatabaseUnavailable(f"cannot reach the database at {describe(dsn)}: {exc}") from None


async def provide_transaction(state: State) -> AsyncGenerator[Connection, None]:
    """A connection in a transaction around the handler: commit on return, roll back on raise."""
    async with state.pool.acquire() as conn, conn.transaction():
        yield conn


async def provide_pool(state: State) -> asyncpg.Pool:
    """The pool itself, for use cases that need several transactions (and a network call
    between them)."""
    return state.pool


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
