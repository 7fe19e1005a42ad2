"""A benchmark's own database: on BENCH_DATABASE_URL's server, or an embedded one of its own."""

from __future__ import annotations

from infra.prepare import migrate_all
from shared.db import connect, with_database


async def recreate(server_dsn: str, name: str, *, create: bool = True) -> str:
    """Drop database `name`; unless `create` is false, create and migrate it again. Its DSN."""
    admin = await connect(server_dsn)
    try:
        await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        if create:
            await admin.execute(f"CREATE DATABASE {name}")
    finally:
        await admin.close()
    dsn = with_database(server_dsn, name)
    if create:
        await migrate_all(dsn)
    return dsn
