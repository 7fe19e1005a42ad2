"""The loop back, end to end on the suite's real stack (the orders app with its consumers and its
sending job, delivery serving HTTP, localstripe): a member's till visit becomes a nudge sent
through the notifier, the member opens it, and the online order that follows is counted in the
manager's conversion; a member who has not agreed, or who ordered online already, gets none."""

from __future__ import annotations

import logging

from shared.auth import Role
from shared.barcodes import ean13
from tests.eventually import eventually
from tests.integration.apps import bearer
from tests.integration.delivering import rows
from tests.integration.shopping import CABBAGE, KOBE, key

STORE = "kobe-sannomiya"
CASHIER = bearer(Role.CASHIER, store=STORE, subject="cashier-7")
MANAGER = bearer(Role.MANAGER, store=STORE)
MILK = "SKU-10049"
CONVERSION = f"/v1/stores/{STORE}/nudges/conversion"


def jan(sku: str) -> str:
    """The demo catalog's JAN code of a sku."""
    return ean13(f"4900000{int(sku.removeprefix('SKU-')):05d}")


async def sign_up(orders, phone: str) -> dict:
    """A member signed up in the app; their bearer header."""
    sent = await orders.post("/v1/members/otp", json={"phone": phone})
    body = {"phone": phone, "code": sent.json()["dev_code"]}
    verified = await orders.post("/v1/members/verify", json=body, headers=key())
    assert verified.status_code == 200, verified.text
    return {"Authorization": f"Bearer {verified.json()['token']}"}


async def ring_up(orders, member: dict, *skus: str) -> str:
    """A till sale with the member's app code scanned; the sale's id."""
    code = (await orders.get("/v1/me/member-code", headers=member)).json()["payload"]
    sale = {
        "barcodes": [jan(s) for s in skus],
        "member_code": code,
        "tender": {"kind": "cash", "received": {"amount": 10_000, "currency": "JPY"}},
    }
    r = await orders.post(f"/v1/stores/{STORE}/sales", json=sale, headers={**CASHIER, **key()})
    assert r.status_code == 201, r.text
    return r.json()["sale_id"]


async def order_online(orders, member: dict) -> str:
    body = {
        "store_id": STORE,
        "fulfilment": "delivery",
        "address": KOBE,
        "lines": [{"sku": CABBAGE, "quantity": 1}],
        "accept_later_promise": True,
    }
    placed = await orders.post("/v1/orders", json=body, headers={**member, **key()})
    assert placed.status_code == 201, placed.text
    order_id = placed.json()["order_id"]
    paid = await orders.post(f"/v1/orders/{order_id}/confirm-payment", json={}, headers=member)
    assert paid.status_code == 200, paid.text
    return order_id


async def sale_heard(database: str, sale_id: str) -> None:
    """Wait until the nudges consumer has handled the sale's `sale.recorded`."""
    [event] = await rows(
        database,
        "SELECT id FROM kernel.events WHERE topic = 'sale.recorded' AND key = $1",
        sale_id,
    )
    await eventually(
        lambda: _handled(database, event["id"]), f"orders.nudges to hear of sale {sale_id}"
    )


async def _handled(database: str, event_id) -> bool:
    [row] = await rows(
        database,
        "SELECT count(*) AS n FROM kernel.handled_events WHERE consumer = 'orders.nudges'"
        " AND event_id = $1",
        event_id,
    )
    return row["n"] == 1


async def by_kind(orders) -> dict:
    report = (await orders.get(CONVERSION, headers=MANAGER)).json()
    return {k["kind"]: k for k in report["kinds"]} | {"all": report["total"]}


async def test_a_till_visit_nudges_the_member_and_the_online_order_that_follows_is_counted(
    orders, database, caplog
):
    caplog.set_level(logging.INFO, logger="omo.nudges")
    member = await sign_up(orders, "+819055501234")
    consent = await orders.put("/v1/me/nudges", json={"channel": "push"}, headers=member)
    assert consent.status_code == 204, consent.text

    await ring_up(orders, member, CABBAGE, MILK)
    [nudge] = await eventually(
        lambda: _sent(orders, member), "the visit's nudge to be sent", ok=bool
    )
    assert nudge["kind"] == "deliver_next_time"
    assert nudge["skus"] == [CABBAGE, MILK]
    assert "30 minutes" in nudge["message"]
    assert any(nudge["nudge_id"] in r.getMessage() for r in caplog.records)  # the notifier

    opened = await orders.post(f"/v1/me/nudges/{nudge['nudge_id']}/opened", headers=member)
    assert opened.status_code == 204, opened.text
    before = await by_kind(orders)
    assert {k: before["deliver_next_time"][k] for k in ("made", "sent", "opened", "ordered")} == {
        "made": 1,
        "sent": 1,
        "opened": 1,
        "ordered": 0,
    }

    order_id = await order_online(orders, member)
    after = await eventually(
        lambda: by_kind(orders),
        "the online order to be counted for the nudge",
        ok=lambda k: k["deliver_next_time"]["ordered"] == 1,
    )
    assert after["deliver_next_time"]["ordered_rate"] == 1.0
    assert after["all"]["ordered"] == 1 and after["back_in_stock"]["made"] == 0
    [row] = await rows(database, "SELECT order_id FROM orders.nudges")
    assert row["order_id"] == order_id


async def _sent(orders, member: dict) -> list[dict]:
    return (await orders.get("/v1/me/nudges", headers=member)).json()["items"]


async def test_no_nudge_without_consent_nor_to_a_member_who_ordered_online(orders, database):
    silent = await sign_up(orders, "+819055505678")
    await sale_heard(database, await ring_up(orders, silent, CABBAGE))

    regular = await sign_up(orders, "+819055509012")
    await orders.put("/v1/me/nudges", json={"channel": "sms"}, headers=regular)
    await order_online(orders, regular)  # on its way: they are online already
    await sale_heard(database, await ring_up(orders, regular, MILK))

    assert await rows(database, "SELECT * FROM orders.nudges") == []
    assert (await by_kind(orders))["all"]["made"] == 0


async def test_an_opted_out_member_is_told_nothing_and_opens_nothing(orders, database):
    member = await sign_up(orders, "+819055503456")
    await orders.put("/v1/me/nudges", json={"channel": "push"}, headers=member)
    await orders.put("/v1/me/nudges", json={"channel": None}, headers=member)
    await sale_heard(database, await ring_up(orders, member, CABBAGE))
    assert await rows(database, "SELECT * FROM orders.nudges") == []
    missing = await orders.post("/v1/me/nudges/ndg_nothing/opened", headers=member)
    assert missing.status_code == 404


async def test_sms_consent_needs_a_phone(orders):
    card_holder = await orders.post(
        f"/v1/stores/{STORE}/members",
        json={"name": "Sato Ichiro", "nudges": "sms"},
        headers={**CASHIER, **key()},
    )
    assert card_holder.status_code == 422, card_holder.text
