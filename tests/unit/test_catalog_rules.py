"""Pure rules of the store finder and the catalog."""

from __future__ import annotations

import msgspec
import pytest
from geopy.distance import geodesic

from services.orders.catalog.domain import (
    PriceChange,
    ProductDefinition,
    StockCount,
    StockedProduct,
    StockRow,
    catalog_item,
    check_definitions,
    check_price_changes,
    check_stock_counts,
    plan_definitions,
)
from services.orders.catalog.paging import (
    Found,
    PageKey,
    caller_language,
    decode_cursor,
    product_page,
    search_text,
)
from services.orders.stores.domain import MAX_RADIUS_M, Store, bounding_box, covering_stores
from shared.errors import Conflict, InvalidInput, NotFound
from shared.money import Money
from shared.paging import encode_cursor

KOBE = (34.6937, 135.1955)


def _inside(box, lat: float, lng: float) -> bool:
    in_lng = any(lo <= lng <= hi for lo, hi in (box.west, box.east))
    return box.min_lat <= lat <= box.max_lat and in_lng


@pytest.mark.parametrize(
    "centre",
    [KOBE, (0.0, 0.0), (-33.87, 151.21), (64.1, -21.9), (78.2, 15.6), (-0.5, 179.95), (10, -179.9)],
    ids=["kobe", "equator", "sydney", "reykjavik", "svalbard", "antimeridian-e", "antimeridian-w"],
)
def test_finder_box_holds_every_point_within_the_largest_radius(centre):
    box = bounding_box(*centre, MAX_RADIUS_M)
    for bearing in range(0, 360, 5):
        point = geodesic(meters=MAX_RADIUS_M).destination(centre, bearing)
        assert _inside(box, point.latitude, point.longitude), bearing


def test_finder_box_is_small_enough_to_leave_most_stores_unread():
    box = bounding_box(*KOBE, MAX_RADIUS_M)
    assert box.max_lat - box.min_lat < 0.4
    assert box.west == box.east and box.west[1] - box.west[0] < 0.5
    assert not _inside(box, 34.7025, 135.4959)  # Osaka Umeda, about 28 km away


def test_finder_box_near_a_pole_spans_every_longitude():
    assert bounding_box(89.95, 10.0, MAX_RADIUS_M).west == (-180.0, 180.0)


def _store(store_id: str, lat: float, lng: float, radius_m: int) -> Store:
    return Store(store_id=store_id, name=store_id, lat=lat, lng=lng, radius_m=radius_m)


def test_finder_lists_covering_stores_nearest_first_and_skips_those_out_of_reach():
    here = (34.6950, 135.2000)
    stores = [
        _store("far-but-wide", 34.7100, 135.2300, 5000),  # about 3.2 km, radius 5 km
        _store("near", 34.6937, 135.1955, 3000),  # about 0.4 km
        _store("too-far", 34.6700, 135.2500, 3000),  # about 5.3 km
    ]
    found = covering_stores(stores, *here)
    assert [s.store_id for s in found] == ["near", "far-but-wide"]
    assert found[0].distance_m < found[1].distance_m
    assert found[0].distance_m == round(geodesic(here, (34.6937, 135.1955)).meters)


def _definition(sku: str = "SKU-1", ean: str = "4900000100013", **kw) -> ProductDefinition:
    fields = {
        "name_en": "Cabbage",
        "name_ja": "キャベツ",
        "brand": "Farm",
        "category": "vegetables",
        "zone": "produce",
        "unit": "each",
        "price": Money(198, "JPY"),
        **kw,
    }
    return ProductDefinition(sku=sku, ean=ean, **fields)


def test_definition_with_a_wrong_check_digit_is_refused_naming_its_place():
    items = [_definition("A", "4900000100013"), _definition("B", "4900000100014")]
    with pytest.raises(InvalidInput) as caught:
        check_definitions(items, "JPY")
    assert caught.value.field == "items[1].ean"


def test_price_in_another_currency_than_the_store_is_refused():
    with pytest.raises(InvalidInput) as caught:
        check_definitions([_definition(price=Money(198, "USD"))], "JPY")
    assert caught.value.field == "items[0].price.currency"


def test_negative_price_is_refused():
    with pytest.raises(InvalidInput) as caught:
        check_definitions([_definition(price=Money(-1, "JPY"))], "JPY")
    assert caught.value.field == "items[0].price.amount"


@pytest.mark.parametrize(
    ("items", "field"),
    [
        ([_definition("A", "4900000100013"), _definition("A", "4900000100020")], "items[1].sku"),
        ([_definition("A", "4900000100013"), _definition("B", "4900000100013")], "items[1].ean"),
    ],
    ids=["sku", "ean"],
)
def test_a_sku_or_ean_twice_in_one_batch_is_refused(items, field):
    with pytest.raises(InvalidInput) as caught:
        check_definitions(items, "JPY")
    assert caught.value.field == field


def test_definitions_count_new_and_known_products():
    stored = {"A": StockRow(sku="A", unit="each", on_hand=5, reserved=1)}
    items = [_definition("A", "4900000100013"), _definition("B", "4900000100020")]
    written = plan_definitions(items, stored, {"4900000100013": "A"})
    assert (written.created, written.updated) == (1, 1)


def test_an_ean_held_by_another_product_is_refused():
    with pytest.raises(Conflict) as caught:
        plan_definitions([_definition("A", "4900000100013")], {}, {"4900000100013": "Z"})
    assert caught.value.field == "items[0].ean"


def test_products_may_trade_eans_within_one_batch():
    items = [_definition("A", "4900000100020"), _definition("B", "4900000100013")]
    owners = {"4900000100013": "A", "4900000100020": "B"}
    stored = {s: StockRow(sku=s, unit="each", on_hand=0, reserved=0) for s in "AB"}
    assert plan_definitions(items, stored, owners).updated == 2


def test_unit_of_a_product_with_stock_cannot_change():
    stored = {"A": StockRow(sku="A", unit="each", on_hand=12, reserved=0)}
    with pytest.raises(Conflict) as caught:
        plan_definitions([_definition("A", unit="kg")], stored, {})
    assert caught.value.field == "items[0].unit"


def test_unit_of_a_product_without_stock_may_change():
    stored = {"A": StockRow(sku="A", unit="each", on_hand=0, reserved=0)}
    assert plan_definitions([_definition("A", unit="kg")], stored, {}).updated == 1


def test_price_change_for_an_unknown_sku_names_it():
    known = {"A": StockRow(sku="A", unit="each", on_hand=1, reserved=0)}
    changes = [
        PriceChange(sku="A", price=Money(1, "JPY")),
        PriceChange(sku="Q", price=Money(1, "JPY")),
    ]
    with pytest.raises(NotFound) as caught:
        check_price_changes(changes, "JPY", known)
    assert caught.value.field == "items[1].sku"


def test_a_count_below_what_orders_hold_is_a_fact_and_recorded():
    known = {"A": StockRow(sku="A", unit="kg", on_hand=5000, reserved=1200)}
    check_stock_counts([StockCount(sku="A", on_hand=0)], known)


def test_available_never_goes_below_zero_when_the_till_sold_reserved_units():
    oversold = catalog_item(_stocked("C", on_hand=1, reserved=3), "JPY")
    assert (oversold.available, oversold.in_stock) == (0, False)


def _stocked(sku: str, unit: str = "each", on_hand: int = 10, reserved: int = 0) -> StockedProduct:
    return StockedProduct(
        sku=sku,
        ean="4900000100013",
        name_en=f"Item {sku}",
        name_ja="品",
        brand="",
        category="c",
        zone="ambient",
        unit=unit,  # type: ignore[arg-type]
        price=398,
        on_hand=on_hand,
        reserved=reserved,
    )


def test_available_is_on_hand_less_reserved_in_grams_for_weighed_products():
    item = catalog_item(_stocked("A", "kg", on_hand=3000, reserved=2500), "JPY")
    assert (item.available, item.available_unit, item.in_stock) == (500, "g", True)
    assert (item.price, item.price_per) == (Money(398, "JPY"), "kg")
    sold_out = catalog_item(_stocked("B", on_hand=4, reserved=4), "JPY")
    assert (sold_out.available, sold_out.available_unit, sold_out.in_stock) == (0, "piece", False)


def test_a_page_has_a_cursor_only_when_more_follow():
    rows = [
        Found(**msgspec.structs.asdict(_stocked(s)), tier=1, sort_key=f"item {s}") for s in "ABC"
    ]
    page = product_page(rows, "JPY", 2)
    assert [i.sku for i in page.items] == ["A", "B"]
    assert decode_cursor(page.next_cursor) == PageKey(1, "item B", "B")
    assert product_page(rows, "JPY", 3).next_cursor is None


def test_cursor_round_trips_names_in_any_script():
    key = PageKey(0, "キャベツ 1玉 / ½", "SKU-1")
    assert decode_cursor(encode_cursor(*msgspec.structs.astuple(key))) == key


@pytest.mark.parametrize("cursor", ["%%%", "bm90IGpzb24", encode_cursor(0, "a", "b")[:-3], "WzFd"])
def test_malformed_cursor_is_refused_naming_it(cursor):
    with pytest.raises(InvalidInput) as caught:
        decode_cursor(cursor)
    assert caught.value.field == "cursor"


def test_blank_search_is_no_search():
    assert search_text(" 100%_juice ") == "100%_juice"
    assert search_text("  ") is None


@pytest.mark.parametrize(
    ("lang", "accept_language", "language"),
    [
        ("ja", "en-US,en;q=0.9", "ja"),
        ("en", "ja", "en"),
        (None, "ja-JP,ja;q=0.9,en-US;q=0.8", "ja"),
        (None, "fr-FR, en;q=0.5, ja;q=0.7", "ja"),  # French has no names here; ja weighs more
        (None, "en-GB;q=0.9, JA", "ja"),  # no weight is 1
        (None, "ja;q=0, en", "en"),  # q=0 means not acceptable
        (None, "ja;q=oops", "en"),
        (None, "de", "en"),
        (None, None, "en"),
    ],
)
def test_caller_language_is_lang_else_the_best_accepted_else_english(
    lang, accept_language, language
):
    assert caller_language(lang, accept_language) == language


def test_a_substitute_shows_its_price_and_what_is_free_of_its_stock():
    shown = catalog_item(_stocked("A", "kg", on_hand=3000, reserved=2500), "JPY")
    assert (shown.price, shown.available, shown.unit) == (Money(398, "JPY"), 500, "kg")
