"""What a picker may offer for a short line, on the demo store's catalog over HTTP."""

from __future__ import annotations

import asyncpg
import pytest

from shared.auth import Role
from tests.integration.apps import bearer, client

KOBE = "kobe-sannomiya"
PICKER = bearer(Role.PICKER, store=KOBE)
CABBAGE, POTATOES = "SKU-10001", "SKU-10005"  # vegetables: Local Farm, 198 yen; by weight, 398/kg


def _url(sku: str = CABBAGE, store: str = KOBE) -> str:
    return f"/v1/stores/{store}/products/{sku}/substitutes"


async def _set_stock(database: str, stock: dict[str, tuple[int, int]]) -> None:
    """On hand and reserved per sku, as sales and online orders would leave them."""
    conn = await asyncpg.connect(database)
    try:
        await conn.executemany(
            "UPDATE orders.products SET on_hand = $3, reserved = $4"
            " WHERE store_id = $1 AND sku = $2",
            [(KOBE, sku, on_hand, reserved) for sku, (on_hand, reserved) in stock.items()],
        )
    finally:
        await conn.close()


async def _skus(database: str, sku: str, quantity: int, preference: str) -> list[str]:
    async with client("orders", database) as c:
        response = await c.get(
            _url(sku), params={"quantity": quantity, "preference": preference}, headers=PICKER
        )
    assert response.status_code == 200, response.text
    return [candidate["sku"] for candidate in response.json()]


async def test_any_offers_five_of_the_category_nearest_in_price_then_cheaper(database, demo):
    async with client("orders", database) as c:
        response = await c.get(_url(), params={"quantity": 1, "preference": "any"}, headers=PICKER)
    assert response.status_code == 200, response.text
    candidates = response.json()
    # Carrots, cucumbers, broccoli at 198; Chinese cabbage and lettuce at 178 before any at 218+.
    assert [c["sku"] for c in candidates] == [
        "SKU-10003",
        "SKU-10010",
        "SKU-10015",
        "SKU-10016",
        "SKU-10022",
    ]
    carrots = candidates[0]
    available = carrots.pop("available")
    assert carrots == carrots | {  # as the catalog shows a product
        "sku": "SKU-10003",
        "ean": "4900000100037",
        "name_en": "Carrots 3 pcs",
        "name_ja": "にんじん 3本",
        "brand": "JA Hokkaido",
        "category": "vegetables",
        "zone": "produce",
        "unit": "each",
        "price": {"amount": 198, "currency": "JPY"},
    }
    assert isinstance(available, int) and available >= 1


async def test_only_products_with_the_quantity_available_are_offered(database, demo):
    # Broccoli has 1 free (4 held by online orders), carrots exactly 2, cucumbers none.
    await _set_stock(database, {"SKU-10015": (5, 4), "SKU-10003": (2, 0), "SKU-10010": (0, 0)})
    assert await _skus(database, CABBAGE, 2, "any") == [
        "SKU-10003",
        "SKU-10016",
        "SKU-10022",
        "SKU-10002",  # 158, then the other 158s by sku
        "SKU-10008",
    ]


async def test_weighed_products_are_offered_by_the_grams_available(database, demo):
    # Kabocha 398/kg, sweet potatoes 598, tomatoes 798, nagaimo 880, lotus 980, ginger 1480.
    kabocha, sweet, tomatoes, nagaimo, lotus, ginger = (
        "SKU-10020",
        "SKU-10006",
        "SKU-10011",
        "SKU-10024",
        "SKU-10019",
        "SKU-10021",
    )
    await _set_stock(
        database,
        {
            kabocha: (10_000, 1_000),
            sweet: (9_000, 0),
            tomatoes: (8_999, 0),
            nagaimo: (20_000, 11_001),
            lotus: (9_500, 0),
            ginger: (30_000, 0),
        },
    )
    assert await _skus(database, POTATOES, 9_000, "any") == [kabocha, sweet, lotus, ginger]


async def test_same_brand_keeps_to_the_category_and_brand(database, demo):
    # Local Farm vegetables: broccoli 198, daikon and spinach 158, green onions and komatsuna 128.
    assert await _skus(database, CABBAGE, 1, "same_brand") == [
        "SKU-10015",
        "SKU-10002",
        "SKU-10008",
        "SKU-10007",
        "SKU-10009",
    ]


@pytest.mark.parametrize(
    ("preference", "offered"),
    [
        ("sku:SKU-10004", ["SKU-10004"]),  # onions, 100 yen dearer
        ("sku:SKU-10025", ["SKU-10025"]),  # shiitake: a named sku need not share the category
        ("sku:SKU-10005", []),  # potatoes are sold by weight, cabbage by the piece
        (f"sku:{CABBAGE}", []),  # not the product itself
        ("sku:SKU-99999", []),
        ("none", []),
    ],
    ids=["named", "other-category", "other-unit", "itself", "unknown", "none"],
)
async def test_a_named_sku_is_the_only_offer_and_none_offers_nothing(
    database, demo, preference, offered
):
    assert await _skus(database, CABBAGE, 1, preference) == offered


async def test_a_named_sku_without_the_quantity_available_is_not_offered(database, demo):
    await _set_stock(database, {"SKU-10004": (3, 1)})
    assert await _skus(database, CABBAGE, 3, "sku:SKU-10004") == []


@pytest.mark.parametrize(
    ("url", "status", "field"),
    [
        (_url(store="nara-none"), 404, "store_id"),
        (_url("SKU-99999"), 404, "sku"),
        (_url() + "?quantity=0&preference=any", 400, "quantity"),
        (_url() + "?quantity=-2&preference=any", 400, "quantity"),
        (_url() + "?quantity=many&preference=any", 400, "quantity"),
        (_url() + "?preference=any", 400, "quantity"),
        (_url() + "?quantity=1&preference=cheapest", 400, "preference"),
        (_url() + "?quantity=1&preference=sku:", 400, "preference"),
        (_url() + "?quantity=1", 400, "preference"),
    ],
    ids=[
        "no-store",
        "no-sku",
        "zero",
        "negative",
        "not-a-number",
        "no-quantity",
        "unknown-preference",
        "sku-without-sku",
        "no-preference",
    ],
)
async def test_bad_requests_are_refused_naming_the_field(database, demo, url, status, field):
    if "?" not in url:
        url += "?quantity=1&preference=any"
    async with client("orders", database) as c:
        response = await c.get(url, headers=bearer(Role.SERVICE))
    assert (response.status_code, response.json()["field"]) == (status, field), response.text


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        (bearer(Role.PICKER, store="osaka-umeda"), 403),
        (bearer(Role.CASHIER, store=KOBE), 403),
        (bearer(Role.SHOPPER, member="m-1"), 403),
        ({}, 401),
        (bearer(Role.MANAGER, store=KOBE), 200),
        (bearer(Role.SERVICE), 200),
    ],
    ids=["other-store-picker", "cashier", "shopper", "anonymous", "manager", "service"],
)
async def test_only_the_stores_pickers_and_manager_or_a_service_see_substitutes(
    database, demo, headers, status
):
    async with client("orders", database) as c:
        response = await c.get(_url(), params={"quantity": 1, "preference": "any"}, headers=headers)
    assert response.status_code == status, response.text
