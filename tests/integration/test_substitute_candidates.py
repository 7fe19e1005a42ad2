"""What a picker may offer for a short line, on the demo store's catalog over HTTP."""

from __future__ import annotations

import asyncpg
import pytest

from shared.auth import Role
from tests.integration.apps import bearer, client

KOBE = "kobe-sannomiya"
PICKER = bearer(Role.PICKER, store=KOBE)
CABBAGE, WAGYU = "SKU-10001", "SKU-10074"  # 198 yen a head; 5980 yen/kg
MEIJI_MILK, MORINAGA_MILK, FRESH_MILK = "SKU-10049", "SKU-10050", "SKU-10051"  # 278, 238, 198


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
    return [candidate["sku"] for candidate in response.json()["items"]]


async def test_any_offers_the_same_kind_likest_first_with_the_reason(database, demo):
    async with client("orders", database) as c:
        response = await c.get(
            _url(MEIJI_MILK), params={"quantity": 1, "preference": "any"}, headers=PICKER
        )
    assert response.status_code == 200, response.text
    morinaga, fresh = response.json()["items"]  # the other 1 L milks; Morinaga's price is nearer
    available = morinaga.pop("available")
    assert morinaga == morinaga | {  # as the catalog shows a product, and why it is offered
        "sku": MORINAGA_MILK,
        "name_en": "Morinaga Milk 1 L",
        "name_ja": "森永牛乳 1L",
        "brand": "Morinaga",
        "category": "dairy",
        "unit": "each",
        "price": {"amount": 238, "currency": "JPY"},
        "allergens": ["milk"],
        "reasons": ["same_kind", "same_size"],
        "reason": "same kind (milk); same size (1 L); JPY 40 cheaper",
        "why": [  # the same as codes with their parameters, for a screen to word
            {"code": "same_kind", "kind": ["milk"]},
            {"code": "same_size", "size": "1 L"},
            {"code": "cheaper", "difference": {"amount": 40, "currency": "JPY"}},
        ],
    }
    assert isinstance(available, int) and available >= 1
    assert (fresh["sku"], fresh["reason"]) == (
        FRESH_MILK,
        "same kind (milk); same size (1 L); JPY 80 cheaper",
    )


@pytest.mark.parametrize(
    ("sku", "offered"),
    [
        ("SKU-10012", []),  # cherry tomatoes: no other tomato by the piece; never onions
        ("SKU-10002", []),  # daikon: no other radish; never spinach
        (CABBAGE, ["SKU-10016"]),  # Chinese cabbage, not carrots at the same price
    ],
    ids=["cherry-tomatoes", "daikon", "cabbage"],
)
async def test_any_never_offers_merely_the_same_category(database, demo, sku, offered):
    assert await _skus(database, sku, 1, "any") == offered


async def test_only_products_with_the_quantity_available_are_offered(database, demo):
    # Morinaga milk has 1 free (4 held by online orders); the store brand's exactly 2.
    await _set_stock(database, {MORINAGA_MILK: (5, 4), FRESH_MILK: (2, 0)})
    assert await _skus(database, MEIJI_MILK, 2, "any") == [FRESH_MILK]


async def test_weighed_products_are_offered_by_the_grams_available(database, demo):
    # For wagyu slices: Australian chuck and Kobe sirloin are beef too; the pork is not.
    aussie, kobe, pork = "SKU-10075", "SKU-10073", "SKU-10076"
    await _set_stock(database, {aussie: (10_000, 1_000), kobe: (8_999, 0), pork: (20_000, 0)})
    assert await _skus(database, WAGYU, 9_000, "any") == [aussie]
    assert await _skus(database, WAGYU, 8_999, "any") == [aussie, kobe]


async def test_same_brand_keeps_to_the_kind_and_the_brand(database, demo):
    # Meiji's plain yogurt: its yogurt drink; Morinaga's plain yogurt is likelier but not Meiji's.
    assert await _skus(database, "SKU-10052", 1, "same_brand") == ["SKU-10054"]
    assert await _skus(database, "SKU-10052", 1, "any") == ["SKU-10053", "SKU-10054"]


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
