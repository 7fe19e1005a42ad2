"""Solomon VRPTW instances solved by `plan_routes`: vehicles, distance, time, gap to best known.

    python -m bench.solomon FILE [--time-limit 0.4,1,5] [--repeat 1] [--json]
    python -m bench.solomon [--all] [--time-limit 0.4,1,5] [--repeat 1] [--json]
    python -m bench.solomon FILE --time-limit vroom --repeat 5 [--json]

FILE is a Solomon text file (../shared/data/solomon/r101.txt). Hard windows, the instance's
fleet and capacity, Euclidean distances as unrounded doubles, travel time = distance; vehicles
minimised first, then distance (the hierarchical objective of `bks.csv`'s rows like R101).
Every plan is checked here from first principles (arrivals recomputed from the coordinates,
loads, every customer once, back at the depot by its due time), not trusted from the solver.

Without FILE (or with --all): the three instances in a markdown table, `plan_routes` at each
time limit against VROOM (pyvroom, if installed: a dev-only comparison) at exploration levels
1 and 5 with as many threads as the machine has cores, and the best known. `--vroom` adds VROOM
for a FILE too; a time limit `vroom` is as long as VROOM took at exploration 5 on that instance
(the routing bar: no more vehicles and at most 1 % more distance in that time). Store evenings
in the same format: `python -m bench.solomon_store`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import msgspec

from bench.solomon_instance import (
    Best,
    Instance,
    best_known,
    check,
    parse,
    problem,
    route_distance,
)
from services.delivery.routing import plan_routes
from services.delivery.routing.model import Plan
from shared.settings import PROJECT_ROOT

DATA = PROJECT_ROOT.parent / "shared" / "data" / "solomon"
INSTANCES = ("r101", "c101", "rc101")
VROOM_LEVELS = (1, 5)


class Row(msgspec.Struct, kw_only=True):
    instance: str
    solver: str
    time_limit_s: float | None
    vehicles: int
    distance: float
    solve_s: float
    feasible: bool
    errors: list[str]
    best_vehicles: int | None
    best_distance: float | None

    @property
    def gap(self) -> str:
        if self.best_distance is None or self.best_vehicles is None:
            return "-"
        more = self.vehicles - self.best_vehicles
        fleet = f", {more:+d} vehicle{'s' if abs(more) > 1 else ''}" if more else ""
        return f"{100 * (self.distance / self.best_distance - 1):+.2f} %{fleet}"


def row(instance: Instance, best: Best | None, plan: Plan, limit: float | None) -> Row:
    errors = check(instance, plan)
    return Row(
        instance=instance.name,
        solver=plan.solver,
        time_limit_s=limit,
        vehicles=len(plan.routes),
        distance=round(_distance(instance, plan), 2),
        solve_s=round(plan.solve_s, 3),
        feasible=not errors,
        errors=errors[:5],
        best_vehicles=best.vehicles if best else None,
        best_distance=best.distance if best else None,
    )


def _distance(instance: Instance, plan: Plan) -> float:
    return sum(route_distance(instance, [int(v.job_id) for v in r.visits]) for r in plan.routes)


def ours(instance: Instance, best: Best | None, limits: list[float], repeat: int) -> list[Row]:
    return [
        row(instance, best, plan_routes(problem(instance, time_limit_s=limit)), limit)
        for limit in limits
        for _ in range(repeat)
    ]


def vroom_rows(instance: Instance, best: Best | None) -> list[Row]:
    try:
        from bench.dispatch_vroom import plan_vroom
    except ImportError:
        return []
    threads = os.cpu_count() or 1
    unlimited = problem(instance, time_limit_s=0)
    return [
        row(instance, best, plan_vroom(unlimited, exploration=level, threads=threads), None)
        for level in VROOM_LEVELS
    ]


def table(rows: list[Row]) -> str:
    lines = [
        "| instance | solver | time limit | vehicles / distance | gap to best known | "
        "solve s | feasible |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        limit = f"{r.time_limit_s:g} s" if r.time_limit_s is not None else "-"
        lines.append(
            f"| {r.instance} | {r.solver} | {limit} | {r.vehicles} / {r.distance:.2f} | "
            f"{r.gap} | {r.solve_s:.2f} | {'yes' if r.feasible else 'NO: ' + r.errors[0]} |"
        )
    return "\n".join(lines)


def best_rows(instance: Instance, best: Best | None) -> list[str]:
    if best is None:
        return []
    return [f"| {instance.name} | best known | - | {best.vehicles} / {best.distance:.2f} | | | |"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.solomon", description=__doc__)
    parser.add_argument("file", nargs="?", type=Path)
    parser.add_argument("--all", action="store_true")
    parser.add_argument(
        "--time-limit", default="0.4,1,5", help="seconds, comma separated; vroom: VROOM x5's"
    )
    parser.add_argument("--vroom", action="store_true", help="VROOM for a FILE too")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    files = (
        [DATA / f"{name}.txt" for name in INSTANCES] if args.all or not args.file else [args.file]
    )
    bks = (
        (files[0].parent / "bks.csv")
        if (files[0].parent / "bks.csv").exists()
        else DATA / "bks.csv"
    )
    out: list[str] = []
    rows: list[Row] = []
    for path in files:
        instance = parse(path)
        best = best_known(bks, instance.name) if bks.exists() else None
        theirs = []
        if len(files) > 1 or args.vroom or "vroom" in args.time_limit:
            theirs = vroom_rows(instance, best)
        x5 = next((r.solve_s for r in theirs if r.solver == "vroom:x5"), None)
        limits = [x5 if s == "vroom" else float(s) for s in args.time_limit.split(",")]
        found = ours(instance, best, [s for s in limits if s is not None], args.repeat) + theirs
        rows += found
        out += table(found).splitlines()[2:] + best_rows(instance, best)
    if args.json:
        print(json.dumps([msgspec.to_builtins(r) | {"gap": r.gap} for r in rows], indent=2))
    else:
        print("\n".join(table([]).splitlines() + out))
    return 0 if all(r.feasible for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
