"""Daily partitions of an append-only table: made a few days ahead, dropped whole when past.

The table is `PARTITION BY RANGE` on a timestamptz column, with a DEFAULT partition that takes
any row whose day has no partition of its own (the table's rows from before it was partitioned,
or a fast simulation clock days ahead); the default is trimmed in batches like any table.
A day's partition is `<table>_pYYYYMMDD` and holds that UTC day. A day that already has rows in
the default partition gets no partition of its own (PostgreSQL refuses it): the default keeps
that day, and the days after it get theirs.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

import asyncpg

from shared.retention.queries import Q

# DDL waits this long at most for the table's lock (inserts hold it only for a moment); else
# the partition is made or dropped at the next turn.
DDL_LOCK_TIMEOUT = "2s"
DAYS_AHEAD = 7
_DAY = re.compile(r"_p(\d{8})$")


def day_start(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


def partition_name(table: str, day: date) -> str:
    return f"{table}_p{day:%Y%m%d}"


def day_of(name: str) -> date | None:
    """The day a partition holds, from its name; None for the default partition."""
    match = _DAY.search(name)
    return datetime.strptime(match.group(1), "%Y%m%d").date() if match else None


async def partitions(conn: asyncpg.Connection, table: str) -> list[asyncpg.Record]:
    """The table's partitions (unqualified names) with their row estimates (-1: not counted
    yet), the default among them."""
    return await conn.fetch(Q["partitions"], table)


async def make_days(conn: asyncpg.Connection, table: str, today: date) -> list[str]:
    """Partitions from yesterday to `DAYS_AHEAD` days ahead, each in a transaction of its own;
    the names made."""
    schema = table.split(".")[0]
    have = {f"{schema}.{p['name']}" for p in await partitions(conn, table)}
    made = []
    for offset in range(-1, DAYS_AHEAD + 1):
        day = today + timedelta(days=offset)
        name = partition_name(table, day)
        if name in have:
            continue
        try:
            async with conn.transaction():
                await conn.execute(Q["ddl_lock_timeout"], DDL_LOCK_TIMEOUT)
                await conn.execute(
                    f"CREATE TABLE IF NOT EXISTS {name} PARTITION OF {table} FOR VALUES "
                    f"FROM ('{day_start(day).isoformat()}') "
                    f"TO ('{day_start(day + timedelta(days=1)).isoformat()}')"
                )
        except asyncpg.CheckViolationError:
            continue  # the default partition holds rows of that day: it keeps the day
        made.append(name)
    return made


async def drop_days_before(conn: asyncpg.Connection, table: str, before: datetime) -> int:
    """Drop every day partition whose day ended by `before`; about how many rows went."""
    schema = table.split(".")[0]
    gone = 0
    for p in await partitions(conn, table):
        day = day_of(p["name"])
        if day is None or day_start(day + timedelta(days=1)) > before:
            continue
        name = f"{schema}.{p['name']}"
        async with conn.transaction():
            await conn.execute(Q["ddl_lock_timeout"], DDL_LOCK_TIMEOUT)
            rows = (
                p["rows"] if p["rows"] >= 0 else await conn.fetchval(f"SELECT count(*) FROM {name}")
            )
            await conn.execute(f"DROP TABLE {name}")
        gone += rows
    return gone
