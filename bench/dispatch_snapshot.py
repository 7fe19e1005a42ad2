"""Seeded store snapshots for `bench.dispatch`, and the routing `Problem` each one makes. Pure.

Around the demo store (Kobe Sannomiya), every address within 3 km (uniform over the disc).
An evening's moment: `orders` orders packed and ready now, each due at the door in 8 to 25
minutes (its promise less the hand-over); a fifth of the riders out on the road with 1-3
orders still to deliver (due in 2 to 20 minutes) and no room for new ones; a few more riding
back empty, free once at the store; the rest waiting at the store. Bags: 1 per order, 2 for
one in five; a rider carries 6.

The snapshot is the dispatcher's own (`services.delivery.dispatch.planning.Snapshot`) and the
problem is made by its `build_problem`, so the benchmark solves exactly what the dispatcher
would: free riders start at the store (when back), riders on the road where they are with
their orders pinned to them; travel geodesic x 1.35 at 15 km/h; 2 minutes per stop.
"""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta

from geopy.distance import geodesic

from services.delivery.dispatch.planning import Order, Place, Rider, Snapshot, build_problem
from services.delivery.promise import HANDOVER
from services.delivery.routing.model import Problem

STORE = Place(34.6913, 135.1955)
RADIUS_M = 3000
CAPACITY = 6
ON_ROAD = 0.2  # share of riders out delivering
RIDING_BACK = 0.15  # share of the others still riding back to the store
NOW = datetime(2026, 11, 23, 19, 0, tzinfo=UTC)  # time zero of every snapshot


def snapshot(seed: int, *, orders: int, riders: int) -> Snapshot:
    rng = random.Random(seed)
    ready = [_order(rng, f"o{n}", due_min=(8, 25)) for n in range(orders)]
    on_road = round(riders * ON_ROAD)
    crew = []
    for n in range(riders):
        if n < on_road:
            carrying = [_order(rng, f"c{n}-{k}", due_min=(2, 20)) for k in range(rng.randint(1, 3))]
            crew.append(Rider(rider_id=f"r{n}", at=_address(rng), carrying=carrying))
        elif rng.random() < RIDING_BACK:
            crew.append(Rider(rider_id=f"r{n}", at=_address(rng)))
        else:
            crew.append(Rider(rider_id=f"r{n}", at=STORE))
    return Snapshot(
        store_id=f"bench-{seed}",
        store=STORE,
        bag_capacity=CAPACITY,
        service_s=120,
        detour_factor=1.35,
        speed_kmh=15.0,
        ready=ready,
        riders=crew,
    )


def _order(rng: random.Random, order_id: str, *, due_min: tuple[int, int]) -> Order:
    """Due at the door `due_min` minutes from now: promised that plus the hand-over."""
    due = timedelta(seconds=round(rng.uniform(*due_min) * 60))
    return Order(
        order_id=order_id,
        at=_address(rng),
        promise_at=NOW + due + HANDOVER,
        bags=2 if rng.random() < 0.2 else 1,
    )


def _address(rng: random.Random) -> Place:
    distance = RADIUS_M * math.sqrt(rng.random())
    point = geodesic(meters=distance).destination((STORE.lat, STORE.lng), rng.uniform(0, 360))
    return Place(point.latitude, point.longitude)


def problem(snap: Snapshot, *, time_limit_s: float) -> Problem:
    return build_problem(snap, NOW, time_limit_s=time_limit_s)
