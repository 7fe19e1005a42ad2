"""What fulfillment keeps, and for how long: scans, in batches. (Failed PIN sign-ins are
throttle counts in `kernel.throttles`, which purge themselves when they stop mattering.)"""

from __future__ import annotations

from datetime import datetime

import asyncpg

from services.fulfillment.batches.store import Q as BATCHES
from shared.retention import Trim, in_batches

SCANS = "fulfillment.scans"


async def trim_scans(pool: asyncpg.Pool, _now: datetime, before: datetime, batch: int) -> int:
    return await in_batches(pool, SCANS, BATCHES["trim_scans"], before, batch=batch)


TRIMS = (Trim(SCANS, "retain_scans_days", trim_scans),)
