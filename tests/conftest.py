"""A real PostgreSQL for every test: one server per session, a template with every migration,
and a fresh database cloned from it per test (or TEST_DATABASE_URL's server instead)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import asyncpg
import pytest

from infra.embedded_db import EmbeddedPostgres
from infra.prepare import migrate_all
from shared.db import create_pool, with_database
from shared.ids import uuid7
from shared.settings import PROJECT_ROOT

TEMPLATE = "omo_template"
# Durability buys nothing in tests; these make a throwaway server several times faster.
FAST = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}


async def _build_template(server_dsn: str) -> None:
    admin = await asyncpg.connect(server_dsn)
    try:
        await admin.execute(f"DROP DATABASE IF EXISTS {TEMPLATE} WITH (FORCE)")
        await admin.execute(f"CREATE DATABASE {TEMPLATE}")
    finally:
        await admin.close()
    await migrate_all(with_database(server_dsn, TEMPLATE))


@pytest.fixture(scope="session")
def server_dsn() -> Iterator[str]:
    """The test server's maintenance DSN."""
    external = os.environ.get("TEST_DATABASE_URL")
    if external:
        yield external
        return
    server = EmbeddedPostgres(PROJECT_ROOT / ".omo" / "test-pg", settings=FAST)
    server.destroy()
    try:
        yield server.start()
    finally:
        server.destroy()


@pytest.fixture(scope="session")
def template(server_dsn: str) -> str:
    asyncio.run(_build_template(server_dsn))
    return TEMPLATE


@asynccontextmanager
async def scratch_database(server_dsn: str, prefix: str, template: str | None = None):
    """A database of its own for one test, dropped afterwards; yields its DSN."""
    name = f"{prefix}_{uuid7().hex}"
    admin = await asyncpg.connect(server_dsn)
    try:
        await admin.execute(
            f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else "")
        )
        yield with_database(server_dsn, name)
        await admin.execute(f"DROP DATABASE {name} WITH (FORCE)")
    finally:
        await admin.close()


@pytest.fixture
async def database(server_dsn: str, template: str) -> AsyncIterator[str]:
    """A fresh database with every migration applied; its DSN."""
    async with scratch_database(server_dsn, "test", template) as dsn:
        yield dsn


@pytest.fixture
async def empty_database(server_dsn: str) -> AsyncIterator[str]:
    """A database with nothing in it, for the migrations themselves."""
    async with scratch_database(server_dsn, "empty") as dsn:
        yield dsn


@pytest.fixture
async def pool(database: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(database, max_size=12)
    try:
        yield pool
    finally:
        await pool.close()
