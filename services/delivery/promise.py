"""The 30-minute promise: a pure model, no I/O.

Budget from payment (docs/design.md): pick and pack 10 min, hand to a rider 3, ride 15,
hand over 2. Ride time is geodesic distance x detour factor / rider speed. Orders already waiting
delay a new one by the time the store needs to work through those beyond what its floor has in
hand at its pace (orders per hour). The rider is the dispatcher's own model of the future
(`forecast`): the new order's bags are on the shelf at `on_the_shelf`, and the riders' trips as
they will be decide when it reaches the door. The promise is 30 minutes when that all fits, else
the earliest minute it can be met, with the reason; with no rider on shift, no promise.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Annotated, Literal

import msgspec

PROMISE = timedelta(minutes=30)
PICK_PACK = timedelta(minutes=10)
HANDOFF = timedelta(minutes=3)
HANDOVER = timedelta(minutes=2)


# A wait for a rider is promised with half again: while riders are short, orders placed after
# this one with earlier deadlines go first, and a rider's trip grows by the orders put on it.
# A quarter was too little: at `hema-peak` with 96 riders the greedy policy broke 7 of 578
# promises (0.3-2.0 minutes late on a rider wait of about 12), and `smoke` seed 9 at x30 broke
# one of 11 (door 62.0 min on a promise of 51.3). With a half, smoke seeds 7-12 at x30 kept
# every promise (59 orders); the price is a later promise while riders are short, not a refusal.
RIDER_WAIT_MARGIN = 0.5


class Pace(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A store's pace, set by its manager for the staff on the floor: how many orders an hour
    its pickers pick and pack, and how its riders ride (the way is the straight line times the
    detour factor)."""

    orders_per_hour: Annotated[int, msgspec.Meta(ge=1, le=10_000)] = 120
    detour_factor: Annotated[float, msgspec.Meta(ge=1.0, le=3.0)] = 1.35
    rider_speed_kmh: Annotated[float, msgspec.Meta(ge=3.0, le=60.0)] = 15.0


# Why a promise is refused or later than 30 minutes, as the manager's live page counts it.
Cause = Literal["no_rider", "riders_short", "floor_queue", "long_trip"]


class Promise(msgspec.Struct, frozen=True, kw_only=True):
    promise_at: datetime | None  # None: no promise can be made now (the reason says why)
    meets_30_minutes: bool
    reason: str | None = None
    cause: Cause | None = None  # with the reason


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


def on_the_shelf(now: datetime, backlog: int, pace: Pace, *, packed: bool = False) -> datetime:
    """When a new order's bags are ready for a rider: after the queue ahead, its own pick and
    pack budget and the hand to a rider; a basket packed at the till only the hand to a rider."""
    if packed:
        return now + HANDOFF
    return now + queue_wait(backlog, pace) + PICK_PACK + HANDOFF


def _span(span: timedelta) -> str:
    n = math.ceil(span.total_seconds() / 60)
    return "1 minute" if n == 1 else f"{n} minutes"


def _next_minute(at: datetime) -> datetime:
    whole = at.replace(second=0, microsecond=0)
    return whole if whole == at else whole + timedelta(minutes=1)


def promise(
    now: datetime,
    *,
    distance_m: int | None,
    backlog: int,
    pace: Pace,
    arrival: datetime | None = None,
    packed: bool = False,
) -> Promise:
    """When an order placed now can be at the door (`distance_m`) or ready for pickup (None).
    `arrival`: when the riders' future (`forecast.door_time`) has it at the door, from its
    bags on the shelf (`on_the_shelf`); None for a delivery means no rider is on shift."""
    wait = timedelta(0) if packed else queue_wait(backlog, pace)
    if distance_m is None:
        return _made(now, wait + PICK_PACK, reason=_busy(backlog, wait), cause="floor_queue")
    if arrival is None:
        return Promise(
            promise_at=None,
            meets_30_minutes=False,
            reason="no rider is on shift at this store: it cannot deliver now",
            cause="no_rider",
        )
    shelf = on_the_shelf(now, backlog, pace, packed=packed)
    ride = ride_time(distance_m, pace)
    waits = max(timedelta(0), arrival - shelf - ride)  # for a rider, in the riders' future
    rider = waits * (1 + RIDER_WAIT_MARGIN)
    needed = arrival + (rider - waits) + HANDOVER - now
    work = needed - wait - rider
    cause: Cause
    if work > PROMISE:
        reason, cause = f"picking, packing and the ride take {_span(work)}", "long_trip"
    elif rider > wait:
        reason = f"every rider is out or has a full trip: {_span(rider)} until one is free"
        cause = "riders_short"
    else:
        reason, cause = _busy(backlog, wait), "floor_queue"
    return _made(now, needed, reason=reason, cause=cause)


def _busy(backlog: int, wait: timedelta) -> str:
    ahead = "1 order ahead keeps" if backlog == 1 else f"{backlog} orders ahead keep"
    return f"{ahead} the store busy for {_span(wait)}"


def _made(now: datetime, needed: timedelta, *, reason: str, cause: Cause) -> Promise:
    if needed <= PROMISE:
        return Promise(promise_at=now + PROMISE, meets_30_minutes=True)
    return Promise(
        promise_at=_next_minute(now + needed), meets_30_minutes=False, reason=reason, cause=cause
    )
