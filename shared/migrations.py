"""Numbered SQL migrations, one folder per owner of a schema.

`kernel` (the bus and idempotency tables) lives in `shared/schema`; each service keeps its own
and is passed in as a `Schema` (the kernel names no service: `infra/registry.py` lists them, a
service's app knows its own). Files are `NNNN_what.sql`. The runner records each applied file with
its checksum in `migrations.applied`, runs every file in its own transaction under an advisory
lock (two starting processes never migrate at once), and names the file that failed.
A service compares `pending()` at start and refuses to serve on a schema that is behind.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from shared.settings import PROJECT_ROOT
from shared.sql import load_queries

Q = load_queries(Path(__file__).with_suffix(".sql"))
_FILE = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
_LOCK_ID = 0x6F6D6F5F6D6967  # "omo_mig": one runner at a time across every process


class MigrationError(Exception):
    """A migration could not be applied; the message names the file."""


@dataclass(frozen=True)
class Schema:
    """One owner's migrations: its name as `migrations.applied` records it, and their folder."""

    component: str
    folder: Path


KERNEL = Schema("kernel", Path(__file__).with_name("schema"))


@dataclass(frozen=True)
class Migration:
    component: str
    version: int
    path: Path

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def sql(self) -> str:
        return self.path.read_text()

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


def _shown(path: Path) -> str:
    """A migration's path as the operator knows it: relative to the project when inside it."""
    return str(path.relative_to(PROJECT_ROOT)) if path.is_relative_to(PROJECT_ROOT) else str(path)


def discover(schema: Schema) -> list[Migration]:
    component, folder = schema.component, schema.folder
    found = []
    for path in sorted(folder.glob("*.sql")):
        match = _FILE.match(path.name)
        if not match:
            raise MigrationError(f"{path}: migration files are named NNNN_what.sql")
        found.append(Migration(component, int(match.group(1)), path))
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"{folder}: two migrations share a number")
    return found


async def _applied(conn: asyncpg.Connection, component: str) -> dict[int, str]:
    if not await conn.fetchval(Q["bootstrapped"]):
        return {}
    rows = await conn.fetch(*Q["applied"](component=component))
    return {r["version"]: r["checksum"] for r in rows}


async def pending(conn: asyncpg.Connection, schema: Schema) -> list[Migration]:
    """Migrations of `schema` not yet applied; an applied file that changed is an error."""
    applied = await _applied(conn, schema.component)
    todo = []
    for migration in discover(schema):
        checksum = applied.get(migration.version)
        if checksum is None:
            todo.append(migration)
        elif checksum != migration.checksum:
            raise MigrationError(
                f"{_shown(migration.path)} changed after it was applied; "
                "write a new migration instead"
            )
    return todo


async def migrate(conn: asyncpg.Connection, schemas: Sequence[Schema]) -> list[str]:
    """Apply what is pending of each of `schemas` in their order (the kernel's first, as the
    services' tables refer to it); returns the names of the files applied."""
    done: list[str] = []
    await conn.execute(*Q["lock"](lock_id=_LOCK_ID))
    try:
        await conn.execute(Q["bootstrap"])
        for schema in schemas:
            for migration in await pending(conn, schema):
                try:
                    async with conn.transaction():
                        await conn.execute(migration.sql)
                        await conn.execute(
                            *Q["record"](
                                component=schema.component,
                                version=migration.version,
                                name=migration.name,
                                checksum=migration.checksum,
                            )
                        )
                except asyncpg.PostgresError as exc:
                    raise MigrationError(f"{_shown(migration.path)} failed: {exc}") from None
                done.append(f"{schema.component}/{migration.name}")
    finally:
        await conn.execute(*Q["unlock"](lock_id=_LOCK_ID))
    return done
