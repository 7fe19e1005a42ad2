"""What the services work out in SQL about the floor, in Python: the packing pace
(`delivery.packing_pace`), each waiting order's place in line (`delivery.floor_queue`) and the
backlog a quote counts. The same inputs give the same answers (tests/integration/
test_fast_floor.py runs both)."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

HOUR = timedelta(hours=1)
NOTHING_PACKED = timedelta(minutes=5)
TYPICAL_BAGS = 2


@dataclass(frozen=True)
class Delivery:
    """A delivery order as `delivery.deliveries` holds it."""

    order_id: str
    status: str  # waiting, ready, assigned, out, delivered, failed
    placed_at: datetime
    ready_at: datetime | None = None
    bags: int = 0


def packing_pace(deliveries: Sequence[Delivery], at: datetime) -> tuple[timedelta, int]:
    """The median paid-to-packed of orders packed in the hour before `at` (5 minutes with none),
    and their average bags, rounded half away from zero as PostgreSQL rounds (2 with none)."""
    done = [
        d
        for d in deliveries
        if d.ready_at is not None and at - HOUR < d.ready_at <= at and d.bags > 0
    ]
    if not done:
        return NOTHING_PACKED, TYPICAL_BAGS
    pick = timedelta(
        seconds=statistics.median(
            (d.ready_at - d.placed_at).total_seconds() for d in done if d.ready_at
        )
    )
    return pick, math.floor(sum(d.bags for d in done) / len(done) + 0.5)


def floor_queue(
    deliveries: Sequence[Delivery], at: datetime, orders_per_hour: int
) -> list[tuple[str, datetime, int]]:
    """Each waiting order, by payment: when it should be packed (no sooner than its place in
    line at the floor's pace, nor than the median pick after payment) and the typical bags."""
    pick, bags = packing_pace(deliveries, at)
    every = timedelta(seconds=3600.0 / orders_per_hour)
    waiting = sorted(
        (d for d in deliveries if d.status == "waiting"), key=lambda d: (d.placed_at, d.order_id)
    )
    return [
        (d.order_id, max(d.placed_at + pick, at + every * k), bags)
        for k, d in enumerate(waiting, start=1)
    ]


def backlog(deliveries: Sequence[Delivery]) -> int:
    """Orders the store has yet to get out of the door: placed, not taken out by a rider."""
    return sum(1 for d in deliveries if d.status in ("waiting", "ready", "assigned"))
