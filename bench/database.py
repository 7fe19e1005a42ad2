"""A benchmark's own database: on BENCH_DATABASE_URL's server, or an embedded one of its own."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from infra.embedded_db import EmbeddedPostgres
from infra.prepare import migrate_all
from shared.db import connect, with_database
from shared.settings import PROJECT_ROOT


@contextmanager
def bench_server(folder: str) -> Iterator[tuple[str, Path | None]]:
    """(the server's DSN, the embedded server's data folder or None): BENCH_DATABASE_URL's
    server, or an embedded one in .omo/`folder`, destroyed afterwards."""
    server_dsn = os.environ.get("BENCH_DATABASE_URL")
    if server_dsn:
        yield server_dsn, None
        return
    server = EmbeddedPostgres(PROJECT_ROOT / ".omo" / folder)
    server.destroy()
    try:
        yield server.start(), server.pgdata
    finally:
        server.destroy()


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
