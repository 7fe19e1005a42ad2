"""What fulfillment keeps, and for how long: scans, and the handhelds' live messages (as long
as the bus keeps its events: a handheld away longer re-reads its screens anyway), in batches.
(Failed PIN sign-ins are throttle counts in `kernel.throttles`, which purge themselves when
they stop mattering.)"""

from __future__ import annotations

from datetime import datetime

import asyncpg

from services.fulfillment.batches.store import Q as BATCHES
from services.fulfillment.store import Q
from shared.retention import Trim, in_batches

SCANS = "fulfillment.scans"
LIVE = "fulfillment.live_messages"


async def trim_scans(pool: asyncpg.Pool, _now: datetime, before: datetime, batch: int) -> int:
    return await in_batches(pool, SCANS, BATCHES["trim_scans"], before, batch=batch)


async def trim_live(pool: asyncpg.Pool, _now: datetime, before: datetime, batch: int) -> int:
    return await in_batches(pool, LIVE, Q["trim_live"], before, batch=batch)


TRIMS = (
    Trim(SCANS, "retain_scans_days", trim_scans),
    Trim(LIVE, "retain_events_days", trim_live),
)
