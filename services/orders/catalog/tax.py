"""Japanese consumption tax on tax-inclusive prices, as the invoice system asks a receipt to
show it: per rate, the total and the tax it includes. Pure, no I/O.

Shelf prices include the tax, so what a shopper pays never changes with it; the tax is the part
of each rate's total that is tax, rounded down to the yen once per rate per receipt (the invoice
system allows one rounding per rate per document, and rounding down never overstates it).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

import msgspec

from shared.money import Money

# reduced: food and drink other than alcohol (8 %); standard: everything else (10 %).
TaxClass = Literal["reduced", "standard"]
RATES: dict[TaxClass, int] = {"reduced": 8, "standard": 10}


class TaxSubtotal(msgspec.Struct, frozen=True, kw_only=True):
    """One rate's part of a receipt or an order."""

    tax_class: TaxClass
    rate_pct: int
    total: Money  # what the lines at this rate cost, tax included
    tax: Money  # the tax within `total`


def included_tax(total: int, rate_pct: int) -> int:
    """The tax inside a tax-inclusive amount, rounded down to the minor unit."""
    return total * rate_pct // (100 + rate_pct)


def tax_subtotals(amounts: Iterable[tuple[TaxClass, int]], currency: str) -> list[TaxSubtotal]:
    """Per tax class present, reduced first, the total and its tax, from (tax class, amount)
    per line."""
    totals: dict[TaxClass, int] = {}
    for tax_class, amount in amounts:
        totals[tax_class] = totals.get(tax_class, 0) + amount
    return [
        TaxSubtotal(
            tax_class=tax_class,
            rate_pct=rate,
            total=Money(totals[tax_class], currency),
            tax=Money(included_tax(totals[tax_class], rate), currency),
        )
        for tax_class, rate in RATES.items()
        if tax_class in totals
    ]
