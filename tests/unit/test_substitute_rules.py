"""Which products a shopper would accept for a short one, and the reason given, in English and
Japanese."""

from __future__ import annotations

from typing import Any

import pytest

from services.orders.catalog.domain import StockedProduct
from services.orders.catalog.reasons import reason_text
from services.orders.catalog.substitutes import (
    kind_words,
    likeness,
    named_substitute,
    rank_substitutes,
    size_of,
)
from shared.events import SubstituteReason
from shared.money import Money


def _product(sku: str, name_en: str, price: int, brand: str = "Store Brand", **kw: Any):
    return StockedProduct(
        sku=sku,
        ean="4900000000000",
        name_en=name_en,
        name_ja=name_en,
        brand=brand,
        category=kw.pop("category", "dairy"),
        zone="chilled",
        unit=kw.pop("unit", "each"),
        price=price,
        on_hand=10,
        **kw,
    )


MEIJI_MILK = _product("MEIJI-MILK", "Meiji Oishii Milk 1 L", 278, "Meiji", allergens=["milk"])
MORINAGA_MILK = _product("MORINAGA-MILK", "Morinaga Milk 1 L", 238, "Morinaga", allergens=["milk"])
FRESH_MILK = _product("FRESH-MILK", "Fresh Milk 1 L", 198, allergens=["milk"])
SMALL_MILK = _product("SMALL-MILK", "Low-Fat Milk 500 ml", 158, allergens=["milk"])
MEIJI_YOGURT = _product("MEIJI-YOGURT", "Meiji Bulgaria Yogurt 400 g", 198, "Meiji")
SOY_MILK = _product("SOY-MILK", "Soy Milk 1 L", 238, allergens=["soybean"])


def _ranked(original, candidates, preference: str = "any") -> list[str]:
    return [p.sku for p, _ in rank_substitutes(original, candidates, preference, "JPY")]


def test_a_kind_is_what_the_name_says_without_sizes_counts_or_packing():
    assert kind_words("Cherry Tomatoes 200 g") == {"cherry", "tomato"}
    assert kind_words("Eggs M Size 10 pcs") == {"egg"}
    assert kind_words("Potatoes, loose") == {"potato"}


@pytest.mark.parametrize(
    ("name", "size"),
    [
        ("Morinaga Milk 1 L", ("ml", 1000.0)),
        ("Silken Tofu 150 g x 3", ("g", 450.0)),
        ("Niigata Koshihikari Rice 5 kg", ("g", 5000.0)),
        ("Eggs L Size 10 pcs", ("pieces", 10.0)),
        ("Cabbage 1 head", None),
    ],
)
def test_a_size_is_read_from_the_name_in_one_measure(name, size):
    assert size_of(name) == size


def test_only_the_same_kind_is_offered_never_merely_the_same_category():
    cherry_tomatoes = _product("CHERRY", "Cherry Tomatoes 200 g", 298, category="vegetables")
    onions = _product("ONIONS", "Awaji Onions 3 pcs", 298, category="vegetables")
    spinach = _product("SPINACH", "Spinach 1 bunch", 158, category="vegetables")
    assert _ranked(cherry_tomatoes, [onions, spinach]) == []


def test_the_likest_comes_first_then_the_nearer_price():
    candidates = [FRESH_MILK, MEIJI_YOGURT, SMALL_MILK, MORINAGA_MILK]
    # Both 1 L milks share "milk" and the size; Morinaga's price is nearer. The 500 ml milk is
    # of the kind but half the size; yogurt is not milk, though it is Meiji's.
    assert _ranked(MEIJI_MILK, candidates) == ["MORINAGA-MILK", "FRESH-MILK", "SMALL-MILK"]


def test_a_substitute_says_why_in_codes_and_in_words():
    why = likeness(MEIJI_MILK, MORINAGA_MILK, "JPY")
    assert why is not None
    assert why.reasons == ["same_kind", "same_size"]
    assert why.why == [
        SubstituteReason(code="same_kind", kind=["milk"]),
        SubstituteReason(code="same_size", size="1 L"),
        SubstituteReason(code="cheaper", difference=Money(40, "JPY")),
    ]
    assert reason_text(why.why, "en") == "same kind (milk); same size (1 L); JPY 40 cheaper"
    silken = _product("SILKEN-3", "Silken Tofu 150 g x 3", 98, category="tofu")
    firm = _product("FIRM", "Firm Tofu 350 g", 118, category="tofu")
    why = likeness(silken, firm, "JPY")
    assert why is not None and why.reasons == ["same_kind", "same_brand", "similar_size"]
    assert reason_text(why.why, "en") == (
        "same kind (tofu); same brand (Store Brand); similar size (350 g); JPY 20 dearer"
    )


def test_a_reason_is_worded_in_japanese_without_the_english_kind_words():
    why = likeness(MEIJI_MILK, MORINAGA_MILK, "JPY")
    assert why is not None
    assert reason_text(why.why, "ja") == "同じ種類、同じサイズ（1 L）、40円安い"
    silken = _product("SILKEN-3", "Silken Tofu 150 g x 3", 98, category="tofu")
    firm = _product("FIRM", "Firm Tofu 350 g", 118, category="tofu")
    why = likeness(silken, firm, "JPY")
    assert why is not None
    assert (
        reason_text(why.why, "ja")
        == "同じ種類、同じブランド（Store Brand）、近いサイズ（350 g）、20円高い"
    )


@pytest.mark.parametrize(
    ("reason", "english", "japanese"),
    [
        (SubstituteReason(code="same_price"), "same price", "同じ価格"),
        (SubstituteReason(code="named_by_shopper"), "the shopper named it", "お客様のご指定"),
        (
            SubstituteReason(code="cheaper", difference=Money(60, "JPY"), per_kg=True),
            "JPY 60/kg cheaper",
            "1kgあたり60円安い",
        ),
        (
            SubstituteReason(code="dearer", difference=Money(125, "USD")),
            "USD 1.25 dearer",
            "USD 1.25高い",
        ),
    ],
)
def test_a_price_and_the_shoppers_word_are_worded_in_both_languages(reason, english, japanese):
    assert (reason_text([reason], "en"), reason_text([reason], "ja")) == (english, japanese)


def test_a_weighed_substitute_states_its_price_difference_per_kilogram():
    loose = _product("LOOSE", "Potatoes, loose", 98, category="vegetables", unit="kg")
    other = _product(
        "OTHER", "Hokkaido Potatoes, loose", 128, "Hokkaido Farm", category="vegetables", unit="kg"
    )
    why = likeness(loose, other, "JPY")
    assert why is not None and why.why[-1] == SubstituteReason(
        code="dearer", difference=Money(30, "JPY"), per_kg=True
    )
    assert reason_text(why.why, "en") == "same kind (potato); JPY 30/kg dearer"


def test_a_brands_own_words_do_not_make_two_of_its_products_alike():
    meiji_cheese = _product("MEIJI-CHEESE", "Meiji Camembert 100 g", 398, "Meiji")
    assert likeness(MEIJI_YOGURT, meiji_cheese, "JPY") is None


def test_a_substitute_never_brings_an_allergen_the_original_did_not_have():
    assert _ranked(MEIJI_MILK, [SOY_MILK, FRESH_MILK]) == ["FRESH-MILK"]
    # ...but one with fewer allergens is fine.
    plain = _product("PLAIN-MILK", "Lactose-Free Milk 1 L", 298)
    assert _ranked(MEIJI_MILK, [plain]) == ["PLAIN-MILK"]


def test_same_brand_keeps_to_the_kind_and_the_brand():
    meiji_low_fat = _product("MEIJI-LOW-FAT", "Meiji Low-Fat Milk 1 L", 238, "Meiji")
    candidates = [MORINAGA_MILK, meiji_low_fat, MEIJI_YOGURT]
    assert _ranked(MEIJI_MILK, candidates, "same_brand") == ["MEIJI-LOW-FAT"]


def test_a_named_sku_is_the_only_substitute_with_the_shoppers_word_as_reason():
    [(named, why)] = rank_substitutes(MEIJI_MILK, [SOY_MILK, FRESH_MILK], "sku:SOY-MILK", "JPY")
    assert (named.sku, why.reasons) == ("SOY-MILK", ["named_by_shopper"])
    assert reason_text(why.why, "en") == "the shopper named it"
    assert _ranked(MEIJI_MILK, [FRESH_MILK], "sku:MISSING") == []
    assert (named_substitute("sku:SOY-MILK"), named_substitute("any")) == ("SOY-MILK", None)


def test_a_line_that_takes_no_substitute_is_offered_none():
    assert _ranked(MEIJI_MILK, [MORINAGA_MILK], "none") == []


def test_at_most_five_substitutes_are_offered():
    milks = [_product(f"MILK-{n}", f"Milk No {n} 1 L", 200 + n) for n in range(8)]
    assert _ranked(MEIJI_MILK, milks) == [f"MILK-{n}" for n in range(7, 2, -1)]
