"""In-process apps on the test database, tokens for them, and the SQL they send."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from asyncpg.connection import LoggedQuery
from litestar.testing import AsyncTestClient

from infra.registry import SERVICES
from shared.auth import Role, mint
from shared.settings import DEV_JWT_SECRET


@asynccontextmanager
async def client(service: str, database: str, **settings: Any):
    entry = SERVICES[service]
    app = entry.create_app(entry.settings(database_url=database, **settings))
    async with AsyncTestClient(app) as c:
        yield c


async def log_every_connection(
    pool: asyncpg.Pool, size: int, record: Callable[[LoggedQuery], None]
) -> None:
    """`record` on each of the pool's `size` connections, all opened first so that none comes
    later without it."""
    held = [await pool.acquire() for _ in range(size)]
    for conn in held:
        conn.add_query_logger(record)
        await pool.release(conn)


def bearer(role: Role, *, store: str | None = None, member: str | None = None, **kw: Any) -> dict:
    token = mint(DEV_JWT_SECRET, role, store_id=store, member_id=member, **kw)
    return {"Authorization": f"Bearer {token}"}


def new_store(store_id: str = "osaka-umeda", **overrides: Any) -> dict:
    return {
        "store_id": store_id,
        "name": "omo Osaka Umeda",
        "lat": 34.7025,
        "lng": 135.4959,
        "radius_m": 3000,
        "currency": "JPY",
        "timezone": "Asia/Tokyo",
        **overrides,
    }


async def metric(c, name: str, **labels: str) -> float:
    """One sample of the app's `/metrics` as an operator scrapes it; 0 when not there yet.
    Business counters live for the process, so tests compare a sample before and after."""
    text = (await c.get("/metrics", headers=bearer(Role.OPERATOR))).text
    want = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    prefix = f"{name}{{{want}}} " if labels else f"{name} "
    line = next((x for x in text.splitlines() if x.startswith(prefix)), None)
    return float(line.removeprefix(prefix)) if line else 0.0
