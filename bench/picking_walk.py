"""An evening of paid orders for `bench.picking`, and the walk they cost one at a time or batched.

Pure: the orders are OrderPlaced events built from the demo catalog with a seeded RNG; their
tasks come from `plan_tasks`, their batches from `plan_batch` over the queue as a claim sees it
(the `window` earliest-due tasks, as `db.candidates` locks them), their metres from
`route_length` on the seeded layout.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from infra.seed import STORE, demo_catalog
from services.fulfillment.batches.planning import Candidate, Stop, plan_batch, route_length
from services.fulfillment.domain import Bin
from services.fulfillment.tasks import ZONES, plan_tasks
from shared.events import Address, OrderPlaced, PlacedLine
from shared.money import Money

# Share of a basket's lines per zone: fresh and chilled first, frozen a small part.
ZONE_WEIGHTS = {"produce": 0.32, "chilled": 0.32, "ambient": 0.26, "frozen": 0.10}
ARRIVALS = timedelta(minutes=60)  # orders arrive over an evening's hour
PROMISE = timedelta(minutes=30)  # after arrival
PIECES = [1, 1, 2, 3]
GRAMS = [200, 300, 500, 800]  # a weighed line's quantity


def catalog() -> tuple[dict[str, list], dict[str, Bin]]:
    """The demo products by zone, and every product's bin."""
    by_zone: dict[str, list] = defaultdict(list)
    bins = {}
    for product, spot in demo_catalog():
        by_zone[product.zone].append(product)
        bins[product.sku] = spot
    return by_zone, bins


def _basket(rng: random.Random, by_zone: dict[str, list]) -> list[PlacedLine]:
    """3 to 15 distinct products, 7 on average, each line's zone drawn by ZONE_WEIGHTS."""
    size = min(15, max(3, round(rng.gauss(7, 3))))
    zones, weights = list(ZONE_WEIGHTS), list(ZONE_WEIGHTS.values())
    chosen: dict[str, Any] = {}
    while len(chosen) < size:
        product = rng.choice(by_zone[rng.choices(zones, weights)[0]])
        chosen.setdefault(product.sku, product)
    return [
        PlacedLine(
            line_no=n,
            sku=p.sku,
            name_en=p.name_en,
            name_ja=p.name_ja,
            zone=p.zone,
            unit=p.unit,
            quantity=rng.choice(GRAMS if p.unit == "kg" else PIECES),
            unit_price=Money(p.price, STORE.currency),
            substitution=rng.choice(["none", "none", "any", "same_brand"]),
            ean=p.ean,
        )
        for n, p in enumerate(chosen.values(), start=1)
    ]  # fmt: skip


def evening(n: int, seed: int, start: datetime) -> list[OrderPlaced]:
    """`n` paid orders arriving over ARRIVALS from `start`, each promised PROMISE after it
    arrived; 4 in 5 delivered (due 17 minutes before the promise), the rest picked up."""
    rng = random.Random(seed)
    by_zone, _ = catalog()
    arrivals = sorted(rng.uniform(0, ARRIVALS.total_seconds()) for _ in range(n))
    orders = []
    for i, at in enumerate(arrivals):
        delivered = rng.random() < 0.8
        lat, lng = (c + rng.uniform(-0.012, 0.012) for c in (STORE.lat, STORE.lng))
        orders.append(
            OrderPlaced(
                order_id=f"ord_bench_{seed}_{i:05d}",
                store_id=STORE.store_id,
                member_id="mem_demo",
                fulfilment="delivery" if delivered else "pickup",
                address=Address(lat=lat, lng=lng, text="Kobe") if delivered else None,
                promise_at=start + timedelta(seconds=at) + PROMISE,
                lines=_basket(rng, by_zone),
            )
        )
    return orders


def candidates(orders: Sequence[OrderPlaced], bins: dict[str, Bin]) -> list[Candidate]:
    """Every order's tasks as the planner sees them (task id: order id and zone)."""
    return [
        Candidate(
            task_id=f"{task.order_id}/{task.zone}",
            zone=task.zone,
            deadline=task.deadline,
            stops=[Stop(x.bin.aisle, x.bin.bay, x.bin.shelf) for x in task.lines if x.bin],
        )
        for order in orders
        for task in plan_tasks(order, bins)
    ]


def _walks(tasks: list[Candidate], size: int, bays: int, window: int) -> list[tuple]:
    """(zone, tasks, items, metres) of each walk: one per task with `size` 0, else the batches
    of `plan_batch` taken one after another from the earliest-due `window` (0: all) tasks."""
    if not size:
        return [(c.zone, 1, len(c.stops), route_length(c.stops, bays=bays)) for c in tasks]
    queue = sorted(tasks, key=lambda c: (c.deadline, c.task_id))
    walks = []
    while queue:
        batch = plan_batch(queue[:window] if window else queue, size=size, bays=bays)
        stops = [s for c in batch for s in c.stops]
        walks.append((batch[0].zone, len(batch), len(stops), route_length(stops, bays=bays)))
        taken = {c.task_id for c in batch}
        queue = [c for c in queue if c.task_id not in taken]
    return walks


def walking(orders: Sequence[OrderPlaced], sizes: Sequence[int], window: int) -> list[dict]:
    """Per zone and overall, per strategy (one task at a time, then each batch size): walks,
    tasks, items (lines), metres per item, metres per order (a zone's task is its order's
    part there), and the saving against one at a time."""
    _, bins = catalog()
    bays = max(b.bay for b in bins.values())
    tasks = candidates(orders, bins)
    rows = []
    single: dict[str, float] = {}
    for size in (0, *sizes):
        totals: dict[str, list] = {zone: [0, 0, 0, 0.0] for zone in (*ZONES, "all")}
        for zone, count, items, metres in _walks(tasks, size, bays, window):
            for key in (zone, "all"):
                for i, value in enumerate((1, count, items, metres)):
                    totals[key][i] += value
        for zone, (walks, count, items, metres) in totals.items():
            if not walks:
                continue
            single.setdefault(zone, metres)
            per_order = metres / (len(orders) if zone == "all" else count)
            rows.append({
                "zone": zone,
                "strategy": f"batches of {size}" if size else "one at a time",
                "walks": walks,
                "tasks": count,
                "items": items,
                "m/item": round(metres / items, 1),
                "m/order": round(per_order, 1),
                "saving": f"{1 - metres / single[zone]:.0%}" if size else "-",
            })  # fmt: skip
    order = {zone: i for i, zone in enumerate((*ZONES, "all"))}
    return sorted(rows, key=lambda r: order[r["zone"]])  # stable: strategies stay in order
