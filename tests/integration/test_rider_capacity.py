"""What a rider's box carries is the store manager's to set, per store and per rider, through
the API; an order bigger than every box on shift is named on the dispatch board."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.delivery.dispatch.store import snapshot
from shared.auth import Role
from shared.db import connect
from shared.events import Bag, OrderPacked
from tests.integration.apps import bearer, client
from tests.integration.delivering import (
    MANAGER,
    RIDER_1,
    RIDER_2,
    STORE,
    command,
    emit,
    handle_delivery,
    placed,
)

CAPACITY = f"/v1/stores/{STORE}/capacity"
RIDER_1_BOX = f"/v1/stores/{STORE}/riders/rider-1/capacity"


@pytest.fixture
async def c(database, demo):
    await handle_delivery(database)  # delivery learns of the store from store.updated
    async with client("delivery", database, bus_poll_seconds=60) as c:
        yield c


async def plan_boxes(database: str) -> dict[str, int | None]:
    conn = await connect(database)
    try:
        snap = await snapshot(conn, STORE, datetime.now(UTC))
    finally:
        await conn.close()
    assert snap is not None
    return {"store": snap.bag_capacity, **{r.rider_id: r.capacity for r in snap.riders}}


async def start_shift(c, who: dict) -> None:
    r = await c.post(
        "/v1/riders/me/shift", json={"store_id": STORE, "action": "start"}, headers=command(who)
    )
    assert r.status_code in (200, 201), r.text


async def test_the_manager_sets_the_stores_box_and_a_riders_own_and_the_dispatcher_plans_them(
    c, database
):
    assert (await c.get(CAPACITY, headers=MANAGER)).json() == {"box_bags": 6, "handover_s": 120}
    r = await c.put(CAPACITY, json={"box_bags": 8, "handover_s": 90}, headers=MANAGER)
    assert r.status_code == 200 and r.json() == {"box_bags": 8, "handover_s": 90}, r.text
    assert (await c.get(CAPACITY, headers=MANAGER)).json()["box_bags"] == 8

    cargo = await c.put(RIDER_1_BOX, json={"box_bags": 14}, headers=MANAGER)
    assert cargo.json() == {"rider_id": "rider-1", "box_bags": 14, "carries": 14}, cargo.text
    store_box = await c.get(f"/v1/stores/{STORE}/riders/rider-2/capacity", headers=MANAGER)
    assert store_box.json() == {"rider_id": "rider-2", "box_bags": None, "carries": 8}
    listed = {
        r["rider_id"]: r["box_bags"]
        for r in (await c.get(f"/v1/stores/{STORE}/riders", headers=MANAGER)).json()["items"]
    }
    assert listed["rider-1"] == 14 and listed["rider-2"] is None

    await start_shift(c, RIDER_1)
    await start_shift(c, RIDER_2)
    assert await plan_boxes(database) == {"store": 8, "rider-1": 14, "rider-2": None}

    back = await c.put(RIDER_1_BOX, json={"box_bags": None}, headers=MANAGER)
    assert back.json() == {"rider_id": "rider-1", "box_bags": None, "carries": 8}
    assert (await plan_boxes(database))["rider-1"] is None


async def test_only_the_stores_manager_sets_a_box_and_a_bad_figure_names_its_field(c):
    body = {"box_bags": 6, "handover_s": 120}
    for who in (
        bearer(Role.MANAGER, store="osaka-umeda"),
        RIDER_1,
        bearer(Role.PICKER, store=STORE),
    ):
        assert (await c.put(CAPACITY, json=body, headers=who)).status_code == 403
        assert (await c.put(RIDER_1_BOX, json={"box_bags": 9}, headers=who)).status_code == 403
    for field, value in (("box_bags", 0), ("box_bags", -2), ("box_bags", 41), ("handover_s", -1)):
        r = await c.put(CAPACITY, json={**body, field: value}, headers=MANAGER)
        assert r.status_code == 400 and r.json()["field"] == field, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
    for value in (0, 500, "big"):
        r = await c.put(RIDER_1_BOX, json={"box_bags": value}, headers=MANAGER)
        assert r.status_code == 400 and r.json()["field"] == "box_bags", r.text
    stray = await c.put(CAPACITY, json={**body, "riders": 3}, headers=MANAGER)
    assert stray.status_code == 400 and stray.json()["field"] == "riders"
    nobody = await c.put(
        f"/v1/stores/{STORE}/riders/rider-99/capacity", json={"box_bags": 9}, headers=MANAGER
    )
    assert nobody.status_code == 404 and nobody.json()["field"] == "rider_id"
    elsewhere = bearer(Role.MANAGER, store="nowhere")
    missing = await c.put("/v1/stores/nowhere/capacity", json=body, headers=elsewhere)
    assert missing.status_code == 404 and missing.json()["field"] == "store_id"
    assert (await c.get(CAPACITY, headers=MANAGER)).json() == body


async def test_an_order_bigger_than_every_box_on_shift_is_named_on_the_board(c, database):
    """A box smaller than an order is allowed (the manager knows tonight's riders), but the
    order is not left waiting in silence: the board names it until a bigger box is on shift."""
    order = placed()
    bags = [Bag(code=f"B-{n}", zone="ambient", number=n, of=7) for n in range(1, 8)]
    await emit(
        database, order, OrderPacked(order_id=order.order_id, store_id=STORE, lines=[], bags=bags)
    )
    await start_shift(c, RIDER_1)
    board = f"/v1/stores/{STORE}/dispatch"
    seen = (await c.get(board, headers=MANAGER)).json()
    assert seen["needs_bigger_box"] == [order.order_id]
    assert "largest box on shift (6 bags)" in seen["alert"]
    assert seen["riders"][0]["box_bags"] == 6

    assert (await c.put(RIDER_1_BOX, json={"box_bags": 8}, headers=MANAGER)).status_code == 200
    seen = (await c.get(board, headers=MANAGER)).json()
    assert seen["needs_bigger_box"] == [] and seen["alert"] is None
