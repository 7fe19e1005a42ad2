"""The till: pure types and rules of a basket rung up by a cashier. No I/O.

What is scanned is priced as every sale is (services/orders/sale/domain.py); the till adds the
tender (cash and its change, or the card terminal), the receipt, and the basket that goes home
by rider: within the store's delivery radius, in one bag per temperature zone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated

import msgspec
from geopy.distance import geodesic

from services.orders.catalog.allergens import Allergen
from services.orders.catalog.tax import RATES, TaxClass, TaxSubtotal, tax_subtotals
from services.orders.sale.domain import MAX_SCANS, Barcode, Line, ScanKind, TenderKind, Till
from shared.errors import InvalidInput
from shared.events import Address, Bag, Unit, Zone
from shared.money import Money


class Cash(
    msgspec.Struct,
    frozen=True,
    kw_only=True,
    forbid_unknown_fields=True,
    tag_field="kind",
    tag="cash",
):
    """Notes and coins handed over; the receipt says the change."""

    received: Money


class CardTerminal(
    msgspec.Struct,
    frozen=True,
    kw_only=True,
    forbid_unknown_fields=True,
    tag_field="kind",
    tag="card_terminal",
):
    """Paid on the till's card terminal; `reference` is the terminal's transaction id."""

    reference: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]


Tender = Cash | CardTerminal


class SaleRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    barcodes: Annotated[list[Barcode], msgspec.Meta(min_length=1, max_length=MAX_SCANS)]
    member_code: Annotated[str, msgspec.Meta(min_length=1, max_length=200)] | None = None
    tender: Tender
    # The basket, bagged at the till, goes home by rider: a delivery order that is packed already.
    deliver_to: Address | None = None


class ReceiptLine(msgspec.Struct, frozen=True, kw_only=True):
    line_no: int
    sku: str
    name_en: str
    name_ja: str
    scan: ScanKind
    unit: Unit
    quantity: int  # pieces, or grams
    unit_price: Money  # per piece, or per kilogram
    amount: Money  # tax included
    tax_class: TaxClass
    tax_rate_pct: int  # a receipt marks the reduced-rate (8 %) lines
    allergens: list[Allergen]


class SaleReceipt(msgspec.Struct, frozen=True, kw_only=True):
    sale_id: str
    store_id: str
    sold_at: datetime
    member_id: str | None
    lines: list[ReceiptLine]
    total: Money  # tax included
    taxes: list[TaxSubtotal]  # per rate: its lines' total and the tax in it, as invoices show
    tender: TenderKind
    received: Money | None  # cash only
    change: Money | None  # cash only
    order_id: str | None  # the delivery order, when the basket goes home by rider
    promise_at: datetime | None = None  # ... and when it will be at the door


def receipt_lines(lines: Sequence[Line], currency: str) -> list[ReceiptLine]:
    return [
        ReceiptLine(
            line_no=n,
            sku=x.sku,
            name_en=x.name_en,
            name_ja=x.name_ja,
            scan=x.scan,
            unit=x.unit,
            quantity=x.quantity,
            unit_price=Money(x.unit_price, currency),
            amount=Money(x.amount, currency),
            tax_class=x.tax_class,
            tax_rate_pct=RATES[x.tax_class],
            allergens=x.allergens,
        )
        for n, x in enumerate(lines, 1)
    ]


def receipt_taxes(lines: Sequence[Line], currency: str) -> list[TaxSubtotal]:
    return tax_subtotals(((x.tax_class, x.amount) for x in lines), currency)


def change_due(tender: Tender, total: Money) -> Money | None:
    """The change for cash; cash must cover the total, in the store's currency."""
    if not isinstance(tender, Cash):
        return None
    received = tender.received
    if received.currency != total.currency:
        raise InvalidInput(
            f"this store takes {total.currency}, not {received.currency}",
            field="tender.received.currency",
        )
    if received.amount < total.amount:
        raise InvalidInput(
            f"received {received.amount} {received.currency}, less than the total of "
            f"{total.amount} {total.currency}",
            field="tender.received",
        )
    return received - total


def check_deliverable(till: Till, address: Address) -> None:
    """The store's riders go as far as its delivery radius, and no further."""
    distance = geodesic((till.lat, till.lng), (address.lat, address.lng)).meters
    if distance > till.radius_m:
        raise InvalidInput(
            f"the address is {distance / 1000:.1f} km away; this store delivers within "
            f"{till.radius_m} m",
            field="deliver_to",
        )


def bags(order_id: str, zones: Sequence[Zone]) -> list[Bag]:
    """One bag per temperature zone of a basket bagged at the till, in the order given."""
    unique = list(dict.fromkeys(zones))
    return [
        Bag(code=f"{order_id}-{zone}-1", zone=zone, number=n, of=len(unique))
        for n, zone in enumerate(unique, 1)
    ]
