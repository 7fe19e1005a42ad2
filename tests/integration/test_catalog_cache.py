"""Catalog pages cached in the process and revalidated by ETag, never serving a changed price."""

from __future__ import annotations

import asyncpg
import pytest

from shared.auth import Role
from tests.integration.apps import bearer, client

KOBE = "kobe-sannomiya"
CABBAGE = f"/v1/stores/{KOBE}/products/SKU-10001"
SEARCH = f"/v1/stores/{KOBE}/products?q=cabbage"
MANAGER = bearer(Role.MANAGER, store=KOBE)


@pytest.fixture
def seeded(database: str, demo: str) -> str:
    """A database holding the demo store and its 229 products (`demo`)."""
    return database


async def _price_behind_the_caches_back(database: str, amount: int) -> None:
    """A price written straight to the table, bumping no version: what a page read before it
    shows tells whether the page came from the cache."""
    conn = await asyncpg.connect(database)
    try:
        await conn.execute(
            "UPDATE orders.products SET price = $2 WHERE store_id = $1 AND sku = 'SKU-10001'",
            KOBE,
            amount,
        )
    finally:
        await conn.close()


def _price(response) -> int:
    return response.json()["price"]["amount"]


async def test_a_catalog_read_has_an_etag_and_answers_304_when_the_client_has_it(seeded):
    async with client("orders", seeded) as c:
        first = await c.get(CABBAGE)
        again = await c.get(CABBAGE, headers={"If-None-Match": first.headers["etag"]})
        other = await c.get(CABBAGE, headers={"If-None-Match": '"not-this-one"'})
        search = await c.get(SEARCH)
        searched_again = await c.get(SEARCH, headers={"If-None-Match": search.headers["etag"]})
    assert first.status_code == 200 and first.headers["cache-control"] == "public, no-cache"
    assert (again.status_code, again.content) == (304, b"")
    assert again.headers["etag"] == first.headers["etag"]
    assert other.status_code == 200 and other.json() == first.json()
    assert search.status_code == 200 and search.json()["items"]
    assert searched_again.status_code == 304


async def test_a_page_is_served_from_the_process_until_the_catalog_changes(seeded):
    async with client("orders", seeded, catalog_stock_lag_s=60) as c:
        read = await c.get(CABBAGE)
        await _price_behind_the_caches_back(seeded, 150)
        cached = await c.get(CABBAGE)
        await c.patch(
            f"/v1/stores/{KOBE}/prices",
            json={"items": [{"sku": "SKU-10002", "price": {"amount": 300, "currency": "JPY"}}]},
            headers=MANAGER,
        )  # another product's price: the store's version moves on
        fresh = await c.get(CABBAGE)
    assert _price(read) == _price(cached) == 198
    assert _price(fresh) == 150 and fresh.headers["etag"] != read.headers["etag"]


async def test_a_changed_price_is_served_at_once_by_search_and_product(seeded):
    async with client("orders", seeded, catalog_stock_lag_s=60) as c:
        before = (await c.get(SEARCH)).json()["items"]
        await c.get(CABBAGE)
        changed = await c.patch(
            f"/v1/stores/{KOBE}/prices",
            json={"items": [{"sku": "SKU-10001", "price": {"amount": 158, "currency": "JPY"}}]},
            headers=MANAGER,
        )
        product = await c.get(CABBAGE)
        after = (await c.get(SEARCH)).json()["items"]
    assert changed.status_code == 200
    assert _price(product) == 158
    assert [x["price"]["amount"] for x in before if x["sku"] == "SKU-10001"] == [198]
    assert [x["price"]["amount"] for x in after if x["sku"] == "SKU-10001"] == [158]


async def test_a_stock_count_is_served_at_once(seeded):
    async with client("orders", seeded, catalog_stock_lag_s=60) as c:
        await c.get(CABBAGE)
        counted = await c.patch(
            f"/v1/stores/{KOBE}/stock",
            json={"items": [{"sku": "SKU-10001", "on_hand": 4}]},
            headers=MANAGER,
        )
        after = (await c.get(CABBAGE)).json()
    assert counted.status_code == 200
    assert after["available"] == 4
