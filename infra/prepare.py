"""Bringing a database up to date: migrations, consumer subscriptions, the demo seed."""

from __future__ import annotations

from infra.registry import SCHEMAS, all_consumers, schema_of
from infra.seed import seed_demo
from shared.bus import subscribe
from shared.clock import Clock
from shared.db import connect, init_connection
from shared.migrations import migrate
from shared.web.app import ensure_current


async def migrate_all(dsn: str) -> list[str]:
    """Apply every pending migration and declare every consumer, so no event waits for nobody."""
    conn = await connect(dsn)
    try:
        applied = await migrate(conn, SCHEMAS)
        await subscribe(conn, all_consumers())
        return applied
    finally:
        await conn.close()


async def seed(dsn: str, clock: Clock, secret: str) -> bool:
    conn = await connect(dsn)
    try:
        await init_connection(conn)
        return await seed_demo(conn, clock, secret)
    finally:
        await conn.close()


async def check_ready_to_serve(dsn: str, service: str) -> None:
    """Before a service starts: the database answers and its schema is current."""
    conn = await connect(dsn)
    try:
        await ensure_current(conn, schema_of(service))
    finally:
        await conn.close()
