"""Scan-and-go on the demo store's stock, over HTTP, against localstripe: from the first scan to
a verified exit, whose carts a shopper sees, and Stripe's webhook paying a cart."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from services.orders.scan_and_go.domain import sign_exit
from shared.auth import Role
from shared.settings import DEV_JWT_SECRET
from tests.integration.apps import bearer
from tests.integration.conftest import serving
from tests.integration.selling import (
    CABBAGE,
    CASHIER,
    MILK,
    POTATOES,
    STORE,
    ean,
    query,
    sales_count,
    weight_label,
)
from tests.integration.shopping import intent_event, key, signed, stock, stripe_side

CARTS = f"/v1/stores/{STORE}/scan-and-go/carts"
SHOPPER = bearer(Role.SHOPPER, member="mem_sng_1")


async def open_cart(c, shopper: dict = SHOPPER) -> str:
    response = await c.post(CARTS, headers={**shopper, **key()})
    assert response.status_code == 201, response.text
    return response.json()["cart_id"]


async def scan(c, cart_id: str, code: str, shopper: dict = SHOPPER, headers=None):
    return await c.post(
        f"{CARTS}/{cart_id}/scans", json={"barcode": code}, headers=headers or {**shopper, **key()}
    )


async def test_scan_and_go_from_first_scan_to_a_verified_exit(in_store, database):
    before = {sku: await stock(database, sku) for sku in (CABBAGE, POTATOES, MILK)}
    cart_id = await open_cart(in_store)
    assert cart_id.startswith("sgc_")
    for code in (ean(CABBAGE), ean(MILK), weight_label(POTATOES, 1000), ean(CABBAGE)):
        assert (await scan(in_store, cart_id, code)).status_code == 201
    wrong = await scan(in_store, cart_id, ean(CABBAGE)[:12] + "0")
    assert wrong.status_code == 422 and wrong.json()["field"] == "barcode"
    removed = await in_store.delete(f"{CARTS}/{cart_id}/scans/2", headers=SHOPPER)
    assert removed.status_code == 200
    assert [x["line_no"] for x in removed.json()["lines"]] == [1, 3, 4]
    assert removed.json()["total"]["amount"] == 198 + 398 + 198
    assert await stock(database, CABBAGE) == before[CABBAGE]  # nothing held while scanning

    out = await in_store.post(f"{CARTS}/{cart_id}/checkout", headers=SHOPPER)
    assert out.status_code == 200, out.text
    assert out.json()["status"] == "paying"
    intent = out.json()["payment"]["intent_id"]
    again = await in_store.post(f"{CARTS}/{cart_id}/checkout", headers=SHOPPER)
    assert again.json()["payment"]["intent_id"] == intent
    late = await scan(in_store, cart_id, ean(MILK))
    assert late.status_code == 409

    paid = await in_store.post(f"{CARTS}/{cart_id}/confirm-payment", json={}, headers=SHOPPER)
    assert paid.status_code == 200, paid.text
    cart = paid.json()
    assert cart["status"] == "paid" and cart["exit"]["payload"].startswith("OMOX1.")
    assert await stock(database, CABBAGE) == (before[CABBAGE][0] - 2, before[CABBAGE][1])
    assert await stock(database, POTATOES) == (before[POTATOES][0] - 1000, before[POTATOES][1])
    assert await stock(database, MILK) == before[MILK]  # removed before paying
    [row] = await query(database, "SELECT channel, total, reference, member_id FROM orders.sales")
    assert tuple(row) == ("scan_and_go", 794, intent, "mem_sng_1")

    door = f"/v1/stores/{STORE}/scan-and-go/exits/verify"
    checked = await in_store.post(door, json={"payload": cart["exit"]["payload"]}, headers=CASHIER)
    assert checked.status_code == 200, checked.text
    assert checked.json()["cart_id"] == cart_id
    assert checked.json()["line_count"] == 3
    assert checked.json()["total"] == {"amount": 794, "currency": "JPY"}
    twice = await in_store.post(door, json={"payload": cart["exit"]["payload"]}, headers=CASHIER)
    assert twice.status_code == 409 and twice.json()["field"] == "payload"
    shown = (await in_store.get(f"{CARTS}/{cart_id}", headers=SHOPPER)).json()
    assert shown["exit"] is None  # let out: no more exit codes


async def test_a_resent_scan_with_the_same_key_adds_one_line(in_store):
    cart_id = await open_cart(in_store)
    headers = {**SHOPPER, **key()}
    await scan(in_store, cart_id, ean(CABBAGE), headers=headers)
    again = await scan(in_store, cart_id, ean(CABBAGE), headers=headers)
    assert again.headers["idempotent-replayed"] == "true"
    assert len((await in_store.get(f"{CARTS}/{cart_id}", headers=SHOPPER)).json()["lines"]) == 1


async def test_checkouts_of_one_cart_at_once_make_one_payment_intent(
    in_store, database, stripe_url
):
    """Why scan-and-go checkout takes no Idempotency-Key: a repeat creates nothing new."""
    cart_id = await open_cart(in_store)
    await scan(in_store, cart_id, ean(CABBAGE))
    with serving("orders", database_url=database, stripe_api_base=stripe_url) as url:
        async with httpx.AsyncClient(base_url=url, timeout=30) as http:
            checkout = f"{CARTS}/{cart_id}/checkout"
            answers = await asyncio.gather(
                *(http.post(checkout, headers=SHOPPER) for _ in range(8))
            )
    assert {r.status_code for r in answers} == {200}, [r.text for r in answers]
    assert len({json.dumps(r.json()["payment"]) for r in answers}) == 1  # one intent, one secret
    assert len(await stripe_intents(stripe_url, cart_id)) == 1


async def stripe_intents(stripe_url: str, cart_id: str) -> list[dict]:
    """The PaymentIntents localstripe holds for a cart."""
    found, after = [], None
    async with httpx.AsyncClient(base_url=stripe_url, auth=("sk_test_x", "")) as stripe:
        while True:
            params = {"limit": 100, **({"starting_after": after} if after else {})}
            page = (await stripe.get("/v1/payment_intents", params=params)).json()
            found += [pi for pi in page["data"] if pi["metadata"].get("cart_id") == cart_id]
            if not page.get("has_more") or not page["data"]:
                return found
            after = page["data"][-1]["id"]


async def test_a_shopper_sees_and_changes_only_their_own_carts(in_store):
    cart_id = await open_cart(in_store)
    await scan(in_store, cart_id, ean(CABBAGE))
    stranger = bearer(Role.SHOPPER, member="mem_someone_else")
    assert (await in_store.get(f"{CARTS}/{cart_id}", headers=stranger)).status_code == 404
    assert (await scan(in_store, cart_id, ean(CABBAGE), shopper=stranger)).status_code == 404
    gone = await in_store.delete(f"{CARTS}/{cart_id}/scans/1", headers=stranger)
    assert gone.status_code == 404
    out = await in_store.post(f"{CARTS}/{cart_id}/checkout", headers=stranger)
    assert out.status_code == 404
    assert len((await in_store.get(f"{CARTS}/{cart_id}", headers=SHOPPER)).json()["lines"]) == 1


async def test_an_empty_cart_cannot_be_checked_out_or_paid(in_store):
    cart_id = await open_cart(in_store)
    assert (await in_store.post(f"{CARTS}/{cart_id}/checkout", headers=SHOPPER)).status_code == 409
    pay = await in_store.post(f"{CARTS}/{cart_id}/confirm-payment", json={}, headers=SHOPPER)
    assert pay.status_code == 409


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        ("not a code", 422),
        (sign_exit(DEV_JWT_SECRET, STORE, f"sgc_{'0' * 32}", datetime.now(UTC)).payload, 404),
        (
            sign_exit(DEV_JWT_SECRET, "osaka-umeda", f"sgc_{'0' * 32}", datetime.now(UTC)).payload,
            404,
        ),
        (
            sign_exit(
                DEV_JWT_SECRET, STORE, f"sgc_{'0' * 32}", datetime.now(UTC) - timedelta(minutes=16)
            ).payload,
            422,
        ),
        (
            sign_exit(
                "another-secret-0123456789-abcdefghijkl",
                STORE,
                f"sgc_{'0' * 32}",
                datetime.now(UTC),
            ).payload,
            422,
        ),
    ],
    ids=["malformed", "no-such-paid-cart", "another-store", "expired", "tampered"],
)
async def test_exit_codes_that_do_not_open_the_door(in_store, payload, status):
    response = await in_store.post(
        f"/v1/stores/{STORE}/scan-and-go/exits/verify", json={"payload": payload}, headers=CASHIER
    )
    assert response.status_code == status
    assert response.json()["field"] == "payload"


async def test_a_tampered_exit_code_of_a_paid_cart_is_refused(in_store):
    cart_id = await open_cart(in_store)
    await scan(in_store, cart_id, ean(CABBAGE))
    await in_store.post(f"{CARTS}/{cart_id}/checkout", headers=SHOPPER)
    paid = (
        await in_store.post(f"{CARTS}/{cart_id}/confirm-payment", json={}, headers=SHOPPER)
    ).json()
    prefix, store, cart, expires, sig = paid["exit"]["payload"].split(".")
    later = ".".join([prefix, store, cart, str(int(expires) + 3600), sig])
    door = f"/v1/stores/{STORE}/scan-and-go/exits/verify"
    response = await in_store.post(door, json={"payload": later}, headers=CASHIER)
    assert response.status_code == 422 and "not signed by us" in response.json()["detail"]
    other_store = bearer(Role.CASHIER, store="osaka-umeda")
    assert (
        await in_store.post(door, json={"payload": paid["exit"]["payload"]}, headers=other_store)
    ).status_code == 403
    ok = await in_store.post(door, json={"payload": paid["exit"]["payload"]}, headers=CASHIER)
    assert ok.status_code == 200


async def test_stripes_webhook_pays_a_scan_and_go_cart_in_production(
    in_store, database, stripe_url
):
    cart_id = await open_cart(in_store)
    await scan(in_store, cart_id, ean(CABBAGE))
    out = (await in_store.post(f"{CARTS}/{cart_id}/checkout", headers=SHOPPER)).json()
    intent = {
        "id": out["payment"]["intent_id"],
        "object": "payment_intent",
        "status": "succeeded",
        "amount": 198,
        "metadata": {"cart_id": cart_id, "store_id": STORE},
    }
    body, headers = signed(intent_event("evt_sng_1", "payment_intent.succeeded", intent))
    # Signed with our secret, but Stripe says the shopper has not paid: nothing changes.
    hook = await in_store.post("/v1/payments/stripe/webhook", content=body, headers=headers)
    assert hook.json() == {"received": True, "applied": False}
    assert (await in_store.get(f"{CARTS}/{cart_id}", headers=SHOPPER)).json()["status"] == "paying"
    assert await sales_count(database) == 0

    await stripe_side(stripe_url).confirm(intent["id"], "pm_card_visa")  # the shopper's app
    for _ in range(2):  # Stripe delivers at least once
        hook = await in_store.post("/v1/payments/stripe/webhook", content=body, headers=headers)
        assert hook.status_code == 200
    cart = (await in_store.get(f"{CARTS}/{cart_id}", headers=SHOPPER)).json()
    assert cart["status"] == "paid" and cart["exit"]["payload"].startswith("OMOX1.")
    assert await sales_count(database) == 1
