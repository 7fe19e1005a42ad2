"""One model of the future: when a new order would be at the door. Pure.

The quote asks the same questions the dispatcher does, of the same state: which rider is free
when (at the store now, riding back, or out with a route that ends at a known ETA), which orders
no rider carries yet and when each is packed (now, or the store's measured paid-to-packed for
those still on the floor), what a rider's box holds. Those orders are placed first, earliest
due first, each where it reaches its door soonest: joining a trip a rider is about to start
(room in the box, no stop made later than its aim), or a trip of its own with the rider free
first. The new order is placed the same way, last. So a quote never promises a rider the
dispatcher will not have, and never waits for one it has standing at the store.

The rules match the dispatcher's (`dispatch.planning`): riders at the store go first to the
order that reaches its door soonest; a trip leaves when its last order is packed; stops are
ridden in the order that adds the least riding. The dispatcher's search is OR-Tools with time
to think; this is its insertion heuristic, a few milliseconds for a busy evening.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import msgspec


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
class _Rider:
    free_at: datetime
    capacity: int
    stops: list[Pending] = field(default_factory=list)

    def depart(self) -> datetime:
        return max([self.free_at, *(s.ready_by for s in self.stops)])


class Future:
    """The riders' next trips as orders are placed on them, in order."""

    def __init__(
        self,
        riders: Sequence[RiderTime],
        *,
        seconds: Sequence[Sequence[float]],
        service_s: float,
        batching: bool = True,
    ) -> None:
        self._t = seconds
        self._batching = batching
        self._service = timedelta(seconds=service_s)
        self._riders = [_Rider(r.free_at, r.capacity) for r in riders]
        # Riders whose next trip is still empty, by when they are free: only the first can be
        # the soonest, so an evening of 120 riders costs one look, not 120.
        self._idle = [(r.free_at, i) for i, r in enumerate(self._riders)]
        heapq.heapify(self._idle)
        self._busy: set[int] = set()  # riders with orders on their next trip

    def _ride(self, a: int, b: int) -> timedelta:
        return timedelta(seconds=self._t[a][b])

    def _arrivals(self, depart: datetime, stops: Sequence[Pending]) -> list[datetime]:
        at, place, out = depart, 0, []
        for s in stops:
            at += self._ride(place, s.place)
            out.append(at)
            at += self._service
            place = s.place
        return out

    def _back(self, rider: _Rider) -> datetime:
        """When the rider is at the store again after their next trip."""
        if not rider.stops:
            return rider.free_at
        last = rider.stops[-1]
        arrive = self._arrivals(rider.depart(), rider.stops)[-1]
        return arrive + self._service + self._ride(last.place, 0)

    def _join(self, rider: _Rider, order: Pending) -> tuple[datetime, float, list[Pending]] | None:
        """The order joining this rider's next trip where that costs least: its arrival, the
        cost (its wait plus the delay it adds to the trip's other stops, in seconds from now
        on) and the trip's new stops; None when the box is full or a stop would miss its aim."""
        if sum(s.bags for s in rider.stops) + order.bags > rider.capacity:
            return None
        depart = max(rider.depart(), order.ready_by)
        before = self._arrivals(rider.depart(), rider.stops)
        best: tuple[datetime, float, list[Pending]] | None = None
        for i in range(len(rider.stops) + 1):
            stops = [*rider.stops[:i], order, *rider.stops[i:]]
            arrivals = self._arrivals(depart, stops)
            others = [a for j, a in enumerate(arrivals) if j != i]
            moved = list(zip(others, rider.stops, before, strict=True))
            if any(a > max(s.latest, b) for a, s, b in moved):
                continue
            cost = sum((a - b).total_seconds() for a, _, b in moved)
            cost += (arrivals[i] - depart).total_seconds()
            if best is None or cost < best[1]:
                best = (arrivals[i], cost, stops)
        return best

    @staticmethod
    def _from(order: Pending, arrival: datetime) -> float:
        return (arrival - order.ready_by).total_seconds()

    def place(self, order: Pending) -> datetime:
        """Put the order where it costs least: its own wait from packed to door plus the delay
        it adds to the orders it rides with; its arrival at the door."""
        # (cost, rider, arrival, stops): cost is the order's arrival plus the delay it adds to
        # others, in seconds from the earliest start; stops None is an idle rider's new trip,
        # [] a trip of its own after the rider's next one.
        options: list[tuple[float, int, datetime, list[Pending] | None]] = []
        while self._idle and self._idle[0][1] in self._busy:
            heapq.heappop(self._idle)  # stale: that rider has a trip now
        if self._idle:
            free_at, i = self._idle[0]  # an order alone always rides, however many bags
            arrival = max(free_at, order.ready_by) + self._ride(0, order.place)
            options.append((self._from(order, arrival), i, arrival, None))
        for i in self._busy:
            rider = self._riders[i]
            joined = self._join(rider, order) if self._batching else None
            if joined is not None:
                arrival, delay, stops = joined
                wait = (max(rider.depart(), order.ready_by) - order.ready_by).total_seconds()
                options.append((wait + delay, i, arrival, stops))
            arrival = max(self._back(rider), order.ready_by) + self._ride(0, order.place)
            options.append((self._from(order, arrival), i, arrival, []))
        if not options:
            raise ValueError("no rider to place an order on")
        _, i, arrival, stops = min(options, key=lambda o: (o[0], o[1]))
        rider = self._riders[i]
        if stops is None:  # the first idle rider's trip
            heapq.heappop(self._idle)
            rider.stops = [order]
        elif stops:  # joins the next trip
            rider.stops = stops
        else:  # a trip of its own after the next one
            rider.free_at, rider.stops = self._back(rider), [order]
        self._busy.add(i)
        return arrival


def door_time(
    riders: Sequence[RiderTime],
    pending: Sequence[Pending],
    new: Pending,
    *,
    seconds: Sequence[Sequence[float]],
    service_s: float,
    batching: bool = True,
) -> datetime | None:
    """When `new` would reach its door, the orders no rider carries yet placed before it
    (earliest due first); None with no rider on shift. Without `batching` (the greedy
    policy) every order rides a trip of its own."""
    if not riders:
        return None
    future = Future(riders, seconds=seconds, service_s=service_s, batching=batching)
    for order in sorted(pending, key=lambda o: (o.latest, o.order_id)):
        future.place(order)
    return future.place(new)
