"""Bags an order takes: the simulator's baskets bagged one zone at a time (the old way) and by
the store's packing rule, zones of a cold-chain group sharing a bag (the simulator's pickers).

    python -m bench.bags [--orders 2000] [--seed 7] [--lines-per-bag 6]

The baskets are the simulator's own (infra.simulate.shoppers.basket on the demo catalogue);
each order's zones are packed in a random order, as batches of different zones finish.
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
from collections import defaultdict

import msgspec

from infra.seed import demo_catalog
from infra.simulate.pickers import bagging
from infra.simulate.shoppers import basket
from services.fulfillment.batches.bagging import PackedBag, PackingRule, fill, open_bags
from shared.events import Bag, Zone


class _Catalog:
    """What `basket` reads of a world: the catalogue, everything in stock."""

    def __init__(self) -> None:
        self.catalog = [
            {"sku": p.sku, "unit": p.unit, "in_stock": True, "available": 10_000}
            for p, _ in demo_catalog()
        ]


def bags_alone(zone_lines: dict[Zone, int], per_bag: int) -> int:
    return sum(max(1, math.ceil(n / per_bag)) for n in zone_lines.values())


def bags_shared(zone_lines: dict[Zone, int], rule: PackingRule, rng: random.Random) -> int:
    """Pack zone by zone in a random order as the simulator's pickers do; count the bags."""
    packed: list[PackedBag] = []
    zones = list(zone_lines)
    rng.shuffle(zones)
    for zone in zones:
        share = open_bags(rule, zone, packed)
        tote = {"lines": zone_lines[zone], "share": msgspec.to_builtins(share)}
        how = bagging(tote, rule.lines_per_bag)
        into = next((b for b in share if b.code == how.get("into")), None)
        split = fill(zone_lines[zone], how["count"], into, "bags[0]")
        if into is not None:
            packed = [
                PackedBag(bag=b.bag, zones=[*b.zones, zone], lines=(b.lines or 0) + split.into)
                if b.bag.code == into.code
                else b
                for b in packed
            ]
        for n, lines in enumerate(split.new, start=1):
            bag = Bag(code=f"{zone}-{n}", zone=zone, number=n, of=len(split.new))
            packed.append(PackedBag(bag=bag, zones=[zone], lines=lines))
    return len(packed)


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--orders", type=int, default=2000)
    args.add_argument("--seed", type=int, default=7)
    args.add_argument("--lines-per-bag", type=int, default=6)
    opts = args.parse_args()
    rule = PackingRule(lines_per_bag=opts.lines_per_bag)
    zone_of = {p.sku: p.zone for p, _ in demo_catalog()}
    world, rng = _Catalog(), random.Random(opts.seed)
    alone, shared, lines, zones = [], [], [], []
    for _ in range(opts.orders):
        per_zone: dict[Zone, int] = defaultdict(int)
        for line in basket(world, rng):  # type: ignore[arg-type]  # a catalog, not a World
            per_zone[zone_of[line["sku"]]] += 1
        alone.append(bags_alone(per_zone, rule.lines_per_bag))
        shared.append(bags_shared(per_zone, rule, rng))
        lines.append(sum(per_zone.values()))
        zones.append(len(per_zone))
    print(f"{opts.orders} simulator baskets (seed {opts.seed}), {rule.lines_per_bag} lines a bag")
    print(f"  lines an order       {statistics.mean(lines):.2f}")
    print(f"  zones an order       {statistics.mean(zones):.2f}")
    for name, bags in (("a bag set per zone", alone), ("shared by the rule", shared)):
        p90 = sorted(bags)[int(0.9 * len(bags))]
        print(f"  {name:<20} mean {statistics.mean(bags):.2f}  p90 {p90}  max {max(bags)}")


if __name__ == "__main__":
    main()
