"""Money as integer minor units with an ISO 4217 currency; never a float."""

from __future__ import annotations

from typing import Annotated

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
