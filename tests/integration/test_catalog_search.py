"""Searching the catalog as a shopper types: in either language, any width or kana, most
relevant first; and what a product shows beyond its name (pictures, allergens, tax class)."""

from __future__ import annotations

import pytest

from shared.auth import Role
from tests.integration.apps import bearer, client

KOBE = "kobe-sannomiya"
PRODUCTS = f"/v1/stores/{KOBE}/products"
DAIKON, CABBAGE, CHINESE_CABBAGE = "SKU-10002", "SKU-10001", "SKU-10016"


async def _found(database: str, q: str, **params: str) -> list[str]:
    async with client("orders", database) as c:
        response = await c.get(PRODUCTS, params={"q": q, "limit": 200, **params})
    assert response.status_code == 200, response.text
    return [item["sku"] for item in response.json()["items"]]


@pytest.mark.parametrize(
    "q",
    ["大根", "だいこん", "ダイコン", "ﾀﾞｲｺﾝ", "ＤＡＩＫＯＮ", "daikon"],
    ids=["kanji", "hiragana", "katakana", "half-width-kana", "full-width-latin", "english"],
)
async def test_daikon_is_found_in_any_script_or_width(database, demo, q):
    assert DAIKON in await _found(database, q, lang="ja")


async def test_katakana_names_are_found_by_hiragana_and_half_width_kana(database, demo):
    # キャベツ is written in katakana; a shopper may type it in hiragana or on a half-width pad.
    assert await _found(database, "きゃべつ", lang="ja") == [CABBAGE]
    assert await _found(database, "ｷｬﾍﾞﾂ", lang="ja") == [CABBAGE]


async def test_names_starting_with_the_query_come_before_names_containing_it(database, demo):
    # "Cabbage 1 head" starts with it; "Chinese Cabbage Half" has it as a word.
    assert await _found(database, "cabbage") == [CABBAGE, CHINESE_CABBAGE]
    # 牛乳 starts no name: the three milks hold it, in the order of their readings (せいぶん
    # むちょうせい, めいじ, もりなが); 豆乳 (soy milk) is not 牛乳.
    assert await _found(database, "牛乳", lang="ja") == ["SKU-10051", "SKU-10049", "SKU-10050"]


async def test_the_callers_language_ranks_its_own_names_first(database, demo):
    # Japanese names may hold Latin letters (a brand, a region): "tokachi" starts the English
    # name of one and the Japanese name of the other.
    cheese = _household(
        sku="SKU-30002",
        ean="4900000300024",
        name_en="Tokachi Cheese 100 g",
        name_ja="十勝チーズ 100g",
        reading="とかちちーず 100g",
        tax_class="reduced",
    )
    butter = _household(
        sku="SKU-30003",
        ean="4900000300031",
        name_en="Hokkaido Butter 200 g",
        name_ja="Tokachi 発酵バター 200g",
        reading="とかち はっこうばたー 200g",
        tax_class="reduced",
    )
    manager = bearer(Role.MANAGER, store=KOBE)
    async with client("orders", database) as c:
        defined = await c.put(PRODUCTS, json={"items": [cheese, butter]}, headers=manager)
    assert defined.status_code == 200, defined.text
    # The Meiji Tokachi camembert has it as a word of its English name only (十勝 in Japanese).
    camembert = "SKU-10057"
    assert await _found(database, "tokachi", lang="en") == ["SKU-30002", camembert, "SKU-30003"]
    # In Japanese: the butter's name starts with it; then the English-only matches by reading.
    assert await _found(database, "tokachi", lang="ja") == ["SKU-30003", "SKU-30002", camembert]
    # The reading finds the camembert's kanji in either language.
    assert camembert in await _found(database, "とかち", lang="en")


async def test_accept_language_chooses_the_order_when_lang_is_not_given(database, demo):
    async with client("orders", database) as c:
        ja = await c.get(PRODUCTS, params={"category": "tofu"}, headers={"Accept-Language": "ja"})
        en = await c.get(
            PRODUCTS, params={"category": "tofu"}, headers={"Accept-Language": "en-GB,ja;q=0.5"}
        )
    readings = [i["reading"] for i in ja.json()["items"]]
    names = [i["name_en"] for i in en.json()["items"]]
    assert readings == sorted(readings) and len(readings) == 6
    assert names == sorted(names)
    assert readings[0].startswith("あつあげ")  # 厚揚げ, first in kana order though last by code


async def test_pages_of_a_ranked_search_walk_every_match_once(database, demo):
    everything = await _found(database, "u")  # many names hold a u, ranked in tiers
    walked, cursor = [], None
    async with client("orders", database) as c:
        while True:
            params = {"q": "u", "limit": 7, **({"cursor": cursor} if cursor else {})}
            body = (await c.get(PRODUCTS, params=params)).json()
            walked += [item["sku"] for item in body["items"]]
            if (cursor := body["next_cursor"]) is None:
                break
    assert walked == everything and len(everything) > 7


async def test_a_product_shows_its_pictures_description_allergens_and_tax(database, demo):
    async with client("orders", database) as c:
        bread = (await c.get(f"{PRODUCTS}/SKU-10229")).json()  # Lunch Pack Peanut
    assert bread["allergens"] == ["wheat", "peanut", "milk", "soybean"]
    assert (bread["tax_class"], bread["tax_rate_pct"]) == ("reduced", 8)
    assert bread["image_urls"] == ["https://images.omo-grocery.example/products/SKU-10229.jpg"]
    assert bread["description_ja"].startswith("Yamazaki。直射日光")
    assert bread["reading"].startswith("やまざき らんちぱっく")


def _household(**kw: object) -> dict:
    return {
        "sku": "SKU-30001",
        "ean": "4900000300017",
        "name_en": "Kitchen Paper 4 rolls",
        "name_ja": "キッチンペーパー 4ロール",
        "category": "household",
        "zone": "ambient",
        "unit": "each",
        "price": {"amount": 298, "currency": "JPY"},
        "tax_class": "standard",
        "image_urls": ["https://img.example.jp/kitchen-paper.jpg"],
        "description_en": "Two-ply, 75 sheets a roll.",
        "description_ja": "2枚重ね 75カット×4ロール",
        "reading": "きっちんぺーぱー 4ろーる",
        **kw,
    }


async def test_a_manager_defines_what_a_product_shows(database, demo):
    manager = bearer(Role.MANAGER, store=KOBE)
    async with client("orders", database) as c:
        put = await c.put(PRODUCTS, json={"items": [_household()]}, headers=manager)
        paper = (await c.get(f"{PRODUCTS}/SKU-30001")).json()
    assert put.status_code == 200, put.text
    assert paper | _household() == paper | {"price": paper["price"]}
    assert (paper["tax_rate_pct"], paper["allergens"]) == (10, [])


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"allergens": ["egg", "gluten"]}, 400, "items[0].allergens[1]"),
        ({"allergens": ["egg", "egg"]}, 422, "items[0].allergens"),
        ({"tax_class": "zero"}, 400, "items[0].tax_class"),
        ({"image_urls": ["http://img.example.jp/a.jpg"]}, 400, "items[0].image_urls[0]"),
    ],
    ids=["unknown-allergen", "allergen-twice", "tax-class", "plain-http-image"],
)
async def test_bad_content_is_refused_naming_the_field(database, demo, change, status, field):
    manager = bearer(Role.MANAGER, store=KOBE)
    async with client("orders", database) as c:
        response = await c.put(PRODUCTS, json={"items": [_household(**change)]}, headers=manager)
    assert (response.status_code, response.json()["field"]) == (status, field)
