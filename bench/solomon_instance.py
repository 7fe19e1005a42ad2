"""A Solomon VRPTW instance: parsed from the standard text format, made a `Problem`, and a plan
checked against it from first principles (not trusting any solver's own account).

Distances are Euclidean, unrounded doubles; travel time equals distance; a customer's window
bounds the start of its service (arriving early means waiting); every vehicle leaves the depot
at 0 and is back by the depot's due date.
"""

from __future__ import annotations

import csv
import itertools
import math
from pathlib import Path

import msgspec

from services.delivery.routing.model import Job, Plan, Problem, Vehicle

# Charged per vehicle used: above any distance a vehicle less could save, so that vehicles
# are minimised first and distance second (the hierarchical objective of the best knowns).
VEHICLE_COST = 100_000


class Customer(msgspec.Struct, frozen=True):
    number: int
    x: float
    y: float
    demand: int
    ready: int
    due: int
    service: int


class Instance(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    vehicles: int
    capacity: int
    customers: list[Customer]  # the depot first

    @property
    def depot(self) -> Customer:
        return self.customers[0]

    def distance(self, a: int, b: int) -> float:
        p, q = self.customers[a], self.customers[b]
        return math.hypot(p.x - q.x, p.y - q.y)


class Best(msgspec.Struct, frozen=True):
    vehicles: int
    distance: float


def parse(path: Path) -> Instance:
    lines = [line.split() for line in path.read_text().splitlines()]
    name = next(words[0] for words in lines if words)
    numbers = [words for words in lines if words and all(_number(w) for w in words)]
    vehicles, capacity = (int(w) for w in numbers[0])
    customers = [
        Customer(int(n), float(x), float(y), int(q), int(r), int(d), int(s))
        for n, x, y, q, r, d, s in (row for row in numbers[1:] if len(row) == 7)
    ]
    return Instance(name=name, vehicles=vehicles, capacity=capacity, customers=customers)


def _number(word: str) -> bool:
    try:
        float(word)
    except ValueError:
        return False
    return True


def problem(instance: Instance, *, time_limit_s: float) -> Problem:
    """Hard windows, the instance's fleet, vehicles first then distance."""
    n = len(instance.customers)
    matrix = [[instance.distance(a, b) for b in range(n)] for a in range(n)]
    jobs = [
        Job(
            job_id=str(c.number),
            node=c.number,
            demand=c.demand,
            earliest=c.ready,
            latest=c.due,
            service_s=c.service,
        )
        for c in instance.customers[1:]
    ]
    vehicles = [
        Vehicle(vehicle_id=f"v{k}", start=0, end=0, capacity=instance.capacity)
        for k in range(instance.vehicles)
    ]
    return Problem(
        durations=matrix,
        distances=matrix,
        jobs=jobs,
        vehicles=vehicles,
        hard_windows=True,
        vehicle_cost=VEHICLE_COST,
        time_limit_s=time_limit_s,
    )


def check(instance: Instance, plan: Plan) -> list[str]:
    """What is wrong with `plan` for `instance` (nothing: it is feasible), recomputed here."""
    errors, seen = [], []
    if len(plan.routes) > instance.vehicles:
        errors.append(f"{len(plan.routes)} routes for {instance.vehicles} vehicles")
    for route in plan.routes:
        stops = [int(v.job_id) for v in route.visits]
        seen += stops
        errors += _check_route(instance, route.vehicle_id, stops)
    missing = set(range(1, len(instance.customers))) - set(seen)
    if missing or len(seen) != len(set(seen)):
        errors.append(f"{len(missing)} customers unserved, {len(seen) - len(set(seen))} twice")
    return errors


def route_distance(instance: Instance, stops: list[int]) -> float:
    path = [0, *stops, 0]
    return sum(instance.distance(a, b) for a, b in itertools.pairwise(path))


def _check_route(instance: Instance, vehicle: str, stops: list[int]) -> list[str]:
    errors, at, here = [], 0.0, 0
    load = sum(instance.customers[s].demand for s in stops)
    if load > instance.capacity:
        errors.append(f"{vehicle}: load {load} over capacity {instance.capacity}")
    for stop in stops:
        customer = instance.customers[stop]
        arrival = at + instance.distance(here, stop)
        if arrival > customer.due + 1e-9:
            errors.append(f"{vehicle}: customer {stop} reached at {arrival:.2f} > {customer.due}")
        at, here = max(arrival, customer.ready) + customer.service, stop
    back = at + instance.distance(here, 0)
    if back > instance.depot.due + 1e-9:
        errors.append(f"{vehicle}: back at {back:.2f} > depot due {instance.depot.due}")
    return errors


def best_known(path: Path, name: str) -> Best | None:
    """The hierarchical (vehicles, then distance) best known for instance `name`, if listed."""
    with path.open() as rows:
        for row in csv.DictReader(rows):
            if row["instance"].upper() == name.upper():
                return Best(int(row["vehicles"]), float(row["distance"]))
    return None
