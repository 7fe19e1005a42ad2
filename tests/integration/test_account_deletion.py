"""A member deletes their account: refused while an order is on its way, then their phone,
addresses and stored replies are gone from every table that held them, orders stay for
accounting without them, and their token is refused by orders at once and by delivery once it
has heard."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import asyncpg

from services.orders.members import store as members_db
from services.orders.members.domain import Member
from tests.eventually import eventually
from tests.integration.apps import client
from tests.integration.delivering import rows
from tests.integration.shopping import CABBAGE, SHOPPER, key, order, place_and_pay, stock

MEMBER, PHONE = "mem_test_1", "+819011112222"


async def register(database: str) -> None:
    conn = await asyncpg.connect(database)
    try:
        now = datetime.now(UTC)
        await members_db.insert_member(conn, Member(member_id=MEMBER, phone=PHONE, created_at=now))
        await conn.execute(
            "INSERT INTO orders.member_codes (phone, code_hash, expires_at, sent_at)"
            " VALUES ($1, '\\x00', $2, ARRAY[$3::timestamptz])",
            PHONE,
            now + timedelta(minutes=5),
            now,
        )
    finally:
        await conn.close()


async def test_an_account_is_deleted_once_its_orders_are_done_and_nothing_personal_stays(
    orders, database, delivery_url
):
    await register(database)
    order_id = (await place_and_pay(orders, {"sku": CABBAGE, "quantity": 1}))["order_id"]

    refused = await orders.delete("/v1/me", headers=SHOPPER)
    assert refused.status_code == 409, refused.text
    assert refused.json()["type"].endswith("orders-open")
    assert refused.json()["orders"] == [order_id]

    cancelled = await orders.post(f"/v1/orders/{order_id}/cancel", json={}, headers=SHOPPER)
    assert cancelled.status_code == 200, cancelled.text
    deleted = await orders.delete("/v1/me", headers=SHOPPER)
    assert deleted.status_code == 204, deleted.text
    assert (await orders.get("/v1/me", headers=SHOPPER)).status_code == 401
    assert (await orders.delete("/v1/me", headers=SHOPPER)).status_code == 401
    before = await stock(database, CABBAGE)
    basket = order({"sku": CABBAGE, "quantity": 1})
    checkout = await orders.post("/v1/orders", json=basket, headers={**SHOPPER, **key()})
    assert checkout.status_code == 401, checkout.text  # refused by the offer's own statement
    assert await stock(database, CABBAGE) == before  # and nothing claimed
    assert await rows(database, "SELECT * FROM orders.stock_claims") == []

    # Every column that held something of the member, checked one by one.
    [member] = await rows(database, "SELECT * FROM orders.members WHERE member_id = $1", MEMBER)
    assert member["phone"] is None and member["erased_at"] is not None
    assert await rows(database, "SELECT * FROM orders.member_codes WHERE phone = $1", PHONE) == []
    [kept] = await rows(
        database,
        "SELECT status, address_text, address_lat, address_lng, client_secret, estimate"
        " FROM orders.orders WHERE member_id = $1",
        MEMBER,
    )
    assert kept["status"] == "cancelled" and kept["estimate"] > 0  # kept for accounting
    assert (kept["address_text"], kept["address_lat"], kept["address_lng"]) == ("", None, None)
    assert kept["client_secret"] is None
    payloads = await rows(
        database, "SELECT payload FROM kernel.events WHERE payload->>'member_id' = $1", MEMBER
    )
    assert payloads and all(json.loads(p["payload"]).get("address") is None for p in payloads)
    replies = "SELECT * FROM kernel.idempotency_keys WHERE caller = $1"
    assert await rows(database, replies, MEMBER) == []

    async def forgotten_by_delivery():
        doors = await rows(
            database,
            "SELECT d.address_text, d.lat = s.lat AND d.lng = s.lng AS at_store"
            " FROM delivery.deliveries d JOIN delivery.stores s USING (store_id)"
            " WHERE d.member_id = $1",
            MEMBER,
        )
        return (
            doors
            if doors and all(d == {"address_text": "", "at_store": True} for d in doors)
            else None
        )

    await eventually(forgotten_by_delivery, "delivery forgets the member's doors", timeout=20)
    async with client("delivery", database) as delivery:
        tracking = await delivery.get(f"/v1/orders/{order_id}/tracking", headers=SHOPPER)
    assert tracking.status_code == 401, tracking.text
