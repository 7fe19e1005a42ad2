"""Seeded store snapshots for `bench.dispatch`, and the routing `Problem` each one makes. Pure.

Around the demo store (Kobe Sannomiya), every address within 3 km (uniform over the disc).
An evening's moment: `orders` orders packed and ready now, each due at the door in 8 to 25
minutes (its promise less the hand-over); a fifth of the riders out on the road with 1-3
orders still to deliver (due in 2 to 20 minutes) and no room for new ones; a few more riding
back empty, free once at the store; the rest waiting at the store. Bags: 1 per order, 2 for
one in five; a rider carries 6.

The problem is modelled as the dispatcher does (DESIGN.md section 7): the store is node 0,
free riders start there (when back), riders on the road start where they are with their
orders pinned to them; travel by `travel_matrix` (geodesic x 1.35 at 15 km/h); 2 minutes per
stop; lateness minimised when no on-time plan exists.
"""

from __future__ import annotations

import math
import random

import msgspec
from geopy.distance import geodesic

from services.delivery.routing.matrix import travel_matrix
from services.delivery.routing.model import Job, Problem, Vehicle

STORE = (34.6913, 135.1955)
RADIUS_M = 3000
DETOUR_FACTOR = 1.35
SPEED_KMH = 15.0
SERVICE_S = 120
CAPACITY = 6
ON_ROAD = 0.2  # share of riders out delivering
RIDING_BACK = 0.15  # share of the others still riding back to the store


class Order(msgspec.Struct, frozen=True, kw_only=True):
    order_id: str
    at: tuple[float, float]
    due_s: int  # latest arrival at the door, seconds from now
    bags: int


class Rider(msgspec.Struct, frozen=True, kw_only=True):
    rider_id: str
    at: tuple[float, float] | None  # None: at the store
    carrying: list[Order] = []


class Snapshot(msgspec.Struct, frozen=True, kw_only=True):
    seed: int
    ready: list[Order]
    riders: list[Rider]


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
            crew.append(Rider(rider_id=f"r{n}", at=None))
    return Snapshot(seed=seed, ready=ready, riders=crew)


def _order(rng: random.Random, order_id: str, *, due_min: tuple[int, int]) -> Order:
    return Order(
        order_id=order_id,
        at=_address(rng),
        due_s=round(rng.uniform(*due_min) * 60),
        bags=2 if rng.random() < 0.2 else 1,
    )


def _address(rng: random.Random) -> tuple[float, float]:
    distance = RADIUS_M * math.sqrt(rng.random())
    point = geodesic(meters=distance).destination(STORE, rng.uniform(0, 360))
    return (point.latitude, point.longitude)


def problem(snap: Snapshot, *, time_limit_s: float) -> Problem:
    on_road = [r for r in snap.riders if r.carrying]
    free = [r for r in snap.riders if not r.carrying]
    orders = [*snap.ready, *(o for r in on_road for o in r.carrying)]
    places = [STORE, *(r.at or STORE for r in on_road), *(r.at or STORE for r in free)]
    first_job = len(places)
    places += [o.at for o in orders]
    durations, distances = travel_matrix(places, detour_factor=DETOUR_FACTOR, speed_kmh=SPEED_KMH)
    jobs = [
        Job(
            job_id=o.order_id,
            node=first_job + i,
            demand=o.bags,
            latest=o.due_s,
            service_s=SERVICE_S,
        )
        for i, o in enumerate(orders)
    ]
    vehicles = [
        Vehicle(
            vehicle_id=r.rider_id,
            start=1 + i,
            end=0,
            capacity=max(CAPACITY, sum(o.bags for o in r.carrying)),
            carried=[o.order_id for o in r.carrying],
            accepts_new=False,
        )
        for i, r in enumerate(on_road)
    ]
    vehicles += [
        Vehicle(
            vehicle_id=r.rider_id,
            start=0,
            end=0,
            capacity=CAPACITY,
            available_at=math.ceil(durations[1 + len(on_road) + i][0]),
        )
        for i, r in enumerate(free)
    ]
    return Problem(
        durations=durations,
        distances=distances,
        jobs=jobs,
        vehicles=vehicles,
        time_limit_s=time_limit_s,
    )
