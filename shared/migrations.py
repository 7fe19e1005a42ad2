"""Numbered SQL migrations, one folder per owner of a schema.

`kernel` (the bus and idempotency tables) lives in `shared/schema`; each service keeps its own
in `services/<name>/schema`. Files are `NNNN_what.sql`. The runner records each applied file with
its checksum in `migrations.applied`, runs every file in its own transaction under an advisory
lock (two starting processes never migrate at once), and names the file that failed.
A service compares `pending()` at start and refuses to serve on a schema that is behind.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from shared.settings import PROJECT_ROOT

COMPONENTS: dict[str, Path] = {
    "kernel": PROJECT_ROOT / "shared" / "schema",
    "orders": PROJECT_ROOT / "services" / "orders" / "schema",
    "fulfillment": PROJECT_ROOT / "services" / "fulfillment" / "schema",
    "delivery": PROJECT_ROOT / "services" / "delivery" / "schema",
}
_FILE = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
_LOCK_ID = 0x6F6D6F5F6D6967  # "omo_mig": one runner at a time across every process


class MigrationError(Exception):
    """A migration could not be applied; the message names the file."""


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


def discover(component: str) -> list[Migration]:
    folder = COMPONENTS[component]
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


_BOOTSTRAP = """
CREATE SCHEMA IF NOT EXISTS migrations;
CREATE TABLE IF NOT EXISTS migrations.applied (
    component  text NOT NULL,
    version    int NOT NULL,
    name       text NOT NULL,
    checksum   text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (component, version)
);
"""


async def _applied(conn: asyncpg.Connection, component: str) -> dict[int, str]:
    exists = await conn.fetchval("SELECT to_regclass('migrations.applied') IS NOT NULL")
    if not exists:
        return {}
    rows = await conn.fetch(
        "SELECT version, checksum FROM migrations.applied WHERE component = $1", component
    )
    return {r["version"]: r["checksum"] for r in rows}


async def pending(conn: asyncpg.Connection, component: str) -> list[Migration]:
    """Migrations of `component` not yet applied; an applied file that changed is an error."""
    applied = await _applied(conn, component)
    todo = []
    for migration in discover(component):
        checksum = applied.get(migration.version)
        if checksum is None:
            todo.append(migration)
        elif checksum != migration.checksum:
            raise MigrationError(
                f"{_shown(migration.path)} changed after it was applied; "
                "write a new migration instead"
            )
    return todo


async def migrate(conn: asyncpg.Connection, components: list[str] | None = None) -> list[str]:
    """Apply what is pending, kernel first; returns the names of the files applied."""
    done: list[str] = []
    await conn.execute("SELECT pg_advisory_lock($1)", _LOCK_ID)
    try:
        await conn.execute(_BOOTSTRAP)
        for component in components or list(COMPONENTS):
            for migration in await pending(conn, component):
                try:
                    async with conn.transaction():
                        await conn.execute(migration.sql)
                        await conn.execute(
                            "INSERT INTO migrations.applied (component, version, name, checksum)"
                            " VALUES ($1, $2, $3, $4)",
                            component,
                            migration.version,
                            migration.name,
                            migration.checksum,
                        )
                except asyncpg.PostgresError as exc:
                    raise MigrationError(f"{_shown(migration.path)} failed: {exc}") from None
                done.append(f"{component}/{migration.name}")
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", _LOCK_ID)
    return done
