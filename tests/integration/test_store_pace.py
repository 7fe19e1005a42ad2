"""A store's pace, set by its manager for the evening's staff, is what promises are made at."""

from __future__ import annotations

from shared.auth import Role
from tests.integration.apps import bearer, client
from tests.integration.delivering import (
    MANAGER,
    MEMBER,
    STORE,
    handle_delivery,
    rider_on_duty,
    rows,
)

PACE = f"/v1/stores/{STORE}/pace"
NEARBY = {"store_id": STORE, "lat": 34.6937, "lng": 135.1955}


async def test_a_busier_floor_keeps_the_30_minute_promise_with_the_same_queue(database, demo):
    await handle_delivery(database)  # delivery learns of the store from store.updated
    await rider_on_duty(database)
    await rows(
        database,
        "INSERT INTO delivery.backlog (store_id, order_id, fulfilment, promise_at) "
        "SELECT $1, 'ord_' || n, 'delivery', now() FROM generate_series(1, 60) n RETURNING 1",
        STORE,
    )
    shopper = bearer(Role.SHOPPER, member=MEMBER)
    async with client("delivery", database, bus_poll_seconds=60) as c:
        assert (await c.get(PACE, headers=MANAGER)).json()["orders_per_hour"] == 120
        slow = (await c.post("/v1/quotes", json=NEARBY, headers=shopper)).json()
        assert slow["meets_30_minutes"] is False and "60 orders ahead" in slow["reason"]

        pace = {"orders_per_hour": 600, "detour_factor": 1.3, "rider_speed_kmh": 18}
        r = await c.put(PACE, json=pace, headers=MANAGER)
        assert r.status_code == 200 and r.json() == pace
        assert (await c.get(PACE, headers=MANAGER)).json() == pace
        fast = (await c.post("/v1/quotes", json=NEARBY, headers=shopper)).json()
        assert fast["meets_30_minutes"] is True and fast["reason"] is None


async def test_only_the_stores_manager_sets_a_sensible_pace(database, demo):
    await handle_delivery(database)
    pace = {"orders_per_hour": 300, "detour_factor": 1.35, "rider_speed_kmh": 15}
    async with client("delivery", database, bus_poll_seconds=60) as c:
        for who in (bearer(Role.MANAGER, store="osaka-umeda"), bearer(Role.PICKER, store=STORE)):
            assert (await c.put(PACE, json=pace, headers=who)).status_code == 403
        for field, value in (("orders_per_hour", 0), ("detour_factor", 0.5)):
            r = await c.put(PACE, json={**pace, field: value}, headers=MANAGER)
            assert r.status_code == 400 and r.json()["field"] == field, r.text
        stray = await c.put(PACE, json={**pace, "riders": 3}, headers=MANAGER)
        assert stray.status_code == 400 and stray.json()["field"] == "riders"
        elsewhere = bearer(Role.MANAGER, store="nowhere")
        missing = await c.put("/v1/stores/nowhere/pace", json=pace, headers=elsewhere)
        assert missing.status_code == 404 and missing.json()["field"] == "store_id"
        assert (await c.get(PACE, headers=MANAGER)).json()["orders_per_hour"] == 120
