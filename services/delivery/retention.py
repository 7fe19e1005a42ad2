"""What delivery keeps, and for how long: rider pings by day, wrong hand-over codes and late
quotes in batches."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from services.delivery.deliveries.store import Q as DELIVERIES
from services.delivery.riders.store import Q as RIDERS
from services.delivery.store import Q as DELIVERY
from shared.retention import Trim, in_batches
from shared.retention.partitions import drop_days_before, make_days
from shared.retention.runner import held

PINGS = "delivery.pings"
CODE_FAILURES = "delivery.code_failures"
LATE_QUOTES = "delivery.late_quotes"


async def trim_pings(pool: asyncpg.Pool, now: datetime, before: datetime, batch: int) -> int:
    """Days ahead get their partitions, days past go whole, and the default partition's old
    pings in batches; about how many pings went."""
    async with held(pool, PINGS) as conn:
        if conn is None:
            return 0
        await make_days(conn, PINGS, now.date())
        dropped = await drop_days_before(conn, PINGS, before)
    return dropped + await in_batches(
        pool, f"{PINGS}_default", RIDERS["trim_default_pings"], before, batch=batch
    )


async def trim_code_failures(
    pool: asyncpg.Pool, _now: datetime, before: datetime, batch: int
) -> int:
    return await in_batches(
        pool, CODE_FAILURES, DELIVERIES["trim_code_failures"], before, batch=batch
    )


async def trim_late_quotes(pool: asyncpg.Pool, _now: datetime, before: datetime, batch: int) -> int:
    return await in_batches(pool, LATE_QUOTES, DELIVERY["trim_late_quotes"], before, batch=batch)


TRIMS = (
    Trim(PINGS, "retain_pings_days", trim_pings),
    Trim(CODE_FAILURES, "retain_failures_days", trim_code_failures),
    Trim(LATE_QUOTES, "retain_late_quotes_days", trim_late_quotes),
)
