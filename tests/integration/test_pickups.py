"""Pickup by QR code: shown once packed, transferable as a gift, collected once at the counter.

Orders are placed for real (delivery's quote over HTTP, localstripe, the `orders` fixture); most
tests set the packed status with SQL, one packs through `order.packed` and settlement.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import asyncpg
import httpx
import pytest

from shared.auth import Role
from shared.clock import Clock
from shared.events import PackedLine
from tests.integration import shopping
from tests.integration.apps import bearer, new_store
from tests.integration.conftest import serving

STORE = "kobe-sannomiya"
SHOPPER = shopping.SHOPPER
CASHIER = bearer(Role.CASHIER, store=STORE)
REDEEM = f"/v1/stores/{STORE}/pickups/redeem"
CABBAGE, POTATOES = shopping.CABBAGE, shopping.POTATOES


def gifting(shopper: dict = SHOPPER, key: str | None = None) -> dict:
    """A transfer's headers: the shopper's token and an Idempotency-Key of its own."""
    return {**shopper, "Idempotency-Key": key or shopping.key()["Idempotency-Key"]}


async def sql(database: str, query: str, *args) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(database)
    try:
        return await conn.fetch(query, *args)
    finally:
        await conn.close()


async def place(orders, shopper: dict = SHOPPER, fulfilment: str = "pickup") -> str:
    """A paid order of 2 cabbages and 750 g of potatoes; its id."""
    body = {
        "store_id": STORE,
        "fulfilment": fulfilment,
        "lines": [{"sku": CABBAGE, "quantity": 2}, {"sku": POTATOES, "grams": 750}],
    }
    if fulfilment == "delivery":
        body["address"] = {"lat": 34.695, "lng": 135.2, "text": "1-1 Sannomiya-cho, Kobe"}
    placed = await orders.post("/v1/orders", json=body, headers={**shopper, **shopping.key()})
    assert placed.status_code == 201, placed.text
    order_id = placed.json()["order_id"]
    paid = await orders.post(f"/v1/orders/{order_id}/confirm-payment", json={}, headers=shopper)
    assert paid.json()["status"] == "placed", paid.text
    return order_id


async def mark_packed(database: str, order_id: str, status: str = "packed") -> None:
    await sql(
        database, "UPDATE orders.orders SET status = $2 WHERE order_id = $1", order_id, status
    )


async def packed_code(orders, database, shopper: dict = SHOPPER) -> tuple[str, str]:
    """A packed pickup order and its code: (order_id, payload)."""
    order_id = await place(orders, shopper)
    await mark_packed(database, order_id)
    shown = await orders.get(f"/v1/orders/{order_id}/pickup-code", headers=shopper)
    assert shown.status_code == 200, shown.text
    return order_id, shown.json()["payload"]


async def collected_events(database: str, order_id: str) -> int:
    rows = await sql(
        database,
        "SELECT count(*) FROM kernel.events WHERE topic = 'order.collected' AND key = $1",
        order_id,
    )
    return rows[0][0]


async def test_the_pickup_code_is_refused_before_packing_and_shown_after(orders, database):
    order_id = await place(orders)
    early = await orders.get(f"/v1/orders/{order_id}/pickup-code", headers=SHOPPER)
    assert early.status_code == 409
    assert (early.json()["detail"], early.json()["field"]) == ("not packed yet", "order_id")
    assert await sql(database, "SELECT * FROM orders.pickup_codes") == []
    await mark_packed(database, order_id, "ready_for_pickup")
    shown = await orders.get(f"/v1/orders/{order_id}/pickup-code", headers=SHOPPER)
    again = await orders.get(f"/v1/orders/{order_id}/pickup-code", headers=SHOPPER)
    assert shown.status_code == 200, shown.text
    assert shown.json()["payload"].startswith(f"OMOP1.{STORE}.{order_id}.1.")
    assert (shown.json()["version"], shown.json()["store_id"]) == (1, STORE)
    assert again.json() == shown.json()  # showing it again issues nothing new


async def test_a_code_collects_the_order_once_and_lists_what_to_hand_over(orders, database):
    order_id, payload = await packed_code(orders, database)
    first = await orders.post(REDEEM, json={"payload": payload}, headers=CASHIER)
    second = await orders.post(REDEEM, json={"payload": payload}, headers=CASHIER)
    assert first.status_code == 200, first.text
    handed = first.json()
    assert handed["order_id"] == order_id
    assert [(x["sku"], x["unit"], x["quantity"]) for x in handed["lines"]] == [
        (CABBAGE, "each", 2),
        (POTATOES, "kg", 750),
    ]
    assert all(x["name_en"] and x["name_ja"] for x in handed["lines"])
    assert second.status_code == 409
    assert second.json()["detail"].startswith("already collected at ")
    assert second.json()["detail"].endswith(" JST")  # the store's time, for the counter
    assert second.json()["collected_at"] == handed["collected_at"].replace("Z", "+00:00")
    view = (await orders.get(f"/v1/orders/{order_id}", headers=SHOPPER)).json()
    assert view["status"] == "collected" and "collected" in view["stages"]
    assert await collected_events(database, order_id) == 1
    row = (await sql(database, "SELECT collected_by FROM orders.pickup_codes"))[0]
    assert row["collected_by"] == f"cashier@{STORE}"
    after = await orders.get(f"/v1/orders/{order_id}/pickup-code", headers=SHOPPER)
    assert after.status_code == 409 and after.json()["detail"].startswith("already collected")


async def test_the_store_manager_may_redeem_too(orders, database):
    _, payload = await packed_code(orders, database)
    manager = bearer(Role.MANAGER, store=STORE)
    assert (
        await orders.post(REDEEM, json={"payload": payload}, headers=manager)
    ).status_code == 200


async def test_after_a_transfer_the_old_code_is_refused_and_the_new_one_works(orders, database):
    order_id, old = await packed_code(orders, database)
    gift = {"to_phone": "+819012345678", "note": "お誕生日おめでとう"}
    moved = await orders.post(
        f"/v1/orders/{order_id}/pickup-code/transfer", json=gift, headers=gifting()
    )
    assert moved.status_code == 200, moved.text
    new = moved.json()["payload"]
    assert moved.json()["version"] == 2 and new.startswith(f"OMOP1.{STORE}.{order_id}.2.")
    stale = await orders.post(REDEEM, json={"payload": old}, headers=CASHIER)
    assert stale.status_code == 409
    assert stale.json()["detail"] == "this code was transferred; ask for the new one"
    assert await collected_events(database, order_id) == 0
    fresh = await orders.post(REDEEM, json={"payload": new}, headers=CASHIER)
    assert fresh.status_code == 200, fresh.text
    row = (await sql(database, "SELECT version, gift_phone, gift_note FROM orders.pickup_codes"))[0]
    assert tuple(row) == (2, gift["to_phone"], gift["note"])


async def test_transferring_again_without_a_body_takes_the_gift_back(orders, database):
    order_id, _ = await packed_code(orders, database)
    transfer = f"/v1/orders/{order_id}/pickup-code/transfer"
    to_friend = (await orders.post(transfer, json={"note": "for you"}, headers=gifting())).json()
    back = await orders.post(transfer, headers=gifting())
    assert back.status_code == 200, back.text
    assert back.json()["version"] == 3
    shown = await orders.get(f"/v1/orders/{order_id}/pickup-code", headers=SHOPPER)
    assert shown.json()["payload"] == back.json()["payload"]
    refused = await orders.post(REDEEM, json={"payload": to_friend["payload"]}, headers=CASHIER)
    assert refused.status_code == 409


async def test_a_transfer_repeated_with_its_key_gives_the_same_code_and_no_newer_one(
    orders, database
):
    order_id, _ = await packed_code(orders, database)
    transfer = f"/v1/orders/{order_id}/pickup-code/transfer"
    gift = {"note": "for you"}
    first = await orders.post(transfer, json=gift, headers=gifting(key="gift-0001"))
    again = await orders.post(transfer, json=gift, headers=gifting(key="gift-0001"))
    keyless = await orders.post(transfer, json=gift, headers=SHOPPER)
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    assert keyless.status_code == 400 and keyless.json()["field"] == "Idempotency-Key"
    version = await sql(database, "SELECT version FROM orders.pickup_codes")
    assert version[0]["version"] == 2  # one transfer: the code the friend holds still works
    fresh = await orders.post(REDEEM, json={"payload": first.json()["payload"]}, headers=CASHIER)
    assert fresh.status_code == 200, fresh.text


async def test_a_code_cannot_be_transferred_before_packing(orders, database):
    order_id = await place(orders)
    moved = await orders.post(f"/v1/orders/{order_id}/pickup-code/transfer", headers=gifting())
    assert (moved.status_code, moved.json()["detail"]) == (409, "not packed yet")


async def test_a_transfer_with_a_malformed_phone_is_a_400(orders, database):
    order_id, _ = await packed_code(orders, database)
    moved = await orders.post(
        f"/v1/orders/{order_id}/pickup-code/transfer", json={"to_phone": "090"}, headers=gifting()
    )
    assert (moved.status_code, moved.json()["field"]) == (400, "to_phone")


async def test_another_stores_staff_may_not_redeem_here(orders, database):
    _, payload = await packed_code(orders, database)
    for role in (Role.CASHIER, Role.MANAGER):
        other = bearer(role, store="osaka-umeda")
        refused = await orders.post(REDEEM, json={"payload": payload}, headers=other)
        assert refused.status_code == 403
    picker = bearer(Role.PICKER, store=STORE)
    assert (await orders.post(REDEEM, json={"payload": payload}, headers=picker)).status_code == 403


async def test_a_code_of_another_store_is_not_this_stores_order(orders, database):
    service = bearer(Role.SERVICE)
    opened = await orders.post(
        "/v1/stores", json=new_store(), headers={**service, "Idempotency-Key": "open-osaka-umeda"}
    )
    assert opened.status_code == 201
    order_id, payload = await packed_code(orders, database)
    there = await orders.post(
        "/v1/stores/osaka-umeda/pickups/redeem",
        json={"payload": payload},
        headers=bearer(Role.CASHIER, store="osaka-umeda"),
    )
    assert there.status_code == 404
    assert (there.json()["detail"], there.json()["field"]) == ("not this store's order", "payload")
    status = await sql(database, "SELECT status FROM orders.orders WHERE order_id = $1", order_id)
    assert status[0]["status"] == "packed"


@pytest.mark.parametrize(
    "tamper",
    [
        lambda p: p.replace(".1.", ".2.", 1),
        lambda p: p[:-2] + ("AA" if not p.endswith("AA") else "BB"),
        lambda p: "garbage",
    ],
    ids=["version", "signature", "not-a-code"],
)
async def test_a_tampered_code_is_a_422_and_collects_nothing(orders, database, tamper):
    order_id, payload = await packed_code(orders, database)
    refused = await orders.post(REDEEM, json={"payload": tamper(payload)}, headers=CASHIER)
    assert refused.status_code == 422
    assert refused.json()["field"] == "payload"
    assert await collected_events(database, order_id) == 0


async def test_concurrent_redeems_collect_once(orders, database, delivery_url, stripe_url):
    order_id, payload = await packed_code(orders, database)
    tills = [bearer(Role.CASHIER, store=STORE, subject=f"till-{n}") for n in range(10)]
    # Over real HTTP: the in-process test client runs one request at a time.
    with serving(
        "orders", database_url=database, delivery_url=delivery_url, stripe_api_base=stripe_url
    ) as url:
        async with httpx.AsyncClient(base_url=url, timeout=30) as http:
            responses = await asyncio.gather(
                *(http.post(REDEEM, json={"payload": payload}, headers=till) for till in tills)
            )
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] + [409] * 9, codes
    assert await collected_events(database, order_id) == 1
    winner = next(r for r in responses if r.status_code == 200)
    assert winner.json()["order_id"] == order_id


async def test_a_shopper_cannot_get_or_transfer_someone_elses_code(orders, database):
    order_id, _ = await packed_code(orders, database)
    stranger = bearer(Role.SHOPPER, member="mem_someone_else")
    shown = await orders.get(f"/v1/orders/{order_id}/pickup-code", headers=stranger)
    moved = await orders.post(
        f"/v1/orders/{order_id}/pickup-code/transfer", headers=gifting(stranger)
    )
    assert shown.status_code == moved.status_code == 404
    version = await sql(database, "SELECT version FROM orders.pickup_codes")
    assert version[0]["version"] == 1
    cashier = await orders.get(f"/v1/orders/{order_id}/pickup-code", headers=CASHIER)
    assert cashier.status_code == 403  # only the shopper shows the code


async def test_a_delivery_order_has_no_pickup_code(orders, database):
    order_id = await place(orders, fulfilment="delivery")
    await mark_packed(database, order_id)
    shown = await orders.get(f"/v1/orders/{order_id}/pickup-code", headers=SHOPPER)
    assert shown.status_code == 404


async def test_the_counter_hands_over_what_was_packed_with_its_substitutes(orders, database):
    order_id, payload = await packed_code(orders, database)
    await sql(
        database,
        "UPDATE orders.order_lines SET picked = 1, substitute_sku = 'SKU-10002',"
        " substitute_name_en = 'Chinese cabbage', substitute_quantity = 1"
        " WHERE order_id = $1 AND line_no = 1",
        order_id,
    )
    await sql(
        database,
        "UPDATE orders.order_lines SET picked = 780 WHERE order_id = $1 AND line_no = 2",
        order_id,
    )
    handed = (await orders.post(REDEEM, json={"payload": payload}, headers=CASHIER)).json()
    cabbage, potatoes = handed["lines"]
    assert (cabbage["quantity"], cabbage["substitute"]) == (
        1,
        {"sku": "SKU-10002", "name_en": "Chinese cabbage", "quantity": 1},
    )
    assert (potatoes["quantity"], potatoes["substitute"]) == (780, None)


async def test_an_order_packed_by_fulfillment_is_collected_with_what_was_packed(orders, database):
    order_id = await place(orders)
    await shopping.pack(
        database,
        order_id,
        PackedLine(line_no=1, sku=CABBAGE, picked=2),
        PackedLine(line_no=2, sku=POTATOES, picked=780),
    )
    await shopping.settled(orders, order_id)
    shown = await orders.get(f"/v1/orders/{order_id}/pickup-code", headers=SHOPPER)
    assert shown.status_code == 200, shown.text
    handed = await orders.post(REDEEM, json={"payload": shown.json()["payload"]}, headers=CASHIER)
    assert handed.status_code == 200, handed.text
    assert [(x["sku"], x["quantity"]) for x in handed.json()["lines"]] == [
        (CABBAGE, 2),
        (POTATOES, 780),
    ]


async def test_ready_for_pickup_shows_the_slot_and_times_the_stage_once(orders, database):
    order_id = await place(orders)
    await shopping.pack(
        database,
        order_id,
        PackedLine(line_no=1, sku=CABBAGE, picked=2),
        PackedLine(line_no=2, sku=POTATOES, picked=780),
    )
    staged_at = Clock().now()
    # Published at once: the same consumer settles the packing before it reads the slot.
    first = await shopping.ready_for_pickup(database, order_id, "B-07", at=staged_at)
    await shopping.handled(database, "orders.settle_packed", first)
    view = (await orders.get(f"/v1/orders/{order_id}", headers=SHOPPER)).json()
    assert (view["status"], view["pickup_slot"]) == ("packed", "B-07")
    stage = {name: datetime.fromisoformat(at) for name, at in view["stages"].items()}
    assert stage["packed"] <= stage["ready_for_pickup"] == staged_at

    again = await shopping.ready_for_pickup(
        database, order_id, "B-07", at=staged_at + timedelta(minutes=1)
    )
    await shopping.handled(database, "orders.settle_packed", again)
    assert (await orders.get(f"/v1/orders/{order_id}", headers=SHOPPER)).json() == view
    stages = await sql(
        database,
        "SELECT count(*) FROM orders.order_stages WHERE order_id = $1 AND stage = $2",
        order_id,
        "ready_for_pickup",
    )
    assert stages[0][0] == 1
    shown = await orders.get(f"/v1/orders/{order_id}/pickup-code", headers=SHOPPER)
    assert shown.status_code == 200, shown.text


async def test_a_delivery_order_gets_no_pickup_slot(orders, database):
    order_id = await place(orders, fulfilment="delivery")
    event_id = await shopping.ready_for_pickup(database, order_id, "B-07", at=Clock().now())
    await shopping.handled(database, "orders.settle_packed", event_id)
    view = (await orders.get(f"/v1/orders/{order_id}", headers=SHOPPER)).json()
    assert view["pickup_slot"] is None and "ready_for_pickup" not in view["stages"]
