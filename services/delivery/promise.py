"""The 30-minute promise: a pure capacity model, no I/O.

Budget from payment (DESIGN.md section 5): pick and pack 10 min, hand to a rider 3, ride 15,
hand over 2. Ride time is geodesic distance x detour factor / rider speed. Orders already waiting
delay a new one by the time the store needs to work through those beyond what its floor has in
hand at its pace (orders per hour),
and by the riders: with R riders on shift and N orders still to be taken out, each trip carrying
up to `ORDERS_PER_TRIP`, a new order leaves with the first round of trips that has room for it,
and every round before it costs a round trip. The promise is 30 minutes when that all fits, else
the earliest minute it can be met, with the reason.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Annotated

import msgspec

PROMISE = timedelta(minutes=30)
PICK_PACK = timedelta(minutes=10)
HANDOFF = timedelta(minutes=3)
HANDOVER = timedelta(minutes=2)


class Pace(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A store's pace, set by its manager for the staff on the floor: how many orders an hour
    its pickers pick and pack, and how its riders ride (the way is the straight line times the
    detour factor)."""

    orders_per_hour: Annotated[int, msgspec.Meta(ge=1, le=10_000)] = 120
    detour_factor: Annotated[float, msgspec.Meta(ge=1.0, le=3.0)] = 1.35
    rider_speed_kmh: Annotated[float, msgspec.Meta(ge=3.0, le=60.0)] = 15.0


ORDERS_PER_TRIP = 2  # what a rider's trip carries on a busy evening (bench.dispatch)
TYPICAL_RIDE_M = 1500  # half the 3 km radius: the average door


class Riders(msgspec.Struct, frozen=True, kw_only=True):
    """The store's riders as delivery knows them: how many are on shift, and how many delivery
    orders (being picked, or packed) have no rider yet."""

    on_shift: int
    unassigned: int


class Promise(msgspec.Struct, frozen=True, kw_only=True):
    promise_at: datetime
    meets_30_minutes: bool
    reason: str | None = None


def ride_time(distance_m: int, pace: Pace) -> timedelta:
    metres_per_s = pace.rider_speed_kmh * 1000 / 3600
    return timedelta(seconds=distance_m * pace.detour_factor / metres_per_s)


def queue_wait(backlog: int, pace: Pace) -> timedelta:
    """How long the orders ahead keep the store busy before a new one is started. The backlog
    counts every order not packed yet, those in pickers' hands too; a floor at its pace works
    through `pace x PICK_PACK` orders within one order's pick-and-pack budget, so only the
    orders beyond that are a queue to wait for (a floor staffed for 600 an hour with 60 orders
    in hand has no queue; one staffed for 120 has 40 orders, 20 minutes, ahead)."""
    in_hand = pace.orders_per_hour * PICK_PACK / timedelta(hours=1)
    return timedelta(hours=max(0.0, backlog - in_hand) / pace.orders_per_hour)


def rider_wait(riders: Riders | None, pace: Pace) -> timedelta:
    """How long a new order waits for a rider once packed. Unknown riders (none on shift yet:
    the store has not started its evening) cost nothing here; the pace accounts for them."""
    if riders is None or riders.on_shift == 0:
        return timedelta(0)
    trips_ahead = math.ceil((riders.unassigned + 1) / ORDERS_PER_TRIP)
    rounds_before = math.ceil(trips_ahead / riders.on_shift) - 1
    round_trip = 2 * ride_time(TYPICAL_RIDE_M, pace) + HANDOVER
    return rounds_before * round_trip


def _minutes(span: timedelta) -> int:
    return math.ceil(span.total_seconds() / 60)


def _next_minute(at: datetime) -> datetime:
    whole = at.replace(second=0, microsecond=0)
    return whole if whole == at else whole + timedelta(minutes=1)


def promise(
    now: datetime,
    *,
    distance_m: int | None,
    backlog: int,
    pace: Pace,
    riders: Riders | None = None,
) -> Promise:
    """When an order placed now can be at the door (`distance_m`) or ready for pickup (None)."""
    wait = queue_wait(backlog, pace)
    rider = timedelta(0) if distance_m is None else rider_wait(riders, pace)
    if distance_m is None:
        needed = wait + PICK_PACK
    else:
        needed = wait + PICK_PACK + HANDOFF + rider + ride_time(distance_m, pace) + HANDOVER
    if needed <= PROMISE:
        return Promise(promise_at=now + PROMISE, meets_30_minutes=True)
    work = needed - wait - rider
    if work > PROMISE:
        reason = f"picking, packing and the ride take {_minutes(work)} minutes"
    elif rider > wait:
        assert riders is not None
        reason = (
            f"{riders.unassigned} orders are waiting for {riders.on_shift} riders: "
            f"{_minutes(rider)} minutes until one is free"
        )
    else:
        reason = f"{backlog} orders ahead keep the store busy for {_minutes(wait)} minutes"
    return Promise(promise_at=_next_minute(now + needed), meets_30_minutes=False, reason=reason)
