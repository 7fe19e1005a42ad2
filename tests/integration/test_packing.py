"""Shortages propose substitutes, the shopper's decision reaches the line, and packed orders
leave fulfillment as `order.packed` (and, for pickup, a staging slot)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from services.fulfillment.batches import packing
from services.fulfillment.batches.claiming import Policy
from shared.auth import Principal, Role
from shared.clock import Clock
from shared.db import create_pool
from shared.events import (
    OrderPacked,
    OrderReadyForPickup,
    SubstitutionDecided,
    SubstitutionProposed,
)
from tests.eventually import eventually, waiting_on_a_lock
from tests.integration.apps import client
from tests.integration.conftest import serving
from tests.integration.eventlog import published
from tests.integration.picking import (
    AOI,
    MANAGER,
    PRODUCTS,
    REN,
    STORE,
    claim,
    command,
    emit,
    line,
    paid,
    pick_all,
    scan,
)

CABBAGE, DAIKON, GREEN_ONIONS = "SKU-10001", "SKU-10002", "SKU-10007"


@pytest.fixture
def orders_url(database, demo):
    """Orders over HTTP: fulfillment asks it for substitutes."""
    with serving("orders", database_url=database, bus_poll_seconds=60) as url:
        yield url


async def short(c, batch, line_id, found):
    return await c.post(
        f"/v1/batches/{batch['batch_id']}/lines/{line_id}/short",
        json={"found": found},
        headers=command(),
    )


async def pack(c, batch, order_id, bags):
    return await c.post(
        f"/v1/batches/{batch['batch_id']}/orders/{order_id}/pack",
        json={"bags": bags},
        headers=command(),
    )


async def test_a_short_line_proposes_a_substitute_and_the_decision_reaches_the_line(
    database, orders_url
):
    order_id = await paid(database, line(1, CABBAGE, 2, substitution="any"))
    async with client("fulfillment", database, orders_url=orders_url) as c:
        batch = await claim(c)
        assert (await scan(c, batch, PRODUCTS[CABBAGE].ean, 1)).status_code == 200
        line_id = batch["current"]["line_id"]

        wrong = await short(c, batch, line_id, 2)  # found must be what was scanned
        assert wrong.status_code == 422 and wrong.json()["field"] == "found"

        r = await short(c, batch, line_id, 1)
        assert r.status_code == 200, r.text
        proposed = r.json()["proposed"]
        assert proposed["quantity"] == 1 and proposed["sku"] != CABBAGE
        assert PRODUCTS[proposed["sku"]].category == PRODUCTS[CABBAGE].category
        assert r.json()["batch"]["next"] == "wait"
        [event] = await published(database, "substitution.proposed", SubstitutionProposed)
        assert event.order_id == order_id and event.short_by == 1
        assert event.substitute.sku == proposed["sku"]

        blocked = await pack(c, batch, order_id, [{"zone": "produce", "count": 1}])
        assert blocked.status_code == 409 and "awaiting decision" in blocked.json()["detail"]

        decided = SubstitutionDecided(
            substitution_id=event.substitution_id,
            order_id=order_id,
            store_id=STORE,
            line_no=1,
            approved=True,
            by="shopper",
        )
        await emit(database, decided)
        await emit(database, decided)  # redelivered: changes nothing
        batch = (await c.get(f"/v1/batches/{batch['batch_id']}", headers=command())).json()
        assert batch["current"]["sku"] == proposed["sku"] and batch["current"]["substitute"]
        batch = await pick_all(c, batch)
        assert batch["next"] == "pack"
        assert batch["items"][0]["state"] == "substituted"


async def test_a_declined_substitute_or_no_preference_leaves_the_line_short(database, orders_url):
    order_id = await paid(database, line(1, CABBAGE, 1, substitution="any"), line(2, DAIKON, 1))
    async with client("fulfillment", database, orders_url=orders_url) as c:
        batch = await claim(c)
        cabbage, daikon = (i["line"]["line_id"] for i in batch["items"])
        r = await short(c, batch, daikon, 0)
        assert r.json()["proposed"] is None and "no substitutes" in r.json()["message"]
        r = await short(c, batch, cabbage, 0)
        substitution_id = r.json()["proposed"]["substitution_id"]
        await emit(
            database,
            SubstitutionDecided(
                substitution_id=substitution_id,
                order_id=order_id,
                store_id=STORE,
                line_no=1,
                approved=False,
                by="preference",
            ),
        )
        batch = (await c.get(f"/v1/batches/{batch['batch_id']}", headers=command())).json()
        assert [i["state"] for i in batch["items"]] == ["short", "short"]
        assert batch["next"] == "pack"


async def test_packing_every_zone_sends_order_packed_with_lines_bags_and_stage_times(
    database, demo
):
    order_id = await paid(database, line(1, CABBAGE, 2), line(2, "SKU-10080", 1))
    async with client("fulfillment", database) as c:
        first = await pick_all(c, await claim(c))  # produce or chilled: both are due together
        zone, later = first["zone"], ({"produce", "chilled"} - {first["zone"]}).pop()
        missing = await pack(c, first, order_id, [])
        assert missing.status_code == 422 and missing.json()["field"] == "bags"
        other = await pack(c, first, order_id, [{"zone": later, "count": 1}])
        assert other.status_code == 422 and other.json()["field"] == "bags[0].zone"

        r = await pack(c, first, order_id, [{"zone": zone, "count": 2}])
        assert r.status_code == 200, r.text
        assert [x["code"] for x in r.json()["labels"]] == [
            f"{order_id}-{zone}-1",
            f"{order_id}-{zone}-2",
        ]
        assert "bag 2 of 2" in r.json()["labels"][1]["text"]
        assert r.json()["order_packed"] is False  # the other zone is still to come
        assert r.json()["batch"]["status"] == "done"
        assert await published(database, "order.packed", OrderPacked) == []
        again = await pack(c, first, order_id, [{"zone": zone, "count": 2}])
        assert again.status_code == 409

        second = await pick_all(c, await claim(c))
        r = await pack(c, second, order_id, [{"zone": later, "count": 1}])
        assert r.json()["order_packed"] is True and r.json()["staging_slot"] is None
    [packed] = await published(database, "order.packed", OrderPacked)
    assert [(x.line_no, x.sku, x.picked) for x in packed.lines] == [
        (1, CABBAGE, 2),
        (2, "SKU-10080", 1),
    ]
    assert sorted((b.zone, b.number, b.of) for b in packed.bags) == sorted(
        [(zone, 1, 2), (zone, 2, 2), (later, 1, 1)]
    )
    assert {s.zone for s in packed.stages} == {"produce", "chilled"}
    for stage in packed.stages:
        assert stage.picker_id == "picker-1"
        assert stage.claimed_at <= stage.first_scan_at <= stage.picked_at <= stage.packed_at


async def test_a_packed_pickup_order_gets_a_staging_slot_freed_when_collected(database, demo):
    from shared.events import OrderCollected

    first = await paid(database, line(1, CABBAGE), fulfilment="pickup")
    second = await paid(database, line(1, DAIKON), fulfilment="pickup")
    async with client("fulfillment", database) as c:
        batch = await pick_all(c, await claim(c))
        slots = []
        for order_id in (first, second):
            r = await pack(c, batch, order_id, [{"zone": "produce", "count": 1}])
            slots.append(r.json()["staging_slot"])
        assert slots == ["P01", "P02"]
        ready = await published(database, "order.ready_for_pickup", OrderReadyForPickup)
        assert [(e.order_id, e.slot) for e in ready] == [(first, "P01"), (second, "P02")]

        await emit(database, OrderCollected(order_id=first, store_id=STORE))
        third = await paid(database, line(1, GREEN_ONIONS), fulfilment="pickup")
        batch = await pick_all(c, await claim(c))
        r = await pack(c, batch, third, [{"zone": "produce", "count": 1}])
        assert r.json()["staging_slot"] == "P01"


async def test_a_cancelled_order_leaves_its_tote_and_the_manager_sees_the_queue(database, demo):
    from shared.events import OrderCancelled

    keep = await paid(database, line(1, CABBAGE))
    drop = await paid(database, line(1, DAIKON))
    waiting = await paid(database, line(1, "SKU-10080"))
    async with client("fulfillment", database) as c:
        batch = await claim(c)
        await emit(database, OrderCancelled(order_id=drop, store_id=STORE, reason="shopper"))
        batch = (await c.get(f"/v1/batches/{batch['batch_id']}", headers=command())).json()
        statuses = {t["order_id"]: t["status"] for t in batch["totes"]}
        assert statuses == {keep: "picking", drop: "cancelled"}
        assert {i["line"]["order_id"] for i in batch["items"]} == {keep}

        view = (await c.get(f"/v1/stores/{STORE}/fulfillment/queue", headers=MANAGER)).json()
        chilled = next(z for z in view["zones"] if z["zone"] == "chilled")
        assert chilled["queued"] == 1 and chilled["queued_lines"] == 1
        produce = next(z for z in view["zones"] if z["zone"] == "produce")
        assert produce["queued"] == 0 and produce["in_progress"] == 1
        assert [p["picker_id"] for p in view["pickers"]] == ["picker-1"]
        assert view["at_risk"] == []
        tasks = (await c.get(f"/v1/stores/{STORE}/pick-tasks", headers=MANAGER)).json()["items"]
        assert {t["order_id"]: t["status"] for t in tasks} == {keep: "claimed", waiting: "queued"}
        assert all(t["claimed_at"] for t in tasks if t["status"] == "claimed")


async def test_two_zones_packed_at_the_same_moment_send_order_packed_once(database, demo):
    """Packing one zone while another picker's packing of the order's other zone is not yet
    committed: each would see the other zone still open and neither would send
    `order.packed`, so the order would never leave the store. The second waits for the first."""
    order_id = await paid(database, line(1, CABBAGE, 2), line(2, "SKU-10080", 1))
    async with client("fulfillment", database) as c:
        batches = [await pick_all(c, await claim(c, who), who) for who in (AOI, REN)]
    policy = Policy(batch_size=4, lease=timedelta(minutes=1), decide_within=timedelta(minutes=2))
    clock = Clock(1.0)

    async def pack_zone(conn, batch: dict, picker: str):
        return await packing.pack(
            conn,
            clock,
            Principal(subject=picker, role=Role.PICKER, store_id=STORE),
            policy,
            batch_id=batch["batch_id"],
            order_id=order_id,
            bags=[packing.BagCount(zone=batch["zone"])],
        )

    pool = await create_pool(database)
    try:
        async with pool.acquire() as first, pool.acquire() as second:
            async with first.transaction():
                one = await pack_zone(first, batches[0], "picker-1")
                other = asyncio.create_task(
                    _in_transaction(second, pack_zone, batches[1], "picker-2")
                )
                await eventually(  # the second packer gets as far as it can meanwhile
                    lambda: waiting_on_a_lock(pool, second.get_server_pid()),
                    "the second packer to wait for the first",
                )
            two = await other
    finally:
        await pool.close()
    assert (one.order_packed, two.order_packed) == (False, True)
    [packed] = await published(database, "order.packed", OrderPacked)
    assert packed.order_id == order_id and {s.zone for s in packed.stages} == {
        batches[0]["zone"],
        batches[1]["zone"],
    }


async def _in_transaction(conn, work, *args):
    async with conn.transaction():
        return await work(conn, *args)
