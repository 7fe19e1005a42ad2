"""Checkout and settlement pricing: rounding, buffers, substitutes, capture splits."""

from __future__ import annotations

import pytest

from services.orders.checkout.domain import line_cost, totals
from services.orders.payments.domain import Ordered, charge_line, settle
from shared.events import PackedLine, PlacedLine, Substitute
from shared.money import Money


def placed(unit: str, quantity: int, price: int) -> PlacedLine:
    return PlacedLine(
        line_no=1,
        sku="S",
        name_en="s",
        name_ja="s",
        zone="produce",
        unit=unit,
        quantity=quantity,
        unit_price=Money(price, "JPY"),
        substitution="none",
    )


@pytest.mark.parametrize(
    ("grams", "per_kg", "yen"),
    [
        (750, 398, 299),
        (500, 397, 199),
        (499, 100, 50),
        (1000, 1980, 1980),
        (333, 3, 1),
        (100, 4, 0),
    ],
)
def test_weighed_lines_round_half_up_to_the_yen(grams, per_kg, yen):
    assert line_cost("kg", grams, per_kg) == yen


def test_pieces_cost_quantity_times_price():
    assert line_cost("each", 3, 198) == 594


def test_buffer_applies_to_weighed_lines_only_and_rounds_up():
    sums = totals([placed("each", 2, 198), placed("kg", 750, 398)], buffer_pct=15)
    assert sums.estimate == 396 + 299
    assert sums.to_authorize == 396 + 299 + 45  # 44.85 rounds up: never authorize short


def test_no_weighed_lines_means_no_buffer():
    assert totals([placed("each", 1, 100)], buffer_pct=15).to_authorize == 100


def ordered(unit="each", quantity=2, price=200, substitution="any") -> Ordered:
    return Ordered(
        line_no=1, unit=unit, quantity=quantity, unit_price=price, substitution=substitution
    )


def sub(sku="SUB", quantity=1, price=500, unit="each") -> Substitute:
    return Substitute(
        sku=sku,
        name_en="sub",
        name_ja="sub",
        unit=unit,
        quantity=quantity,
        unit_price=Money(price, "JPY"),
    )


def test_a_shopper_never_pays_more_for_a_substitute_than_for_what_was_missing():
    charge = charge_line(ordered(), PackedLine(line_no=1, sku="S", picked=1, substitute=sub()))
    assert charge.charged == 200 + 200  # the 500-yen substitute is capped at the missing 200


def test_a_substitute_the_shopper_named_is_charged_in_full():
    named = ordered(substitution="sku:SUB")
    charge = charge_line(named, PackedLine(line_no=1, sku="S", picked=1, substitute=sub()))
    assert charge.charged == 200 + 500


def test_a_cheaper_substitute_costs_its_own_price():
    charge = charge_line(
        ordered(), PackedLine(line_no=1, sku="S", picked=0, substitute=sub(price=150))
    )
    assert charge.charged == 150


def test_weighed_lines_are_charged_by_the_scale_and_short_lines_not_at_all():
    assert (
        charge_line(ordered("kg", 750, 398), PackedLine(line_no=1, sku="S", picked=812)).charged
        == 323
    )
    assert charge_line(ordered(), None).charged == 0


@pytest.mark.parametrize(
    ("total", "authorized", "capture", "second", "release"),
    [
        (900, 1000, 900, 0, 100),
        (1000, 1000, 1000, 0, 0),
        (1200, 1000, 1000, 200, 0),
        (0, 500, 0, 0, 500),
    ],
)
def test_settlement_never_captures_more_than_authorized(
    total, authorized, capture, second, release
):
    plan = settle(total, authorized)
    assert (plan.capture, plan.second_charge, plan.release) == (capture, second, release)
    assert plan.capture + plan.second_charge == total
