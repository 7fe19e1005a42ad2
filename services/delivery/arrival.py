"""The riders' future as a quote sees it: built once from the riders as they are and the orders
no rider carries yet, then asked when a new order at a door would arrive.

The dispatcher's own model (`forecast.future_of`), so a promise is where the dispatcher would
place the order; the fast simulator calls the same two functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from services.delivery import store as db
from services.delivery.dispatch.planning import AT_STORE_M, PLAN_MARGIN
from services.delivery.forecast import Future, Pending, RiderTime, future_of
from services.delivery.promise import HANDOVER, PROMISE, on_the_shelf
from services.delivery.routing.matrix import StraightLineTravel, travel_matrix


@dataclass(frozen=True)
class Built:
    """A store's future and the places its matrix holds (the store, then each order)."""

    future: Future | None
    places: list[tuple[float, float]]
    travel: StraightLineTravel


def build(
    now: datetime,
    basis: db.QuoteBasis,
    riders: list[db.RiderRow],
    pending: list[db.UnassignedRow],
    *,
    batching: bool,
) -> Built:
    """The riders as they are, with the orders no rider carries yet placed on them."""
    pace = basis.pace
    travel = StraightLineTravel(pace.detour_factor, pace.rider_speed_kmh)
    store = (basis.lat, basis.lng)
    places = [store, *((o.lat, o.lng) for o in pending)]
    seconds, _ = travel_matrix(
        places, detour_factor=pace.detour_factor, speed_kmh=pace.rider_speed_kmh
    )
    # Where each rider comes back to the store from: the last door of their route, or where
    # they are now (unknown: at the store); one matrix row for all of them.
    origins = [(r.stop_lat, r.stop_lng) if r.eta is not None else (r.lat, r.lng) for r in riders]
    back_s, back_m = travel.from_first(
        [store, *((a, b) if a is not None and b is not None else store for a, b in origins)]
    )
    times = []
    for i, r in enumerate(riders, start=1):
        ride = float(back_s[i])
        if r.eta is not None:  # out, or about to be: free when back from the last door
            free = max(now, r.eta + timedelta(seconds=basis.service_s + ride))
        else:
            away = back_m[i] / pace.detour_factor > AT_STORE_M
            free = now + timedelta(seconds=ride if away else 0)
        box = r.box_bags or basis.bag_capacity
        times.append(RiderTime(rider_id=r.rider_id, free_at=free, capacity=box))
    waiting = [
        Pending(
            order_id=o.order_id,
            place=1 + i,
            ready_by=o.ready_by,
            # the dispatcher's own deadline for it: its promise (`planning.build_problem`)
            latest=o.promise_at - HANDOVER - PLAN_MARGIN,
            bags=o.bags,
        )
        for i, o in enumerate(pending)
    ]
    future = future_of(
        times, waiting, seconds=seconds, service_s=basis.service_s, batching=batching
    )
    return Built(future=future, places=places, travel=travel)


def arrival_at(
    now: datetime,
    basis: db.QuoteBasis,
    built: Built,
    door: tuple[float, float],
    *,
    packed: bool,
) -> datetime | None:
    """When the riders' future has a new order at `door` (None: no rider on shift)."""
    if built.future is None:
        return None
    seconds, _ = built.travel.from_first([door, *built.places])
    new = Pending(
        order_id="",
        place=-1,  # not in the matrix: `arrival_of` adds it
        ready_by=on_the_shelf(now, basis.backlog, basis.pace, packed=packed),
        latest=now + PROMISE - HANDOVER,
        bags=basis.typical_bags,
    )
    return built.future.arrival_of(new, seconds[1:].tolist())
