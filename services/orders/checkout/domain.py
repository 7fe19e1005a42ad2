"""Checkout's pure types and rules: what may be ordered, and what it costs. No I/O.

Weighed lines are ordered in grams at a price per kilogram; their cost rounds half up to the
currency's minor unit (for JPY, the yen). Because a picker's weights differ from the order, the
authorization adds a per-store buffer on weighed lines only; the capture later is the real total.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Literal

import msgspec

from services.orders.catalog.tax import TaxClass
from shared.errors import DomainError, InvalidInput
from shared.events import Address, Fulfilment, PlacedLine
from shared.money import Money

MIN_GRAMS, MAX_GRAMS = 50, 10_000
# An order in one of these states will not change any more: nothing is on its way to anyone.
FINISHED = frozenset({"payment_failed", "expired", "delivered", "collected", "cancelled"})
MAX_PIECES = 99
Substitution = Literal["none", "same_brand", "any"]


class NamedSubstitute(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Only this sku may replace the line."""

    sku: str


class LineRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    sku: Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
    quantity: Annotated[int, msgspec.Meta(ge=1, le=MAX_PIECES)] | None = None
    grams: Annotated[int, msgspec.Meta(ge=MIN_GRAMS, le=MAX_GRAMS)] | None = None
    substitution: Substitution | NamedSubstitute = "none"


class OrderRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    store_id: str
    fulfilment: Fulfilment
    address: Address | None = None
    lines: Annotated[list[LineRequest], msgspec.Meta(min_length=1, max_length=100)]
    # Take a later promise than 30 minutes when the store cannot make it now.
    accept_later_promise: bool = False


class Sellable(msgspec.Struct, frozen=True, kw_only=True):
    """What the catalog says of a sku at the moment of ordering."""

    sku: str
    name_en: str
    name_ja: str
    zone: Literal["ambient", "chilled", "frozen", "produce"]
    unit: Literal["each", "kg"]
    price: int
    tax_class: TaxClass


def check_request(request: OrderRequest) -> None:
    if request.fulfilment == "delivery" and request.address is None:
        raise InvalidInput("a delivery needs an address", field="address")
    if request.fulfilment == "pickup" and request.address is not None:
        raise InvalidInput("a pickup order takes no address", field="address")
    seen: set[str] = set()
    for i, line in enumerate(request.lines):
        if line.sku in seen:
            raise InvalidInput(
                f"{line.sku} is ordered twice; add it up in one line", field=f"lines[{i}].sku"
            )
        seen.add(line.sku)


def line_cost(unit: str, quantity: int, unit_price: int) -> int:
    """Pieces x price, or grams x price per kg, rounded half up to the minor unit."""
    if unit == "each":
        return quantity * unit_price
    return (quantity * unit_price + 500) // 1000


def weighed_buffer(lines: Sequence[PlacedLine], buffer_pct: int) -> int:
    """The extra authorized for weighed lines, rounded up so it never falls short."""
    weighed = sum(
        line_cost(line.unit, line.quantity, line.unit_price.amount)
        for line in lines
        if line.unit == "kg"
    )
    return -(-weighed * buffer_pct // 100)


def price_lines(
    request: OrderRequest, catalog: dict[str, Sellable], currency: str
) -> list[PlacedLine]:
    """The order's lines at today's prices (in the store's `currency`); a line must match how
    its product is sold."""
    placed = []
    for i, line in enumerate(request.lines):
        product = catalog.get(line.sku)
        if product is None:
            raise InvalidInput(f"this store sells no {line.sku}", field=f"lines[{i}].sku")
        quantity = line.quantity if product.unit == "each" else line.grams
        if quantity is None and product.unit == "each":
            raise InvalidInput(
                f"{line.sku} is sold by the piece: send quantity", field=f"lines[{i}].quantity"
            )
        if quantity is None:
            raise InvalidInput(
                f"{line.sku} is sold by weight: send grams ({MIN_GRAMS} to {MAX_GRAMS})",
                field=f"lines[{i}].grams",
            )
        if line.quantity is not None and line.grams is not None:
            raise InvalidInput("send quantity or grams, not both", field=f"lines[{i}]")
        if isinstance(line.substitution, NamedSubstitute) and line.substitution.sku == line.sku:
            raise InvalidInput("an item cannot substitute itself", field=f"lines[{i}].substitution")
        placed.append(
            PlacedLine(
                line_no=i + 1,
                sku=product.sku,
                name_en=product.name_en,
                name_ja=product.name_ja,
                zone=product.zone,
                unit=product.unit,
                quantity=quantity,
                unit_price=Money(product.price, currency),
                substitution=substitution_code(line.substitution),
            )
        )
    return placed


def substitution_code(choice: Substitution | NamedSubstitute) -> str:
    return f"sku:{choice.sku}" if isinstance(choice, NamedSubstitute) else choice


class Totals(msgspec.Struct, frozen=True, kw_only=True):
    estimate: int
    to_authorize: int


def totals(lines: Sequence[PlacedLine], buffer_pct: int) -> Totals:
    estimate = sum(line_cost(line.unit, line.quantity, line.unit_price.amount) for line in lines)
    return Totals(estimate=estimate, to_authorize=estimate + weighed_buffer(lines, buffer_pct))


class Promised(msgspec.Struct, frozen=True, kw_only=True):
    """Delivery's answer to 'can you take this order now?'."""

    deliverable: bool
    distance_m: int | None = None
    promise_at: datetime | None = None
    meets_30_minutes: bool = False
    reason: str | None = None


class PaymentFailed(DomainError):
    """The payment provider could not be reached or refused the request.

    Raised when the order's PaymentIntent could not be made: the order failed and its stock
    went back, and that stays (the refusal commits); a repeat of the request is told the same.
    """

    status = 502
    slug = "payment-gateway"
    commits = True
