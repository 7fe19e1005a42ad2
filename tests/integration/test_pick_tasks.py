"""A paid order reaches fulfillment's queue through the bus; a cancelled one leaves it."""

from __future__ import annotations

from services.fulfillment.consumers import CONSUMERS
from shared.auth import Role
from tests.integration.apps import bearer, client
from tests.integration.picking import handle_all
from tests.integration.shopping import CABBAGE, POTATOES, SHOPPER, place_and_pay

PICKING = next(c for c in CONSUMERS if c.name == "fulfillment.picking")
STAFF = bearer(Role.PICKER, store="kobe-sannomiya")
TASKS = "/v1/stores/kobe-sannomiya/pick-tasks"


async def test_a_paid_order_becomes_pick_tasks_per_zone(orders, database):
    view = await place_and_pay(
        orders,
        {"sku": CABBAGE, "quantity": 2},
        {"sku": POTATOES, "grams": 500},
        {"sku": "SKU-10080", "grams": 300},
    )
    await handle_all(database)
    async with client("fulfillment", database) as c:
        queue = (await c.get(TASKS, headers=STAFF)).json()["items"]
    assert {t["order_id"] for t in queue} == {view["order_id"]}
    assert sum(t["lines"] for t in queue) == 3
    assert len({t["zone"] for t in queue}) == len(queue) >= 2
    async with client("fulfillment", database) as c:
        paged, cursor = [], None
        while True:
            params = {"limit": 1, **({"cursor": cursor} if cursor else {})}
            page = (await c.get(TASKS, params=params, headers=STAFF)).json()
            paged += page["items"]
            if not (cursor := page["next_cursor"]):
                break
    assert paged == queue  # one at a time, the same tasks in the same order


async def test_a_cancelled_order_leaves_the_queue_and_redelivery_adds_nothing(orders, database):
    view = await place_and_pay(orders, {"sku": CABBAGE, "quantity": 1})
    await handle_all(database)
    await handle_all(database)
    async with client("fulfillment", database) as c:
        assert len((await c.get(TASKS, headers=STAFF)).json()["items"]) == 1
        await orders.post(f"/v1/orders/{view['order_id']}/cancel", json={}, headers=SHOPPER)
        await handle_all(database)
        assert (await c.get(TASKS, headers=STAFF)).json()["items"] == []
