"""The store finder and the catalog over HTTP, on the demo store and a real database."""

from __future__ import annotations

import asyncpg
import pytest

from infra.seed import demo_catalog
from shared.auth import Role
from tests.integration.apps import bearer, client, new_store

KOBE = "kobe-sannomiya"
PRODUCTS = f"/v1/stores/{KOBE}/products"
MANAGER = bearer(Role.MANAGER, store=KOBE)
DEMO = [p for p, _ in demo_catalog()]


@pytest.fixture
def seeded(database: str, demo: str) -> str:
    """A database holding the demo store and its 229 products (`demo`)."""
    return database


async def _sql(database: str, query: str, *args: object) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(database)
    try:
        return await conn.fetch(query, *args)
    finally:
        await conn.close()


async def _set_stock(database: str, sku: str, *, on_hand: int, reserved: int) -> None:
    """Stock as online orders would leave it (reserving is not this feature's)."""
    await _sql(
        database,
        "UPDATE orders.products SET on_hand = $3, reserved = $4 WHERE store_id = $1 AND sku = $2",
        KOBE,
        sku,
        on_hand,
        reserved,
    )


async def _on_hand(database: str, sku: str) -> int:
    rows = await _sql(
        database, "SELECT on_hand FROM orders.products WHERE store_id = $1 AND sku = $2", KOBE, sku
    )
    return rows[0][0]


async def _walk(c, params: dict) -> list[list[str]]:
    """Every page of a search, as lists of skus."""
    pages, cursor = [], None
    while True:
        response = await c.get(
            PRODUCTS, params={**params, **({"cursor": cursor} if cursor else {})}
        )
        assert response.status_code == 200, response.text
        body = response.json()
        pages.append([item["sku"] for item in body["items"]])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages


def _definition(sku: str, ean: str, **kw: object) -> dict:
    return {
        "sku": sku,
        "ean": ean,
        "name_en": "Kabu Turnips 3 pcs",
        "name_ja": "かぶ 3個",
        "brand": "Local Farm",
        "category": "vegetables",
        "zone": "produce",
        "unit": "each",
        "price": {"amount": 178, "currency": "JPY"},
        **kw,
    }


# --- search ---------------------------------------------------------------------------------


async def test_search_finds_products_by_japanese_name(seeded):
    async with client("orders", seeded) as c:
        response = await c.get(PRODUCTS, params={"q": "キャベツ"})
    expected = {p.sku for p in DEMO if "キャベツ" in p.name_ja}
    assert expected and {i["sku"] for i in response.json()["items"]} == expected
    assert "SKU-10001" in expected


async def test_search_matches_part_of_the_english_name_or_brand_ignoring_case(seeded):
    async with client("orders", seeded) as c:
        by_name = (await c.get(PRODUCTS, params={"q": "cABBAGE"})).json()["items"]
        by_brand = (await c.get(PRODUCTS, params={"q": "agf"})).json()["items"]
    assert {i["name_en"] for i in by_name} == {"Cabbage 1 head", "Chinese Cabbage Half"}
    assert by_brand and {i["sku"] for i in by_brand} == {
        p.sku for p in DEMO if "agf" in (p.name_en + p.name_ja + p.brand).lower()
    }


async def test_search_takes_percent_and_underscore_literally(seeded):
    async with client("orders", seeded) as c:
        percent = await c.get(PRODUCTS, params={"q": "%"})
        underscore = await c.get(PRODUCTS, params={"q": "_"})
    assert percent.json() == underscore.json() == {"items": [], "next_cursor": None}


async def test_category_and_zone_filters_narrow_the_search(seeded):
    async with client("orders", seeded) as c:
        pages = await _walk(c, {"category": "vegetables", "zone": "produce", "limit": 200})
        frozen = await _walk(c, {"zone": "frozen", "limit": 200})
    assert set(pages[0]) == {
        p.sku for p in DEMO if p.category == "vegetables" and p.zone == "produce"
    }
    assert set(frozen[0]) == {p.sku for p in DEMO if p.zone == "frozen"}


async def test_pagination_walks_every_product_exactly_once_in_name_order(seeded):
    async with client("orders", seeded) as c:
        pages = await _walk(c, {"limit": 17})
        names = [
            (i["name_en"], i["sku"])
            for i in (await c.get(PRODUCTS, params={"limit": 200})).json()["items"]
        ]
    walked = [sku for page in pages for sku in page]
    assert len(walked) == len(set(walked)) == len(DEMO) == 229
    assert [len(p) for p in pages] == [17] * 13 + [8]
    assert walked[:200] == [sku for _, sku in names]  # pages continue one ordering


async def test_pagination_with_a_filter_walks_the_filtered_products_once(seeded):
    async with client("orders", seeded) as c:
        pages = await _walk(c, {"zone": "chilled", "limit": 10})
    walked = [sku for page in pages for sku in page]
    assert sorted(walked) == sorted(p.sku for p in DEMO if p.zone == "chilled")


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"cursor": "not-a-cursor"}, 422, "cursor"),
        ({"limit": 0}, 400, "limit"),
        ({"limit": 201}, 400, "limit"),
        ({"zone": "garden"}, 400, "zone"),
        ({"q": "x" * 101}, 400, "q"),
    ],
    ids=["cursor", "limit-0", "limit-201", "zone", "long-q"],
)
async def test_bad_search_parameters_are_refused_naming_them(seeded, params, status, field):
    async with client("orders", seeded) as c:
        response = await c.get(PRODUCTS, params=params)
    assert (response.status_code, response.json()["field"]) == (status, field)


async def test_unknown_store_and_unknown_sku_are_404s_naming_them(seeded):
    async with client("orders", seeded) as c:
        no_store = await c.get("/v1/stores/nara-none/products")
        no_store_product = await c.get("/v1/stores/nara-none/products/SKU-10001")
        no_sku = await c.get(f"{PRODUCTS}/SKU-99999")
    assert (no_store.status_code, no_store.json()["field"]) == (404, "store_id")
    assert (no_store_product.status_code, no_store_product.json()["field"]) == (404, "store_id")
    assert (no_sku.status_code, no_sku.json()["field"]) == (404, "sku")


async def test_available_is_on_hand_less_what_online_orders_hold(seeded):
    weighed = next(p for p in DEMO if p.unit == "kg")
    await _set_stock(seeded, "SKU-10001", on_hand=10, reserved=7)
    await _set_stock(seeded, weighed.sku, on_hand=2500, reserved=2500)
    async with client("orders", seeded) as c:
        cabbage = (await c.get(f"{PRODUCTS}/SKU-10001")).json()
        sold_out = (await c.get(f"{PRODUCTS}/{weighed.sku}")).json()
    assert (cabbage["available"], cabbage["available_unit"], cabbage["in_stock"]) == (
        3,
        "piece",
        True,
    )
    assert cabbage["price"] == {"amount": 198, "currency": "JPY"}
    assert cabbage["price_per"] == "each"
    assert (sold_out["available"], sold_out["available_unit"], sold_out["in_stock"]) == (
        0,
        "g",
        False,
    )
    assert (sold_out["price_per"], sold_out["price"]["amount"]) == ("kg", weighed.price)


# --- store finder ---------------------------------------------------------------------------


async def test_store_finder_lists_stores_that_reach_the_point_nearest_first(seeded):
    service = bearer(Role.SERVICE)
    stores = [
        new_store("kobe-motomachi", lat=34.6890, lng=135.1870, radius_m=3000),  # ~1.2 km
        new_store("kobe-nada", lat=34.7110, lng=135.2330, radius_m=5000),  # ~3.7 km, reaches
        new_store("kobe-suma", lat=34.6440, lng=135.1130, radius_m=3000),  # ~9.6 km, does not
        new_store("akashi-wide", lat=34.6490, lng=134.9950, radius_m=20_000),  # ~19.3 km, reaches
        new_store("osaka-umeda"),  # ~27 km
    ]
    async with client("orders", seeded) as c:
        for n, store in enumerate(stores):
            headers = {**service, "Idempotency-Key": f"finder-{n:04d}"}
            assert (await c.post("/v1/stores", json=store, headers=headers)).status_code == 201
        response = await c.get("/v1/stores", params={"lat": 34.6950, "lng": 135.1980})
    found = response.json()["items"]
    assert response.json()["next_cursor"] is None
    assert [s["store_id"] for s in found] == [KOBE, "kobe-motomachi", "kobe-nada", "akashi-wide"]
    distances = [s["distance_m"] for s in found]
    assert distances == sorted(distances) and all(isinstance(d, int) for d in distances)
    assert 18_000 < distances[-1] <= 20_000


async def test_store_finder_answers_an_empty_list_where_no_store_delivers(seeded):
    async with client("orders", seeded) as c:
        response = await c.get("/v1/stores", params={"lat": 35.6812, "lng": 139.7671})  # Tokyo
    assert (response.status_code, response.json()) == (200, {"items": [], "next_cursor": None})


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"lat": 91, "lng": 135.2}, "lat"),
        ({"lat": 34.7, "lng": -180.5}, "lng"),
        ({"lng": 135.2}, "lat"),
        ({"lat": "north", "lng": 135.2}, "lat"),
        ({"lat": "nan", "lng": 135.2}, "lat"),
    ],
    ids=["lat-range", "lng-range", "missing", "not-a-number", "nan"],
)
async def test_store_finder_refuses_bad_coordinates_naming_them(seeded, params, field):
    async with client("orders", seeded) as c:
        response = await c.get("/v1/stores", params=params)
    assert (response.status_code, response.json()["field"]) == (400, field)


# --- manager endpoints ----------------------------------------------------------------------

WRITES = [
    ("PUT", PRODUCTS, {"items": [_definition("SKU-20001", "4900000200010")]}),
    (
        "PATCH",
        f"/v1/stores/{KOBE}/prices",
        {"items": [{"sku": "SKU-10001", "price": {"amount": 1, "currency": "JPY"}}]},
    ),
    ("PATCH", f"/v1/stores/{KOBE}/stock", {"items": [{"sku": "SKU-10001", "on_hand": 1}]}),
]


@pytest.mark.parametrize(("method", "url", "body"), WRITES, ids=["define", "prices", "stock"])
@pytest.mark.parametrize(
    ("headers", "status"),
    [
        (bearer(Role.PICKER, store=KOBE), 403),
        (bearer(Role.CASHIER, store=KOBE), 403),
        (bearer(Role.MANAGER, store="osaka-umeda"), 403),
        (bearer(Role.SHOPPER, member="m-1"), 403),
        ({}, 401),
    ],
    ids=["picker", "cashier", "other-store-manager", "shopper", "anonymous"],
)
async def test_only_the_stores_manager_or_a_service_may_change_the_catalog(
    seeded, method, url, body, headers, status
):
    async with client("orders", seeded) as c:
        refused = await c.request(method, url, json=body, headers=headers)
        by_service = await c.request(method, url, json=body, headers=bearer(Role.SERVICE))
    assert refused.status_code == status
    assert by_service.status_code == 200


async def test_manager_defines_products_without_touching_stock(seeded):
    before = await _on_hand(seeded, "SKU-10001")
    cabbage = next(p for p in DEMO if p.sku == "SKU-10001")
    renamed = _definition(
        "SKU-10001", cabbage.ean, name_en="Cabbage (Awaji) 1 head", name_ja="淡路 キャベツ 1玉"
    )
    async with client("orders", seeded) as c:
        response = await c.put(
            PRODUCTS,
            json={"items": [renamed, _definition("SKU-20001", "4900000200010")]},
            headers=MANAGER,
        )
        old = (await c.get(f"{PRODUCTS}/SKU-10001")).json()
        new = (await c.get(f"{PRODUCTS}/SKU-20001")).json()
    assert response.status_code == 200
    assert response.json() == {"created": 1, "updated": 1}
    assert (old["name_en"], old["price"]["amount"], old["available"]) == (
        "Cabbage (Awaji) 1 head",
        178,
        before,
    )
    assert (new["name_ja"], new["available"], new["in_stock"]) == ("かぶ 3個", 0, False)


async def test_one_bad_definition_writes_nothing(seeded):
    items = [
        _definition(f"SKU-2000{n}", ean)
        for n, ean in enumerate(
            ["4900000200010", "4900000200027", "4900000200034", "4900000200041", "4900000200058"]
        )
    ]
    items[3]["ean"] = "4900000200048"  # the check digit should be 1
    async with client("orders", seeded) as c:
        response = await c.put(PRODUCTS, json={"items": items}, headers=MANAGER)
    assert (response.status_code, response.json()["field"]) == (422, "items[3].ean")
    assert (await _sql(seeded, "SELECT count(*) FROM orders.products"))[0][0] == 229


@pytest.mark.parametrize(
    ("second", "field"),
    [
        (_definition("SKU-20001", "4900000200027"), "items[1].sku"),
        (_definition("SKU-20002", "4900000200010"), "items[1].ean"),
    ],
    ids=["sku", "ean"],
)
async def test_a_sku_or_ean_twice_in_one_request_is_refused(seeded, second, field):
    first = _definition("SKU-20001", "4900000200010")
    async with client("orders", seeded) as c:
        response = await c.put(PRODUCTS, json={"items": [first, second]}, headers=MANAGER)
    assert (response.status_code, response.json()["field"]) == (422, field)
    assert (await _sql(seeded, "SELECT count(*) FROM orders.products"))[0][0] == 229


async def test_an_ean_another_product_holds_is_a_conflict(seeded):
    cabbage = next(p for p in DEMO if p.sku == "SKU-10001")
    async with client("orders", seeded) as c:
        response = await c.put(
            PRODUCTS, json={"items": [_definition("SKU-20001", cabbage.ean)]}, headers=MANAGER
        )
    assert (response.status_code, response.json()["field"]) == (409, "items[0].ean")


async def test_malformed_definitions_are_400s_naming_the_item(seeded):
    too_many = [_definition(f"SKU-{n}", "4900000200010") for n in range(1001)]
    async with client("orders", seeded) as c:
        short_ean = await c.put(
            PRODUCTS, json={"items": [_definition("SKU-20001", "123")]}, headers=MANAGER
        )
        bulk = await c.put(PRODUCTS, json={"items": too_many}, headers=MANAGER)
    assert (short_ean.status_code, short_ean.json()["field"]) == (400, "items[0].ean")
    assert (bulk.status_code, bulk.json()["field"]) == (400, "items")


async def test_price_changes_apply_all_or_none(seeded):
    prices = f"/v1/stores/{KOBE}/prices"
    good = {"sku": "SKU-10001", "price": {"amount": 158, "currency": "JPY"}}
    unknown = {"sku": "SKU-99999", "price": {"amount": 100, "currency": "JPY"}}
    async with client("orders", seeded) as c:
        refused = await c.patch(prices, json={"items": [good, unknown]}, headers=MANAGER)
        after_refusal = (await c.get(f"{PRODUCTS}/SKU-10001")).json()["price"]["amount"]
        accepted = await c.patch(prices, json={"items": [good]}, headers=MANAGER)
        after = (await c.get(f"{PRODUCTS}/SKU-10001")).json()["price"]["amount"]
    assert (refused.status_code, refused.json()["field"]) == (404, "items[1].sku")
    assert "SKU-99999" in refused.json()["detail"]
    assert after_refusal == 198
    assert (accepted.status_code, accepted.json(), after) == (200, {"updated": 1}, 158)


async def test_stock_count_below_what_orders_hold_is_recorded_and_stops_online_sales(seeded):
    await _set_stock(seeded, "SKU-10002", on_hand=20, reserved=6)
    async with client("orders", seeded) as c:
        counted = await c.patch(
            f"/v1/stores/{KOBE}/stock",
            json={"items": [{"sku": "SKU-10002", "on_hand": 5}]},
            headers=MANAGER,
        )
        daikon = (await c.get(f"{PRODUCTS}/SKU-10002")).json()
    assert (counted.status_code, counted.json()) == (200, {"updated": 1})
    assert await _on_hand(seeded, "SKU-10002") == 5
    assert (daikon["available"], daikon["in_stock"]) == (0, False)


async def test_stock_count_for_an_unknown_product_names_it(seeded):
    async with client("orders", seeded) as c:
        response = await c.patch(
            f"/v1/stores/{KOBE}/stock",
            json={"items": [{"sku": "SKU-99999", "on_hand": 3}]},
            headers=MANAGER,
        )
    assert (response.status_code, response.json()["field"]) == (404, "items[0].sku")
