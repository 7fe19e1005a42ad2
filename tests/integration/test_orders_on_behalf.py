"""Nobody left behind, end to end: a member registered at the counter without a phone, an order
staff place for them through checkout's own use cases, paid by card at the counter, picked,
settled, ridden by the real delivery service and handed over against the code on the receipt,
followed all the way by the receipt's tracking code with no account. The stack is the suite's
real one: the orders app with its consumers, delivery serving HTTP with its own, localstripe."""

from __future__ import annotations

import uuid

import httpx

from shared.auth import Role
from shared.barcodes import ean13
from shared.bus import publish
from shared.clock import Clock
from shared.db import connect, init_connection
from shared.events import PackedLine, Substitute, SubstitutionProposed
from shared.money import Money
from tests.eventually import eventually
from tests.integration.apps import bearer, metric
from tests.integration.delivering import assign_route, rows
from tests.integration.shopping import CABBAGE, KOBE, POTATOES, key, pack

STORE = "kobe-sannomiya"
CASHIER = bearer(Role.CASHIER, store=STORE, subject="cashier-7")
MANAGER = bearer(Role.MANAGER, store=STORE)
RIDER = bearer(Role.RIDER, store=STORE, subject="rider-5")  # on shift (the orders fixture)
BEHALF = f"/v1/stores/{STORE}/orders-on-behalf"
TRACKED_FIELDS = {
    *("tracking_code", "store_id", "timezone", "fulfilment", "status", "promise_at", "eta"),
    *("pickup_slot", "stages"),
}


async def register(orders, **body) -> dict:
    body = {"name": "Tanaka Hanako", "address": KOBE, **body}
    r = await orders.post(f"/v1/stores/{STORE}/members", json=body, headers={**CASHIER, **key()})
    assert r.status_code == 201, r.text
    return r.json()


async def place_for(orders, **body) -> dict:
    r = await orders.post(BEHALF, json=body, headers={**CASHIER, **key()})
    assert r.status_code == 201, r.text
    return r.json()


async def paid_pickup(orders, *, quantity: int) -> dict:
    """A new counter member's pickup of cabbages, paid by card at the counter; its receipt."""
    member = await register(orders)
    receipt = await place_for(
        orders,
        member_id=member["member_id"],
        fulfilment="pickup",
        lines=[{"sku": CABBAGE, "quantity": quantity}],
    )
    paid = await orders.post(
        f"{BEHALF}/{receipt['order']['order_id']}/confirm-payment", json={}, headers=CASHIER
    )
    assert paid.status_code == 200, paid.text
    return receipt


async def as_staff(orders, order_id: str) -> dict:
    return (await orders.get(f"/v1/orders/{order_id}", headers=MANAGER)).json()


async def packed_and_out(orders, database, delivery_url, order_id: str, *lines: PackedLine) -> None:
    """Fulfillment packs the order (one bag), payments settles it, delivery has its bags, and
    the rider (a route as the dispatcher commits one) takes them out."""
    await pack(database, order_id, *lines)
    await eventually(
        lambda: as_staff(orders, order_id),
        "the order settled",
        ok=lambda v: v["status"] == "packed",
    )
    await eventually(
        lambda: rows(
            database, "SELECT status FROM delivery.deliveries WHERE order_id = $1", order_id
        ),
        "delivery to have the bags",
        ok=lambda r: r and r[0]["status"] == "ready",
    )
    route_id = await assign_route(database, "rider-5", [order_id])
    async with httpx.AsyncClient(base_url=delivery_url) as rider:
        out = await rider.post(
            f"/v1/routes/{route_id}/pickup",
            json={"bags": [f"{order_id}-produce-1"]},
            headers={**RIDER, **key()},
        )
    assert out.status_code == 200, out.text


async def hand_over(rider: httpx.AsyncClient, order_id: str, code: str) -> httpx.Response:
    return await rider.post(
        f"/v1/deliveries/{order_id}/delivered", json={"code": code}, headers={**RIDER, **key()}
    )


async def test_a_member_without_a_phone_gets_a_delivery_tracked_and_handed_over_by_code(
    orders, database, delivery_url
):
    member = await register(orders, substitution="any")
    [row] = await rows(
        database, "SELECT phone, name FROM orders.members WHERE member_id = $1", member["member_id"]
    )
    assert row == {"phone": None, "name": "Tanaka Hanako"}

    # Named by the card they show; their address and standing preference unless told otherwise.
    receipt = await place_for(
        orders,
        member_code=member["card_code"].lower(),
        fulfilment="delivery",
        lines=[
            {"sku": CABBAGE, "quantity": 1},
            {"sku": POTATOES, "grams": 500, "substitution": "none"},
        ],
    )
    order_id = receipt["order"]["order_id"]
    assert receipt["order"]["status"] == "awaiting_payment"
    assert [x["substitution"] for x in receipt["order"]["lines"]] == ["any", "none"]
    assert receipt["promise_local"].endswith("JST")
    code, handover = receipt["tracking_code"], receipt["handover_code"]
    assert len(handover) == 4 and handover.isdigit()
    [placed] = await rows(
        database, "SELECT member_id, address_text FROM orders.orders WHERE order_id = $1", order_id
    )
    assert placed == {"member_id": member["member_id"], "address_text": KOBE["text"]}

    # Card at the counter (the terminal confirms the app's PaymentIntent), then placed.
    counted = {"store": STORE, "channel": "counter", "fulfilment": "delivery"}
    before = await metric(orders, "omo_orders_placed_total", **counted)
    paid = await orders.post(f"{BEHALF}/{order_id}/confirm-payment", json={}, headers=CASHIER)
    assert paid.status_code == 200, paid.text
    assert paid.json()["order"]["status"] == "placed"
    assert paid.json()["tracking_code"] == code
    assert await metric(orders, "omo_orders_placed_total", **counted) == before + 1

    # Anyone holding the receipt follows it, with no account; the order's progress and no more.
    tracked = await orders.get(f"/v1/tracking/{code.lower().replace('-', '')}")
    assert tracked.status_code == 200, tracked.text
    assert set(tracked.json()) == TRACKED_FIELDS
    assert tracked.json()["status"] == "placed"
    for personal in (member["member_id"], "Tanaka", KOBE["text"], CABBAGE):
        assert personal not in tracked.text

    # Delivery took the hand-over code the receipt printed.
    delivery = await eventually(
        lambda: rows(database, "SELECT * FROM delivery.deliveries WHERE order_id = $1", order_id),
        "delivery to hear of the order",
    )
    assert delivery[0]["handover_code"] == handover

    # Picked and packed as any order, settled by payments; the rider hands it over.
    packed = [
        PackedLine(line_no=1, sku=CABBAGE, picked=1),
        PackedLine(line_no=2, sku=POTATOES, picked=480),
    ]
    await packed_and_out(orders, database, delivery_url, order_id, *packed)
    async with httpx.AsyncClient(base_url=delivery_url) as rider:
        wrong = "0000" if handover != "0000" else "1111"
        refused = await hand_over(rider, order_id, wrong)
        assert refused.status_code == 422
        handed = await hand_over(rider, order_id, handover)
        assert handed.status_code == 200, handed.text

    there = await eventually(
        lambda: orders.get(f"/v1/tracking/{code}"),
        "tracking to show the order delivered",
        ok=lambda r: r.json()["status"] == "delivered",
    )
    assert {"paid", "packed", "out_for_delivery", "delivered"} <= set(there.json()["stages"])
    assert (await as_staff(orders, order_id))["delivery"]["proof"] == "code"


async def test_staff_decide_a_substitute_on_the_members_word(orders, database):
    receipt = await paid_pickup(orders, quantity=2)
    order_id = receipt["order"]["order_id"]
    assert receipt["handover_code"] is None  # a pickup is collected against its pickup code
    proposal = SubstitutionProposed(
        substitution_id=f"sub_{uuid.uuid4().hex}",
        order_id=order_id,
        store_id=STORE,
        line_no=1,
        short_by=1,
        substitute=Substitute(
            sku=POTATOES,
            name_en="Potatoes",
            name_ja="じゃがいも",
            unit="kg",
            quantity=300,
            unit_price=Money(400, "JPY"),
        ),
        decide_by=Clock().now().replace(year=2099),
    )
    conn = await connect(database)
    try:
        await init_connection(conn)
        async with conn.transaction():
            await publish(conn, proposal, occurred_at=Clock().now())
    finally:
        await conn.close()
    path = f"{BEHALF}/{order_id}/substitutions/{proposal.substitution_id}"
    decided = await eventually(
        lambda: orders.post(path, json={"approve": True}, headers=CASHIER),
        "the proposal to reach the order",
        ok=lambda r: r.status_code != 404,
    )
    assert decided.status_code == 200, decided.text
    assert (decided.json()["approved"], decided.json()["decided_by"]) == (True, "shopper")
    # Another store's staff cannot decide for it.
    elsewhere = bearer(Role.CASHIER, store="osaka-umeda")
    other = f"/v1/stores/osaka-umeda/orders-on-behalf/{order_id}/substitutions/x"
    assert (await orders.post(other, json={"approve": False}, headers=elsewhere)).status_code == 404


async def test_tracking_by_code_is_rate_limited_per_address_misses_included(orders):
    for _ in range(30):
        assert (await orders.get("/v1/tracking/AAAAA-AAAAA")).status_code == 404
    refused = await orders.get("/v1/tracking/AAAAA-AAAAA")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1


async def test_a_phone_already_a_members_is_refused_at_the_counter(orders):
    await register(orders, phone="+819011112222")
    r = await orders.post(
        f"/v1/stores/{STORE}/members",
        json={"name": "Someone Else", "phone": "+819011112222"},
        headers={**CASHIER, **key()},
    )
    assert r.status_code == 409 and r.json()["field"] == "phone"


async def test_a_printed_card_attaches_its_member_to_a_till_sale(orders, database):
    member = await register(orders)
    sale = {
        "barcodes": [ean13("490000010001")],  # the cabbage's JAN code
        "member_code": member["card_code"],
        "tender": {"kind": "cash", "received": {"amount": 10_000, "currency": "JPY"}},
    }
    r = await orders.post(f"/v1/stores/{STORE}/sales", json=sale, headers={**CASHIER, **key()})
    assert r.status_code == 201, r.text
    assert r.json()["member_id"] == member["member_id"]


async def test_a_counter_member_who_signs_in_later_and_deletes_their_account_is_forgotten(
    orders, database
):
    phone = "+819033334444"
    member = await register(orders, phone=phone, nudges="sms")
    sent = await orders.post("/v1/members/otp", json={"phone": phone})
    body = {"phone": phone, "code": sent.json()["dev_code"]}
    signed_in = (await orders.post("/v1/members/verify", json=body, headers=key())).json()
    assert (signed_in["member_id"], signed_in["created"]) == (member["member_id"], False)

    me = {"Authorization": f"Bearer {signed_in['token']}"}
    assert (await orders.delete("/v1/me", headers=me)).status_code == 204
    # Every column the counter added, checked one by one.
    [row] = await rows(
        database,
        "SELECT phone, name, address_text, address_lat, address_lng, card_hash, nudge_channel,"
        " nudge_consent_at FROM orders.members WHERE member_id = $1",
        member["member_id"],
    )
    assert set(row.values()) == {None}
    sale = {
        "barcodes": [ean13("490000010001")],
        "member_code": member["card_code"],
        "tender": {"kind": "cash", "received": {"amount": 10_000, "currency": "JPY"}},
    }
    r = await orders.post(f"/v1/stores/{STORE}/sales", json=sale, headers={**CASHIER, **key()})
    assert (r.status_code, r.json()["field"]) == (404, "member_code")


async def test_a_pickup_for_a_member_without_an_app_is_collected_against_the_receipts_code(
    orders, database
):
    receipt = await paid_pickup(orders, quantity=1)
    order_id, code = receipt["order"]["order_id"], receipt["tracking_code"]
    collect = f"{BEHALF}/collect"
    early = await orders.post(collect, json={"tracking_code": code}, headers=CASHIER)
    assert early.status_code == 409, early.text  # not packed yet

    await pack(database, order_id, PackedLine(line_no=1, sku=CABBAGE, picked=1))
    await eventually(
        lambda: as_staff(orders, order_id),
        "the order settled",
        ok=lambda v: v["status"] == "packed",
    )
    handed = await orders.post(collect, json={"tracking_code": code}, headers=CASHIER)
    assert handed.status_code == 200, handed.text
    assert [x["sku"] for x in handed.json()["lines"]] == [CABBAGE]
    again = await orders.post(collect, json={"tracking_code": code}, headers=CASHIER)
    assert again.status_code == 409
    assert (await orders.get(f"/v1/tracking/{code}")).json()["status"] == "collected"
    unknown = await orders.post(collect, json={"tracking_code": "AAAAA-AAAAA"}, headers=CASHIER)
    assert (unknown.status_code, unknown.json()["field"]) == (404, "tracking_code")


async def test_the_manager_erases_a_member_with_no_app_against_the_card_they_hand_over(
    orders, database
):
    member = await register(orders)
    erase = f"/v1/stores/{STORE}/members/erase"
    refused = await orders.post(erase, json={"card_code": member["card_code"]}, headers=CASHIER)
    assert refused.status_code == 403  # the manager's to do
    erased = await orders.post(erase, json={"card_code": member["card_code"]}, headers=MANAGER)
    assert erased.status_code == 204, erased.text
    [row] = await rows(
        database,
        "SELECT phone, name, address_text, card_hash, erased_at IS NOT NULL AS erased"
        " FROM orders.members WHERE member_id = $1",
        member["member_id"],
    )
    assert row == {
        "phone": None,
        "name": None,
        "address_text": None,
        "card_hash": None,
        "erased": True,
    }
    again = await orders.post(erase, json={"card_code": member["card_code"]}, headers=MANAGER)
    assert (again.status_code, again.json()["field"]) == (404, "card_code")


async def test_a_member_pays_the_rider_at_the_door_what_was_packed(orders, database, delivery_url):
    member = await register(orders)
    receipt = await place_for(
        orders,
        member_id=member["member_id"],
        fulfilment="delivery",
        payment="on_delivery",
        lines=[{"sku": POTATOES, "grams": 1000}],
    )
    order_id, order = receipt["order"]["order_id"], receipt["order"]
    # Placed at once, with no card: nothing authorized, the estimate due at the door.
    assert (receipt["payment"], order["status"], order["payment"]["intent_id"]) == (
        "on_delivery",
        "placed",
        None,
    )
    assert order["amounts"]["due"] == order["amounts"]["estimated"]
    assert order["amounts"]["authorized"]["amount"] == 0

    await packed_and_out(
        orders, database, delivery_url, order_id, PackedLine(line_no=1, sku=POTATOES, picked=1200)
    )
    going = await as_staff(orders, order_id)
    packed_total = going["lines"][0]["charged"]
    assert going["amounts"]["due"] == packed_total  # 1.2 kg, more than estimated: no card to cap
    assert packed_total["amount"] > order["amounts"]["estimated"]["amount"]
    assert going["amounts"]["captured"]["amount"] == 0
    rider_sees = await eventually(  # once orders hears the rider has it
        lambda: orders.get(f"/v1/orders/{order_id}", headers=RIDER),
        "the rider to see the order they carry",
        ok=lambda r: r.status_code == 200,
    )
    assert rider_sees.json()["amounts"]["due"] == packed_total

    async with httpx.AsyncClient(base_url=delivery_url) as rider:
        handed = await hand_over(rider, order_id, receipt["handover_code"])
        assert handed.status_code == 200, handed.text
    paid = await eventually(
        lambda: as_staff(orders, order_id),
        "the door's payment booked",
        ok=lambda v: v["status"] == "delivered",
    )
    assert paid["amounts"]["captured"] == packed_total and paid["amounts"]["due"]["amount"] == 0
    [charge] = await rows(
        database,
        "SELECT amount, gateway_id FROM orders.payments WHERE order_id = $1 AND kind = 'charge'",
        order_id,
    )
    assert charge == {"amount": packed_total["amount"], "gateway_id": "door/rider-5"}
