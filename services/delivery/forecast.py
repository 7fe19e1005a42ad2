"""One model of the future: when a new order would be at the door. Pure.

The quote asks the same questions the dispatcher does, of the same state: which rider is free
when (at the store now, riding back, or out with a route that ends at a known ETA), which orders
no rider carries yet and when each is packed (now, or the store's measured paid-to-packed for
those still on the floor), what a rider's box holds. Those orders are placed first, earliest
due first, each where it costs least (its own minutes from packed to door, plus the minutes it
adds to the orders it rides with): joining a trip a rider is about to start (room in the box, no
stop made later than its aim, and packed within `holding.HOLD_BOUND` of when the trip would leave:
the dispatcher holds a trip no longer; a quote that let a trip wait 10 minutes for the new order
promised a door the dispatcher then reached 5 minutes late), or a trip of its own with the rider
free first. The new order is
placed the same way, last. So a quote never promises a rider the
dispatcher will not have, and never waits for one it has standing at the store.

The rules match the dispatcher's (`dispatch.planning`): riders at the store go first to the
order that reaches its door soonest; a trip leaves when its last order is packed; stops are
ridden in the order that adds the least riding. The dispatcher's search is OR-Tools with time
to think; this is its insertion heuristic: inside, times are float seconds from the earliest
of them (datetime arithmetic was most of the cost), and riders are tried in the order their next
trip leaves, stopping once none can do better: 50 orders on 96 riders in about 5 ms, 150 on
120 in about 30 (this machine, one core).
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import msgspec

from services.delivery.dispatch.holding import HOLD_BOUND


class RiderTime(msgspec.Struct, frozen=True, kw_only=True):
    """A rider on shift: when they are at the store and free to start a trip."""

    rider_id: str
    free_at: datetime
    capacity: int  # bags their box carries


class Pending(msgspec.Struct, frozen=True, kw_only=True):
    """An order no rider carries yet. `place` indexes the travel matrix (0 is the store)."""

    order_id: str
    place: int
    ready_by: datetime  # packed, with its bags on the dispatch shelf
    latest: datetime  # at the door by then (its aim)
    bags: int


@dataclass
class _Order:
    place: int
    ready: float  # seconds from time zero
    latest: float
    bags: int


@dataclass
class _Rider:
    free: float
    capacity: int
    stops: list[_Order] = field(default_factory=list)
    depart: float = 0.0  # when the next trip leaves: free and every order on it packed
    back: float = 0.0  # at the store again after it
    arrivals: list[float] = field(default_factory=list)  # at each stop of the next trip
    bags: int = 0  # on the next trip

    def __post_init__(self) -> None:
        self.depart = self.back = self.free


class Future:
    """The riders' next trips as orders are placed on them, in order. Times are seconds from
    `zero`."""

    def __init__(
        self,
        riders: Sequence[RiderTime],
        *,
        zero: datetime,
        seconds: list[list[float]],
        service_s: float,
        batching: bool = True,
    ) -> None:
        self.zero = zero
        self._t = seconds
        self._service = service_s
        self._batching = batching
        self._hold = HOLD_BOUND.total_seconds()
        self._riders = [_Rider(self._s(r.free_at), r.capacity) for r in riders]
        # Riders whose next trip is still empty, by when they are free: only the first can be
        # the soonest, so an evening of 120 riders costs one look, not 120.
        self._idle = [(r.free, i) for i, r in enumerate(self._riders)]
        heapq.heapify(self._idle)
        self._busy: set[int] = set()  # riders with orders on their next trip

    def _s(self, at: datetime) -> float:
        return (at - self.zero).total_seconds()

    def _arrivals(self, depart: float, stops: Sequence[_Order]) -> list[float]:
        at, place, out = depart, 0, []
        for s in stops:
            at += self._t[place][s.place]
            out.append(at)
            at += self._service
            place = s.place
        return out

    def _trip(self, rider: _Rider, free: float, stops: list[_Order]) -> None:
        """The rider's next trip is now `stops`, from `free`: when it leaves, when it is back."""
        rider.free, rider.stops = free, stops
        rider.depart = max(free, *(s.ready for s in stops))
        rider.arrivals = self._arrivals(rider.depart, stops)
        rider.back = rider.arrivals[-1] + self._service + self._t[stops[-1].place][0]
        rider.bags = sum(s.bags for s in stops)

    def _join(self, rider: _Rider, order: _Order) -> tuple[float, float, list[_Order]] | None:
        """The order joining this rider's next trip where that costs least: its arrival, the
        delay it adds (to the trip's other stops, and its own ride from the store) and the new
        stops; None when the box is full or a stop would miss its aim."""
        if rider.bags + order.bags > rider.capacity:
            return None
        if order.ready > rider.depart + self._hold:
            return None  # the dispatcher holds a trip no longer for an order being packed
        t = self._t
        if min(t[s.place][order.place] for s in rider.stops) >= t[0][order.place]:
            return None  # not on the way: nearer the store than any stop
        depart = max(rider.depart, order.ready)
        before = rider.arrivals
        best: tuple[float, float, list[_Order]] | None = None
        for i in range(len(rider.stops) + 1):
            stops = [*rider.stops[:i], order, *rider.stops[i:]]
            arrivals = self._arrivals(depart, stops)
            others = arrivals[:i] + arrivals[i + 1 :]
            moved = list(zip(others, rider.stops, before, strict=True))
            if any(a > max(s.latest, b) for a, s, b in moved):
                continue
            cost = sum(a - b for a, _, b in moved) + arrivals[i] - depart
            if best is None or cost < best[1]:
                best = (arrivals[i], cost, stops)
        return best

    def _order(self, pending: Pending, place: int | None = None) -> _Order:
        return _Order(
            pending.place if place is None else place,
            self._s(pending.ready_by),
            self._s(pending.latest),
            pending.bags,
        )

    def _best(self, order: _Order) -> tuple[float, int, float, list[_Order] | None]:
        """The option that costs least: its own wait from packed to door plus the delay it adds
        to the orders it rides with, as (cost, rider, arrival, stops); stops None is an idle
        rider's new trip, [] a trip of its own after the rider's next one."""
        ride = self._t[0][order.place]
        options: list[tuple[float, int, float, list[_Order] | None]] = []
        while self._idle and self._idle[0][1] in self._busy:
            heapq.heappop(self._idle)  # stale: that rider has a trip now
        if self._idle:
            free, i = self._idle[0]  # an order alone always rides, however many bags
            arrival = max(free, order.ready) + ride
            options.append((arrival - order.ready, i, arrival, None))
        best = min((o[0] for o in options), default=float("inf"))
        # No option on a rider costs less than waiting for their next trip to leave and riding
        # straight to the door: riders by departure, and stop once that bound is no better.
        for i in sorted(self._busy, key=lambda i: (self._riders[i].depart, i)):
            rider = self._riders[i]
            wait = max(rider.depart, order.ready) - order.ready
            if wait + ride >= best:
                break
            joined = self._join(rider, order) if self._batching else None
            if joined is not None:
                arrival, delay, stops = joined
                options.append((wait + delay, i, arrival, stops))
            arrival = max(rider.back, order.ready) + ride
            options.append((arrival - order.ready, i, arrival, []))
            best = min(best, *(o[0] for o in options[-2:]))
        if not options:
            raise ValueError("no rider to place an order on")
        return min(options, key=lambda o: (o[0], o[1]))

    def place(self, pending: Pending) -> datetime:
        """Put the order where it costs least (`_best`); its arrival at the door."""
        order = self._order(pending)
        _, i, arrival, stops = self._best(order)
        rider = self._riders[i]
        if stops is None:  # the first idle rider's trip
            heapq.heappop(self._idle)
            self._trip(rider, rider.free, [order])
        elif stops:  # joins the next trip
            self._trip(rider, rider.free, stops)
        else:  # a trip of its own after the next one
            self._trip(rider, rider.back, [order])
        self._busy.add(i)
        return self.zero + timedelta(seconds=arrival)

    def arrival_of(self, pending: Pending, seconds_to: Sequence[float]) -> datetime:
        """Where an order at a place the matrix does not hold would go, without placing it:
        `seconds_to[j]` between it and place j (the way is the same both ways). A quote asks
        this of one store's future many times a second; the matrix grows by that place for the
        question and shrinks back."""
        place = len(self._t)
        for row, s in zip(self._t, seconds_to, strict=True):
            row.append(s)
        self._t.append([*seconds_to, 0.0])
        try:
            _, _, arrival, _ = self._best(self._order(pending, place))
        finally:
            self._t.pop()
            for row in self._t:
                row.pop()
        return self.zero + timedelta(seconds=arrival)


def future_of(
    riders: Sequence[RiderTime],
    pending: Sequence[Pending],
    *,
    seconds: list[list[float]],
    service_s: float,
    batching: bool = True,
) -> Future | None:
    """The riders' future with the orders no rider carries yet placed on it, earliest due
    first; None with no rider on shift. Without `batching` (the greedy policy) every order
    rides a trip of its own. The future keeps `seconds` and may change it."""
    if not riders:
        return None
    zero = min(r.free_at for r in riders)
    future = Future(riders, zero=zero, seconds=seconds, service_s=service_s, batching=batching)
    for order in sorted(pending, key=lambda o: (o.latest, o.order_id)):
        future.place(order)
    return future


def door_time(
    riders: Sequence[RiderTime],
    pending: Sequence[Pending],
    new: Pending,
    *,
    seconds: list[list[float]],
    service_s: float,
    batching: bool = True,
) -> datetime | None:
    """When `new` would reach its door after the orders no rider carries yet (`future_of`);
    None with no rider on shift."""
    future = future_of(riders, pending, seconds=seconds, service_s=service_s, batching=batching)
    return None if future is None else future.place(new)
