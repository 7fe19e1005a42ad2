"""The store manager before the evening: the pickers' PINs, a stock take sized to the demand,
the pace promises are made at for the staff on the floor, and what the riders' boxes carry."""

from __future__ import annotations

import math

from infra.simulate.shoppers import BASKET_SHARE, GRAMS, ZONES_PER_ORDER
from infra.simulate.stack import picker_ids, staff_prefix
from infra.simulate.world import World

SCANS_PER_ORDER = 12  # 3 to 15 lines, pieces scanned one by one (1 to 3), produce one label


async def prepare(world: World) -> None:
    await add_pickers(world)
    await stock_up(world)
    await set_pace(world)
    await set_box(world)


async def add_pickers(world: World) -> None:
    prefix = staff_prefix(world.store_id)
    for n, picker in enumerate((prefix + p for p in picker_ids(world.scenario.pickers)), start=1):
        r = await world.http.put(
            world.url("fulfillment", f"/v1/stores/{world.store_id}/pickers/{picker}"),
            json={"name": f"Sim picker {n}", "pin": f"{n:04d}"},
            headers=world.manager(),
        )
        r.raise_for_status()


async def stock_up(world: World) -> None:
    """Every product on hand for what the evening's orders and till sales are expected to take,
    three times over, so a shelf runs empty only where the scenario says (`short_share`), not
    because the demo stocks 6 to 60 pieces for a quiet day."""
    sc = world.scenario
    per_product = (sc.orders_per_hour + sc.till_sales_per_hour) * sc.hours * BASKET_SHARE
    counts = [
        {
            "sku": p["sku"],
            "on_hand": max(
                p["available"], math.ceil(3 * per_product * (GRAMS if p["unit"] == "kg" else 2))
            ),
        }
        for p in world.catalog
    ]
    r = await world.http.patch(
        world.url("orders", f"/v1/stores/{world.store_id}/stock"),
        json={"items": counts},
        headers=world.manager(),
    )
    r.raise_for_status()
    world.catalog.clear()
    await world.load_catalog()


def floor_pace(pickers: int, seconds_per_item: float, pack_seconds: float) -> int:
    """Orders an hour the pickers manage by the store's labour standard: an order's scans at
    the picking pace, and a bag-up per zone it touches."""
    per_order_s = SCANS_PER_ORDER * seconds_per_item + ZONES_PER_ORDER * pack_seconds
    return max(1, round(pickers * 3600 / per_order_s))


async def set_pace(world: World) -> None:
    """Promises are made at the pace of tonight's pickers and riders."""
    sc = world.scenario
    pace = {
        "orders_per_hour": floor_pace(sc.pickers, sc.seconds_per_item, sc.pack_seconds),
        "detour_factor": sc.detour,
        "rider_speed_kmh": sc.speed_kmh,
    }
    r = await world.http.put(
        world.url("delivery", f"/v1/stores/{world.store_id}/pace"),
        json=pace,
        headers=world.manager(),
    )
    r.raise_for_status()


async def set_box(world: World) -> None:
    """The riders' box carries the scenario's bags; the hand-over time planned stays the
    store's."""
    path = world.url("delivery", f"/v1/stores/{world.store_id}/capacity")
    now = await world.http.get(path, headers=world.manager())
    now.raise_for_status()
    r = await world.http.put(
        path, json={**now.json(), "box_bags": world.scenario.box_bags}, headers=world.manager()
    )
    r.raise_for_status()
