"""Whether a route at the store leaves now or waits for an order still being packed. Pure.

A free rider at the store never idles beside a packed order for nothing. The only reason to
wait is an order going the same way that the floor will have packed within `HOLD_BOUND`: riding
both in one trip saves the rider the second trip, and that saving is weighed against the minutes
every order on the route waits at the store (and the minutes the detour adds to the stops after
it). Rider seconds are worth `RIDER_S_M` metres while riders are short and `SPARE_RIDER_S_M`
while riders outnumber the orders in hand (an idle rider's time costs the store nothing extra);
a shopper's second is worth `SHOPPER_S_M`. Nothing waits past its aim less `SAFETY`.

The bound: 3 minutes is about the p50 of paid-to-packed at the `hema-peak` preset (2.4-3.6 min),
so a route waits at most for an order the floor has half done, and the shopper's worst case is
3 minutes on a 30-minute promise.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from itertools import pairwise

import msgspec

HOLD_BOUND = timedelta(minutes=3)
SAFETY = timedelta(minutes=2)
RIDER_S_M = 20  # metres of riding a rider's second is worth while riders are short
SPARE_RIDER_S_M = 2  # ... and while riders outnumber the orders in hand
SHOPPER_S_M = 10  # metres of riding a shopper's second of waiting is worth

Travel = Callable[[int, int], float]  # seconds between two places by index; 0 is the store


class Stop(msgspec.Struct, frozen=True, kw_only=True):
    place: int
    eta: datetime  # at the door, as planned if the route leaves now
    latest: datetime  # when it must be at the door by (its aim less the hand-over)


class Candidate(msgspec.Struct, frozen=True, kw_only=True):
    order_id: str
    place: int
    ready_by: datetime  # expected packed
    latest: datetime
    bags: int


def worth_waiting(
    stops: Sequence[Stop],
    candidates: Sequence[Candidate],
    *,
    now: datetime,
    room: int,
    service_s: float,
    travel: Travel,
    riders_short: bool,
) -> str | None:
    """The waiting order most worth holding this route for, or None: leave now."""
    rider_w = RIDER_S_M if riders_short else SPARE_RIDER_S_M
    best: str | None = None
    best_net = 0.0
    for c in candidates:
        wait = max(timedelta(0), c.ready_by - now)
        if wait > HOLD_BOUND or c.bags > room:
            continue
        places = [0, *(s.place for s in stops), 0]
        extra, at = min(
            (travel(a, c.place) + service_s + travel(c.place, b) - travel(a, b), i)
            for i, (a, b) in enumerate(pairwise(places))
        )
        alone = travel(0, c.place) + service_s + travel(c.place, 0)
        saving = alone - extra
        if saving <= 0:
            continue
        delay = timedelta(seconds=extra)
        moved = [s.eta + wait + (delay if i >= at else timedelta(0)) for i, s in enumerate(stops)]
        if any(m > s.latest - SAFETY for m, s in zip(moved, stops, strict=True)):
            continue
        leave = now + wait if at == 0 else stops[at - 1].eta + wait + timedelta(seconds=service_s)
        own = leave + timedelta(seconds=travel(places[at], c.place))
        if own > c.latest - SAFETY:
            continue
        shopper_s = wait.total_seconds() * len(stops) + extra * (len(stops) - at)
        net = saving * rider_w - shopper_s * SHOPPER_S_M
        if net > best_net:
            best, best_net = c.order_id, net
    return best
