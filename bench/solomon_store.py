"""Seeded store evenings written as Solomon VRPTW files, for `bench.solomon` against VROOM.

    python -m bench.solomon_store [--seeds 1,2,3] [--customers 100] [--out /tmp/omo-store]

The Solomon instances are a city's trucks; these are one store's riders: 100 doors uniform over
the disc of 3 km around the store, 1-3 bags each (uniform), a box of 6 bags, each door's window
30 minutes long and opening uniformly within the first hour, 2 minutes per stop, a fleet larger
than any plan needs. Coordinates are riding metres (the straight line times the detour, 1.35,
as `bench.dispatch_snapshot`), so that travel time equals distance as the format has it: a unit
of time is a metre at 15 km/h, 0.24 s. A route is one trip from the store and back.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
from pathlib import Path

RADIUS_M = 3000
DETOUR = 1.35
UNIT_S = 3.6 / 15  # seconds to ride one metre at 15 km/h
CAPACITY = 6
WINDOW = round(30 * 60 / UNIT_S)
OPENS_WITHIN = round(60 * 60 / UNIT_S)
SERVICE = round(2 * 60 / UNIT_S)
DEPOT_DUE = round(120 * 60 / UNIT_S)


def instance_text(seed: int, customers: int = 100) -> str:
    rng = random.Random(seed)
    rows = [(0, 0, 0, 0, 0, DEPOT_DUE, 0)]
    for number in range(1, customers + 1):
        r, angle = RADIUS_M * math.sqrt(rng.random()), rng.uniform(0, 2 * math.pi)
        ready = rng.randrange(OPENS_WITHIN)
        x, y = round(r * DETOUR * math.cos(angle)), round(r * DETOUR * math.sin(angle))
        rows.append((number, x, y, rng.randint(1, 3), ready, ready + WINDOW, SERVICE))
    lines = [f"STORE{seed}", "", "VEHICLE", "NUMBER     CAPACITY", f"  {customers:<9} {CAPACITY}"]
    lines += ["", "CUSTOMER", "CUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   "
              "SERVICE   TIME", ""]  # fmt: skip
    lines += ["  ".join(f"{value:>8}" for value in row) for row in rows]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.solomon_store", description=__doc__)
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--customers", type=int, default=100)
    parser.add_argument("--out", type=Path, default=Path("/tmp/omo-store"))
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for seed in (int(s) for s in args.seeds.split(",")):
        path = args.out / f"store{seed}.txt"
        path.write_text(instance_text(seed, args.customers))
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
