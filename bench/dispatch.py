"""Dispatch plans for seeded store snapshots: plan_routes against VROOM and the greedy baseline.

    python -m bench.dispatch [--seeds 10] [--time-limit 1] [--sizes 20x8,40x12,80x20] [--json]

Each size is ready orders x riders; each seed one snapshot (bench.dispatch_snapshot: around the
demo store, every door within 3 km, due in 8-25 minutes, a fifth of the riders out with orders
on board). Every solver gets the same `Problem`; every plan is timed by `routing.schedule` from
the float matrices and checked here (each order planned once, carried orders with their rider,
nothing new for a rider out on the road, no rider over 6 bags). Per size and solver: solve time
p50/p95 over the seeds; per snapshot on average, late orders (of those planned), total
lateness in minutes, km ridden, riders' minutes out (leaving to back) and minutes to the door
per order planned (what the store pays and the shopper feels), and orders left for the next
plan (no rider has room: the plan is one trip per rider; the greedy baseline rides back for
more and leaves none). `matrix` is the time to build the problem (travel matrix) per snapshot;
`quote` the quote's model of the future (`forecast.door_time`) on the same snapshot, each of
its last 20 orders quoted as new with the others waiting (bench.quotes measures it over HTTP).

VROOM (pyvroom, dev only) at exploration 1 and 5 with as many threads as there are cores; it
has no soft windows, so late orders are planned in a second solve without their deadline
(bench.dispatch_vroom).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial

import msgspec

from bench.dispatch_snapshot import problem, snapshot
from services.delivery.forecast import Pending, RiderTime, door_time
from services.delivery.routing import plan_greedy, plan_routes, schedule
from services.delivery.routing.model import Plan, Problem

ZERO = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)

Solver = Callable[[Problem], Plan]


class Row(msgspec.Struct, kw_only=True):
    orders: int
    riders: int
    solver: str
    solve_p50_s: float
    solve_p95_s: float
    late_orders: float
    lateness_min: float
    km: float
    rider_min: float  # per order planned: riders' minutes from leaving to back at the store
    door_min: float  # per order planned: minutes from now to its door
    quote_p50_ms: float  # the quote's model of the future on this snapshot (dispatcher only)
    quote_p99_ms: float
    left: float
    matrix_s: float
    errors: list[str]


def solvers(time_limit_s: float) -> dict[str, Solver]:
    found: dict[str, Solver] = {f"plan_routes {time_limit_s:g} s": plan_routes}
    try:
        from bench.dispatch_vroom import plan_vroom
    except ImportError:
        pass
    else:
        threads = os.cpu_count() or 1
        for level in (1, 5):
            found[f"VROOM x{level}"] = partial(plan_vroom, exploration=level, threads=threads)
    found["greedy (1 order a trip)"] = plan_greedy
    return found


def check(p: Problem, plan: Plan) -> list[str]:
    """What the plan breaks, recomputed from the problem."""
    errors = []
    served = [v.job_id for r in plan.routes for v in r.visits]
    if len(served) != len(set(served)) or set(served) | set(plan.unassigned) != {
        j.job_id for j in p.jobs
    }:
        errors.append("an order planned twice or lost")
    demand = {j.job_id: j.demand for j in p.jobs}
    vehicles = {v.vehicle_id: v for v in p.vehicles}
    for route in plan.routes:
        vehicle = vehicles[route.vehicle_id]
        ids = [v.job_id for v in route.visits]
        if not vehicle.accepts_new and set(ids) - set(vehicle.carried):
            errors.append(f"{vehicle.vehicle_id} took new orders on the road")
        if plan.solver != "greedy" and sum(demand[j] for j in ids) > vehicle.capacity:
            errors.append(f"{vehicle.vehicle_id} over capacity")
    for vehicle in p.vehicles:
        for job_id in vehicle.carried:
            if job_id in served and job_id not in _route_ids(plan, vehicle.vehicle_id):
                errors.append(f"{job_id} left its rider")
    return errors


def _route_ids(plan: Plan, vehicle_id: str) -> set[str]:
    return {v.job_id for r in plan.routes if r.vehicle_id == vehicle_id for v in r.visits}


def _served(plan: Plan) -> int:
    return max(1, sum(len(r.visits) for r in plan.routes))


def _rider_min(plan: Plan) -> float:
    return sum(r.end_at - r.start_at for r in plan.routes) / 60 / _served(plan)


def _door_min(plan: Plan) -> float:
    return sum(v.arrival for r in plan.routes for v in r.visits) / 60 / _served(plan)


def quote_ms(problems: list[Problem]) -> tuple[float, float]:
    """p50 and p99 ms of the quote's model of the future (`forecast.door_time`) on these
    snapshots: each of a snapshot's last 20 orders quoted as new, the others waiting for a
    rider, riders free when back (those on the road after what they carry)."""
    took = []
    for p in problems:
        riders = []
        for v in p.vehicles:
            carried = [j for j in p.jobs if j.job_id in v.carried]
            free = schedule.route(p, v, carried).end_at if carried else v.available_at
            riders.append(
                RiderTime(rider_id=v.vehicle_id, free_at=ZERO + timedelta(seconds=free),
                          capacity=v.capacity)
            )  # fmt: skip
        carried_ids = {j for v in p.vehicles for j in v.carried}
        waiting = [
            Pending(order_id=j.job_id, place=j.node, ready_by=ZERO,
                    latest=ZERO + timedelta(seconds=j.latest), bags=j.demand)
            for j in p.jobs if j.job_id not in carried_ids
        ]  # fmt: skip
        for new in waiting[-20:]:
            others = [w for w in waiting if w is not new]
            started = time.perf_counter()
            door_time(riders, others, new, seconds=p.durations, service_s=p.jobs[0].service_s)
            took.append((time.perf_counter() - started) * 1000)
    cuts = statistics.quantiles(took, n=100)
    return cuts[49], cuts[98]


def run(orders: int, riders: int, seeds: int, time_limit_s: float) -> list[Row]:
    problems, built = [], []
    for seed in range(seeds):
        started = time.perf_counter()
        problems.append(
            problem(snapshot(seed, orders=orders, riders=riders), time_limit_s=time_limit_s)
        )
        built.append(time.perf_counter() - started)
    quotes = quote_ms(problems)
    rows = []
    for name, solve in solvers(time_limit_s).items():
        plans = [solve(p) for p in problems]
        times = sorted(plan.solve_s for plan in plans)
        rows.append(
            Row(
                orders=orders,
                riders=riders,
                solver=name,
                solve_p50_s=statistics.median(times),
                solve_p95_s=times[min(len(times) - 1, round(0.95 * (len(times) - 1)))],
                late_orders=statistics.mean(plan.late_jobs for plan in plans),
                lateness_min=statistics.mean(plan.lateness_s for plan in plans) / 60,
                km=statistics.mean(plan.distance for plan in plans) / 1000,
                rider_min=statistics.mean(_rider_min(plan) for plan in plans),
                door_min=statistics.mean(_door_min(plan) for plan in plans),
                quote_p50_ms=quotes[0] if name.startswith("plan_routes") else 0.0,
                quote_p99_ms=quotes[1] if name.startswith("plan_routes") else 0.0,
                left=statistics.mean(len(plan.unassigned) for plan in plans),
                matrix_s=statistics.median(built),
                errors=[e for p, plan in zip(problems, plans, strict=True) for e in check(p, plan)],
            )
        )
    return rows


def table(rows: list[Row]) -> str:
    lines = [
        "| orders x riders | solver | solve p50 / p95 s | late orders | lateness min | km | "
        "rider min / order | door min / order | left for next plan | matrix s | "
        "quote p50 / p99 ms | checks |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r.orders} x {r.riders} | {r.solver} | {r.solve_p50_s:.2f} / {r.solve_p95_s:.2f} "
            f"| {r.late_orders:.1f} | {r.lateness_min:.1f} | {r.km:.1f} | {r.rider_min:.1f} "
            f"| {r.door_min:.1f} | {r.left:.1f} | {r.matrix_s:.3f} "
            f"| {f'{r.quote_p50_ms:.1f} / {r.quote_p99_ms:.1f}' if r.quote_p50_ms else ''} "
            f"| {'ok' if not r.errors else r.errors[0]} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.dispatch", description=__doc__)
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--time-limit", type=float, default=1.0)
    parser.add_argument("--sizes", default="20x8,40x12,80x20")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    rows = []
    for size in args.sizes.split(","):
        orders, riders = (int(n) for n in size.split("x"))
        rows += run(orders, riders, args.seeds, args.time_limit)
    if args.json:
        print(json.dumps(msgspec.to_builtins(rows), indent=2))
    else:
        print(table(rows))
    return 0 if not any(r.errors for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
