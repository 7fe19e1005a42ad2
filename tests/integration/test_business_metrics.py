"""The business as an operator's Prometheus sees it: orders placed and the promises checkout
asked for, counted where they happen (compared before and after: counters live for the test
process). Hand-overs and shortages are counted in their own services' tests."""

from __future__ import annotations

from tests.integration.apps import metric
from tests.integration.shopping import CABBAGE, SHOPPER, key, order, place_and_pay

STORE = "kobe-sannomiya"


async def test_a_paid_order_and_an_address_outside_the_zone_are_counted(orders):
    placed = (
        "omo_orders_placed_total",
        {"store": STORE, "channel": "app", "fulfilment": "delivery"},
    )
    on_time = ("omo_checkout_promises_total", {"store": STORE, "outcome": "in_30_minutes"})
    outside = ("omo_checkout_promises_total", {"store": STORE, "outcome": "outside_zone"})
    before = [await metric(orders, name, **labels) for name, labels in (placed, on_time, outside)]

    await place_and_pay(orders, {"sku": CABBAGE, "quantity": 1})
    far = order({"sku": CABBAGE, "quantity": 1})
    far["address"] = {**far["address"], "lat": 35.0, "lng": 135.7}  # Kyoto, not Kobe
    refused = await orders.post("/v1/orders", json=far, headers={**SHOPPER, **key()})
    assert refused.status_code == 422, refused.text

    after = [await metric(orders, name, **labels) for name, labels in (placed, on_time, outside)]
    assert [a - b for a, b in zip(after, before, strict=True)] == [1, 1, 1]
