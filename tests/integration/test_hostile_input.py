"""However hostile the input, the answer is a 4xx problem+json naming the field (or the
documented success), never a 500: NUL characters, deep nesting, huge numbers, wrong types, a
token for nobody. Checked once at the edge (`shared.web.edge`), so every route gets it."""

from __future__ import annotations

import time

import jwt
import pytest

from shared.auth import Role
from shared.settings import DEV_JWT_SECRET
from tests.integration.apps import bearer, client
from tests.integration.shopping import CABBAGE, SHOPPER, key, order

STORE = "kobe-sannomiya"
MANAGER = bearer(Role.MANAGER, store=STORE)


def refused(r, field: str) -> None:
    assert r.status_code == 400, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["field"] == field, r.json()


@pytest.fixture
async def orders_app(database, demo):
    async with client("orders", database) as c:
        yield c


@pytest.fixture
async def delivery_app(database, demo):
    async with client("delivery", database, bus_poll_seconds=60) as c:
        yield c


async def test_a_nul_in_a_query_or_path_is_a_400_naming_it(orders_app):
    refused(await orders_app.get(f"/v1/stores/{STORE}/products", params={"q": "a\x00b"}), "q")
    refused(
        await orders_app.get(f"/v1/stores/{STORE}/products", params={"cursor": "\x00"}), "cursor"
    )
    refused(await orders_app.get("/v1/stores/%00"), "store_id")
    refused(await orders_app.get(f"/v1/stores/{STORE}/products/SKU%00"), "sku")


async def test_a_nul_in_a_json_string_is_a_400_naming_it(orders_app, delivery_app):
    line = {"sku": "SKU-\u0000", "quantity": 1}
    refused(
        await orders_app.post("/v1/orders", json=order(line), headers={**SHOPPER, **key()}),
        "lines[0].sku",
    )
    at_door = order({"sku": CABBAGE, "quantity": 1})
    at_door["address"] = {**at_door["address"], "text": "Kobe\u0000"}
    refused(
        await orders_app.post("/v1/orders", json=at_door, headers={**SHOPPER, **key()}),
        "address.text",
    )
    quote = {"store_id": "kobe\u0000", "lat": 34.69, "lng": 135.19}
    refused(await delivery_app.post("/v1/quotes", json=quote, headers=SHOPPER), "store_id")


async def test_a_body_nested_100000_deep_is_a_400(delivery_app):
    deep = b"[" * 100_000 + b"]" * 100_000
    r = await delivery_app.post(
        "/v1/quotes", content=deep, headers={**SHOPPER, "Content-Type": "application/json"}
    )
    refused(r, "body")


async def test_a_bin_aisle_past_an_int_column_is_a_400_naming_it(database, demo):
    bins = [{"sku": CABBAGE, "zone": "produce", "aisle": 2**40, "bay": 1, "shelf": 1}]
    async with client("fulfillment", database, bus_poll_seconds=60) as c:
        r = await c.put(f"/v1/stores/{STORE}/layout", json={"bins": bins}, headers=MANAGER)
    refused(r, "bins[0].aisle")


async def test_a_quantity_sent_as_a_string_is_a_400(orders_app):
    line = {"sku": CABBAGE, "quantity": "2"}
    r = await orders_app.post("/v1/orders", json=order(line), headers={**SHOPPER, **key()})
    refused(r, "lines[0].quantity")


@pytest.mark.parametrize(
    "claims", [{}, {"member": ""}, {"member": 42}, {"member": ["mem_test_1"]}], ids=repr
)
async def test_a_shopper_token_naming_no_member_cannot_order(orders_app, claims):
    now = int(time.time())
    token = jwt.encode(
        {"sub": "someone", "role": "shopper", "iat": now, "exp": now + 600, **claims},
        DEV_JWT_SECRET,
        algorithm="HS256",
    )
    line = {"sku": CABBAGE, "quantity": 1}
    r = await orders_app.post(
        "/v1/orders", json=order(line), headers={"Authorization": f"Bearer {token}", **key()}
    )
    assert r.status_code == 401, r.text
    assert r.headers["content-type"] == "application/problem+json"
