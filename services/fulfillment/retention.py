"""What fulfillment keeps, and for how long: scans and failed PIN sign-ins, in batches."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from services.fulfillment.batches.store import Q as BATCHES
from services.fulfillment.handheld.pins import Q as HANDHELD
from shared.retention import Trim, in_batches

SCANS = "fulfillment.scans"
PIN_FAILURES = "fulfillment.pin_failures"


async def trim_scans(pool: asyncpg.Pool, _now: datetime, before: datetime, batch: int) -> int:
    return await in_batches(pool, SCANS, BATCHES["trim_scans"], before, batch=batch)


async def trim_pin_failures(
    pool: asyncpg.Pool, _now: datetime, before: datetime, batch: int
) -> int:
    return await in_batches(pool, PIN_FAILURES, HANDHELD["trim_pin_failures"], before, batch=batch)


TRIMS = (
    Trim(SCANS, "retain_scans_days", trim_scans),
    Trim(PIN_FAILURES, "retain_failures_days", trim_pin_failures),
)
