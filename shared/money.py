"""Money as integer minor units with an ISO 4217 currency; never a float."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

import msgspec

# Minor units per currency (ISO 4217 exponent). JPY has none: 1 yen is the smallest unit.
EXPONENTS: dict[str, int] = {"JPY": 0, "KRW": 0, "USD": 2, "EUR": 2, "GBP": 2, "CNY": 2, "SGD": 2}

Currency = Annotated[str, msgspec.Meta(pattern="^[A-Z]{3}$", examples=["JPY"])]


class Money(msgspec.Struct, frozen=True):
    """An amount in the currency's minor unit (yen for JPY, cents for USD)."""

    amount: int
    currency: Currency

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount - other.amount, self.currency)

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValueError(f"cannot mix {self.currency} and {other.currency}")

    @property
    def exponent(self) -> int:
        return EXPONENTS.get(self.currency, 2)


def priced(row: Mapping[str, Any], *fields: str) -> dict[str, Any]:
    """A database row as an API shows it: each of `fields` (minor units, or NULL) with the row's
    `currency` as one `Money`, and no `currency` of its own, so that every response carries
    money in the one `{amount, currency}` shape."""
    out = dict(row)
    currency = out.pop("currency")
    for f in fields:
        out[f] = None if out[f] is None else Money(out[f], currency)
    return out
