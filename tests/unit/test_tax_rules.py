"""Japanese consumption tax on tax-inclusive prices, per rate per receipt."""

from __future__ import annotations

import pytest

from services.orders.catalog.tax import TaxSubtotal, included_tax, tax_subtotals
from shared.money import Money


@pytest.mark.parametrize(
    ("total", "rate", "tax"),
    [(108, 8, 8), (110, 10, 10), (278, 8, 20), (745, 8, 55), (596, 10, 54), (0, 8, 0), (1, 10, 0)],
)
def test_the_tax_inside_a_price_is_rounded_down_to_the_yen(total, rate, tax):
    assert included_tax(total, rate) == tax


def test_each_rate_is_rounded_once_over_its_lines_not_line_by_line():
    lines = [("reduced", 168), ("reduced", 278), ("reduced", 299)]
    [reduced] = tax_subtotals(lines, "JPY")
    assert reduced.tax == Money(55, "JPY")
    assert sum(included_tax(amount, 8) for _, amount in lines) == 54


def test_subtotals_come_reduced_first_and_only_for_rates_present():
    subtotals = tax_subtotals([("standard", 220), ("reduced", 108), ("standard", 110)], "JPY")
    assert subtotals == [
        TaxSubtotal(tax_class="reduced", rate_pct=8, total=Money(108, "JPY"), tax=Money(8, "JPY")),
        TaxSubtotal(
            tax_class="standard", rate_pct=10, total=Money(330, "JPY"), tax=Money(30, "JPY")
        ),
    ]
    assert tax_subtotals([], "JPY") == []
