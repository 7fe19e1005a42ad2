"""One order the whole way: paid in the app, picked and packed on a handheld, routed by the
dispatcher, taken out and handed over by a rider against the shopper's code, and the orders
service following it to `delivered` with every stage timed."""

from __future__ import annotations

import httpx

from shared.db import create_pool
from tests.eventually import eventually
from tests.integration import picking
from tests.integration.apps import client
from tests.integration.delivering import RIDER_1, command, dispatch_now
from tests.integration.shopping import CABBAGE, SHOPPER, place_and_pay

STORE = "kobe-sannomiya"


async def test_an_order_goes_from_the_app_to_the_door(orders, database, delivery_url):
    order_id = (await place_and_pay(orders, {"sku": CABBAGE, "quantity": 1}))["order_id"]
    await picking.handle_all(database)
    async with client("fulfillment", database) as fulfillment:
        batch = await picking.pick_all(fulfillment, await picking.claim(fulfillment))
        await picking.pack_one_bag(fulfillment, batch, order_id)

    async with httpx.AsyncClient(base_url=delivery_url, timeout=10) as delivery:
        shift = await delivery.post(
            "/v1/riders/me/shift",
            json={"store_id": STORE, "action": "start"},
            headers=command(RIDER_1),
        )
        assert shift.status_code == 200, shift.text
        pool = await create_pool(database)
        try:

            async def ready():
                row = await pool.fetchrow(
                    "SELECT status FROM delivery.deliveries WHERE order_id = $1", order_id
                )
                return row and row["status"] == "ready"

            await eventually(ready, "delivery to learn the order is packed", 20)
            run = await dispatch_now(pool, database, "journey")
        finally:
            await pool.close()
        assert run is not None and run.committed == 1

        route = (await delivery.get("/v1/riders/me/route", headers=RIDER_1)).json()
        bags = route["stops"][0]["bags"]
        assert bags == [f"{order_id}-produce-1"]
        out = await delivery.post(
            f"/v1/routes/{route['route_id']}/pickup", json={"bags": bags}, headers=command(RIDER_1)
        )
        assert out.status_code == 200, out.text
        tracking = (await delivery.get(f"/v1/orders/{order_id}/tracking", headers=SHOPPER)).json()
        assert tracking["status"] == "out" and tracking["eta"]
        handed = await delivery.post(
            f"/v1/deliveries/{order_id}/delivered",
            json={"code": tracking["handover_code"]},
            headers=command(RIDER_1),
        )
        assert handed.status_code == 200, handed.text

    async def view():
        return (await orders.get(f"/v1/orders/{order_id}", headers=SHOPPER)).json()

    view = await eventually(
        view, "orders to hear the order was delivered", 20, ok=lambda v: v["status"] == "delivered"
    )
    stages = view["stages"]
    assert stages["paid"] <= stages["packed"] <= stages["out_for_delivery"] <= stages["delivered"]
    assert view["amounts"]["captured"]["amount"] == view["lines"][0]["charged"]["amount"]
